// `/<REGION>/<subgraph>/graphql`: one operation on one region's subgraph.
import type http from "node:http";
import { GraphQLError } from "graphql";
import { executeGraphQL, readJsonBody, sendRefusal } from "../../kernel/http.js";
import { graphQLParamsOf } from "../../kernel/limits.js";
import type { SubgraphName } from "../../manifest.js";
import type { HostedRegion, HostRequests } from "../requests.js";

export async function serveGraphQL(
  requests: HostRequests,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  region: HostedRegion,
  subgraph: SubgraphName,
  maxBody: number,
): Promise<void> {
  const parsed = await readJsonBody(req, res, maxBody);
  if (!parsed) return;
  const access = await requests.access(req, res, region.info.code);
  if (!access) return;
  const checked = requests.limited(subgraph, graphQLParamsOf(req.method, parsed.body, url.searchParams));
  if (checked instanceof GraphQLError) return sendRefusal(res, checked);
  await executeGraphQL(requests.server(subgraph)!, req, res, url, parsed.body, requests.context(req, region, subgraph, access));
}
