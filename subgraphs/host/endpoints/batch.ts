// `POST /<REGION>/batch` with `{ requests: [{ subgraph, query, variables?, operationName? }] }`:
// several operations on this region's subgraphs in one round trip (the gateway sends a
// region's share of a national query this way). Each runs exactly as it would on its own
// endpoint, side by side; the answer lists `{ status, body }` in the same order.
import type http from "node:http";
import { GraphQLError } from "graphql";
import {
  acceptsJson,
  graphQLRequestOf,
  isJson,
  readJsonBody,
  refusal,
  runGraphQL,
  sendError,
  sendJsonText,
  sendRefusal,
} from "../../kernel/http.js";
import { exceeded, graphQLParamsOf, sumMeasures, type Measure } from "../../kernel/limits.js";
import { CombinedReads } from "../../kernel/reads.js";
import { MAX_BATCH } from "../../kernel/regions.js";
import type { SubgraphName } from "../../manifest.js";
import type { HostedRegion, HostRequests } from "../requests.js";

export async function serveBatch(
  requests: HostRequests,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  region: HostedRegion,
  maxBody: number,
): Promise<void> {
  if (req.method !== "POST") return sendError(res, 405, "BAD_REQUEST", "batches are POSTed");
  const parsed = await readJsonBody(req, res, maxBody);
  if (!parsed) return;
  const operations = (parsed.body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(operations) || operations.length === 0 || operations.length > MAX_BATCH) {
    return sendError(res, 400, "BAD_REQUEST", `a batch is { "requests": [...] } with 1 to ${MAX_BATCH} operations`);
  }
  const bad = operations.findIndex(
    (r) => r === null || typeof r !== "object" || Array.isArray(r) || typeof (r as { subgraph?: unknown }).subgraph !== "string",
  );
  if (bad >= 0)
    return sendError(res, 400, "BAD_REQUEST", `requests.${bad}: an operation is { subgraph, query, variables?, operationName? }`);
  const access = await requests.access(req, res, region.info.code);
  if (!access) return;
  // Each operation within the limits on its own, and all of them together within them too.
  const checks = (operations as Array<{ subgraph: string }>).map(({ subgraph, ...operation }) =>
    requests.server(subgraph)
      ? requests.limited(subgraph as SubgraphName, graphQLParamsOf("POST", operation, new URLSearchParams()))
      : undefined,
  );
  const together = exceeded(
    sumMeasures(checks.filter((c): c is Measure => c !== undefined && !(c instanceof GraphQLError))),
    requests.limits,
    "batch",
  );
  if (together) return sendRefusal(res, together);
  const json = isJson(req) && acceptsJson(req);
  let request: ReturnType<typeof graphQLRequestOf> | undefined;
  // The operations' small reads of the region's database leave together (kernel/reads.ts).
  const reads = new CombinedReads(region.db);
  const answers = await Promise.all(
    (operations as Array<{ subgraph: string }>).map(async ({ subgraph, ...operation }, i) => {
      const server = requests.server(subgraph);
      if (!server) {
        return JSON.stringify({
          status: 404,
          body: { errors: [{ message: `subgraph ${subgraph} is not served by this host`, extensions: { code: "NOT_FOUND" } }] },
        });
      }
      const check = checks[i];
      if (check instanceof GraphQLError) return JSON.stringify(refusal(check));
      const context = requests.context(req, region, subgraph as SubgraphName, access, reads);
      // A JSON request (what Apollo's CSRF prevention asks of a POST) that takes JSON back runs
      // without Apollo's pipeline where the answer is the same.
      const result =
        (json && (await requests.direct(subgraph as SubgraphName).run(operation, context))) ||
        (await runGraphQL(server, (request ??= graphQLRequestOf(req, "")), operation, context));
      return `{"status":${result.status},"body":${result.body}}`;
    }),
  );
  sendJsonText(res, 200, `{"responses":[${answers.join(",")}]}`);
}
