// The region host: one HTTP server serving any number of subgraph kinds for any number
// of regions at `/<REGION>/<subgraph>/graphql`. One schema (and one Apollo Server) per
// subgraph kind serves all its regions; the region comes from the request path.
// Building the handler and listening are separate.
import type http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { AuditTrail, auditIndexes } from "../kernel/audit.js";
import { GraphQLError } from "graphql";
import type { Db, MongoClient } from "mongodb";
import { importJWK, type CryptoKey, type JWK } from "jose";
import { withRegions, type Access, type AuthConfig } from "../kernel/auth.js";
import { Loaders, type SubgraphContext } from "../kernel/context.js";
import { formatError } from "../kernel/errors.js";
import {
  executeGraphQL,
  graphQLRequestOf,
  readJsonBody,
  readTextBody,
  refusal,
  requestAccess,
  requestIdOf,
  runGraphQL,
  safeHandler,
  sendError,
  sendJson,
  sendJsonText,
  sendRefusal,
} from "../kernel/http.js";
import { DEFAULT_LIMITS, DocumentCache, exceeded, graphQLParamsOf, measureOperation, sumMeasures, type Measure, type QueryLimits } from "../kernel/limits.js";
import { publicJwk } from "../kernel/keys.js";
import { RegionLink } from "./link.js";
import { LinkError } from "../kernel/messaging.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import type { Logger } from "../kernel/log.js";
import { ensureIndexes, regionDbName } from "../kernel/mongo.js";
import { DEFAULT_RETRY, Outbox, outboxIndexes, type RetryPolicy } from "./outbox.js";
import { keyedHasher } from "../kernel/pseudonym.js";
import { MAX_BATCH, type RegionInfo, type RegionRegistry } from "../kernel/regions.js";
import { type SubgraphName } from "../manifest.js";

/** The largest request body a region host reads unless told otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

export interface RegionHostOptions {
  subgraphs: SubgraphDefinition[];
  regions: RegionInfo[];
  registry: RegionRegistry;
  mongo: MongoClient;
  dbPrefix: string;
  auth: AuthConfig;
  /** Deployment secret for keyed hashes (e.g. national ID numbers); never leaves the host. */
  pseudonymKey: string;
  log: Logger;
  maxBodyBytes?: number;
  /** With NODE_ENV=production: no introspection. */
  production?: boolean;
  /** Keys and addresses for messages between regions; default: fresh keys, this host only. */
  link?: RegionLink;
  retry?: Partial<RetryPolicy>;
  /** Depth, alias, cost, size and representation limits: the gateway's, unless told otherwise. */
  limits?: Partial<QueryLimits>;
  /** The national gateway's public key: its per-region assertions of callers are accepted too. */
  gatewayPublicKey?: JWK;
}

export interface RegionHost {
  handler: http.RequestListener;
  db(region: string): Db;
  link: RegionLink;
  /** Tells the host where it listens (for messages between the regions it serves). */
  listening(baseUrl: string): void;
  stop(): Promise<void>;
}

/** `table[key]` only when the table itself defines it: a message type like "constructor" is no handler. */
const ownEntry = <T>(table: Record<string, T> | undefined, key: string): T | undefined => (table && Object.hasOwn(table, key) ? table[key] : undefined);

const PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/([a-z]+)\/(graphql|health|messages)\/?$/;
const BATCH_PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/batch\/?$/;

export async function createRegionHost(options: RegionHostOptions): Promise<RegionHost> {
  const { registry, log } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits: QueryLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // Region claims must name regions of the registry; the gateway's assertions, this host's regions.
  const auth: AuthConfig = {
    ...withRegions(options.auth, registry.regions.map((r) => r.code)),
    ...(options.gatewayPublicKey ? { gatewayKey: (await importJWK(publicJwk.parse(options.gatewayPublicKey), "EdDSA")) as CryptoKey } : {}),
  };
  const documents = new DocumentCache(limits);
  const keyedHash = keyedHasher(options.pseudonymKey);
  const hosted = new Map(options.regions.map((r) => [r.code, r]));
  const dbs = new Map(options.regions.map((r) => [r.code, options.mongo.db(regionDbName(options.dbPrefix, r.code))]));
  const link = options.link ?? (await RegionLink.ephemeral([...hosted.keys()]));
  const subgraphByName = new Map(options.subgraphs.map((s) => [s.name, s]));
  const outbox = new Outbox(
    new Map(options.regions.map((r) => [r.code, { db: dbs.get(r.code)!, region: r }])),
    link,
    (subgraph, type) => ownEntry(subgraphByName.get(subgraph)?.messages?.replies, type),
    log,
    { ...DEFAULT_RETRY, ...options.retry },
  );

  for (const region of options.regions) {
    const db = dbs.get(region.code)!;
    await ensureIndexes(db, auditIndexes);
    await ensureIndexes(db, outboxIndexes);
    for (const sub of options.subgraphs) {
      await ensureIndexes(db, sub.indexes);
      await sub.onRegionStart?.(outbox.context(region.code));
    }
  }

  const servers = new Map<string, ApolloServer<SubgraphContext>>();
  for (const sub of options.subgraphs) {
    const server = new ApolloServer<SubgraphContext>({
      // Our own drain (onShutdown) stops everything in order; Apollo's would stop this server
      // and re-raise the signal, killing the process mid-drain (it does so unless NODE_ENV=test).
      stopOnTerminationSignals: false,
      schema: sub.schema,
      introspection: !options.production,
      includeStacktraceInErrorResponses: false,
      // Requests are bounded before they reach Apollo (see `limited`); its own parse is bounded too.
      parseOptions: { maxTokens: limits.maxTokens },
      // A persisted query would run a text the limits never saw with this request's variables.
      persistedQueries: false,
      formatError: (formatted, error) =>
        formatError(formatted, error, (err) => log.error({ err, subgraph: sub.name }, "internal error in resolver")),
      // Clients are the gateway and regional tools, which send JSON.
      csrfPrevention: true,
      plugins: [
        // No per-resolver traces to callers: they cost time and reveal internals.
        ApolloServerPluginInlineTraceDisabled(),
        // No cache hints are declared; the plugin would still wrap every resolver.
        ApolloServerPluginCacheControlDisabled(),
        {
          // Reads of personal data are written to the audit trail once per request.
          async requestDidStart() {
            return {
              async didResolveOperation({ contextValue, operationName }) {
                contextValue.audit.setOperation(operationName);
              },
              async willSendResponse({ contextValue }) {
                await contextValue.audit.flush();
              },
            };
          },
        },
      ],
    });
    await server.start();
    servers.set(sub.name, server);
  }

  const handler = safeHandler(handle, (err) => log.error({ err }, "request failed"));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/health") {
      return sendJson(res, 200, { status: "ok", regions: [...hosted.keys()], subgraphs: [...servers.keys()] });
    }
    const batch = BATCH_PATH.exec(url.pathname);
    const match = PATH.exec(url.pathname);
    if (!match && !batch) return sendError(res, 404, "NOT_FOUND", `no such endpoint ${url.pathname}; use /<REGION>/<subgraph>/graphql`);
    const [, code, name, endpoint] = (match ?? batch) as unknown as [string, string, string, string];
    const region = hosted.get(code);
    if (!region) {
      return sendError(res, 404, "NOT_FOUND", `region ${code} is not served by this host (serves ${[...hosted.keys()].join(", ")})`);
    }
    if (batch) return runBatch(req, res, region);
    const server = servers.get(name);
    if (!server) return sendError(res, 404, "NOT_FOUND", `subgraph ${name} is not served by this host`);
    if (endpoint === "messages") return receiveMessage(req, res, code, subgraphByName.get(name as SubgraphName)!);
    if (endpoint === "health") {
      // What the gateway probes: this region's subgraph and its database answer.
      try {
        await dbs.get(code)!.command({ ping: 1 });
        return sendJson(res, 200, { status: "ok", region: code, subgraph: name });
      } catch {
        return sendJson(res, 503, { status: "unavailable", region: code, subgraph: name });
      }
    }

    const parsed = await readJsonBody(req, res, maxBody);
    if (!parsed) return;
    const access = await callerAccess(req, res, code);
    if (!access) return;
    const checked = limited(name as SubgraphName, graphQLParamsOf(req.method, parsed.body, url.searchParams));
    if (checked instanceof GraphQLError) return sendRefusal(res, checked);
    await executeGraphQL(server, req, res, url, parsed.body, contextFor(req, region, name as SubgraphName, access));
  }

  /**
   * The same limits as the gateway's, for callers who reach a region directly: the document's
   * size first, then depth, aliases, cost and `_entities` representations, in time linear in
   * the document. The operation's measure, or the error refusing it; undefined when the
   * request cannot be read (Apollo then answers with its own error, running nothing).
   */
  function limited(subgraph: SubgraphName, params: ReturnType<typeof graphQLParamsOf>): Measure | GraphQLError | undefined {
    const resolved = documents.operation(params);
    if (!resolved || resolved instanceof GraphQLError) return resolved;
    let measure: Measure;
    try {
      measure = measureOperation(subgraphByName.get(subgraph)!.schema, resolved.bounded, resolved.operation, params!.variables, {
        regions: 1,
        defaultListSize: limits.defaultListSize,
      });
    } catch (err) {
      // Malformed `_entities` representations: the caller's error, named.
      if (err instanceof GraphQLError) return err;
      throw err;
    }
    return exceeded(measure, limits) ?? measure;
  }

  /**
   * Every subgraph operation needs a caller; what anonymous users may see (region names and
   * status) the gateway answers itself. Null after replying 401.
   */
  async function callerAccess(req: http.IncomingMessage, res: http.ServerResponse, region: string): Promise<Access | null> {
    const access = await requestAccess(req, res, auth, region);
    if (!access) return null;
    if (!access.caller) {
      sendError(res, 401, "UNAUTHENTICATED", "authentication required: send 'Authorization: Bearer <token>'");
      return null;
    }
    return access;
  }

  function contextFor(req: http.IncomingMessage, region: RegionInfo, subgraph: SubgraphName, access: Access): SubgraphContext {
    const db = dbs.get(region.code)!;
    return {
      region,
      messaging: outbox.context(region.code).messaging,
      subgraph,
      registry,
      db,
      access,
      loaders: new Loaders(),
      log,
      audit: new AuditTrail(db, access, requestIdOf(req) ?? null, "(anonymous operation)"),
      keyedHash,
    };
  }

  /**
   * `POST /<REGION>/batch` with `{ requests: [{ subgraph, query, variables?, operationName? }] }`:
   * several operations on this region's subgraphs in one round trip (the gateway sends a
   * region's share of a national query this way). Each runs exactly as it would on its own
   * endpoint, side by side; the answer lists `{ status, body }` in the same order.
   */
  async function runBatch(req: http.IncomingMessage, res: http.ServerResponse, region: RegionInfo): Promise<void> {
    if (req.method !== "POST") return sendError(res, 405, "BAD_REQUEST", "batches are POSTed");
    const parsed = await readJsonBody(req, res, maxBody);
    if (!parsed) return;
    const requests = (parsed.body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_BATCH) {
      return sendError(res, 400, "BAD_REQUEST", `a batch is { "requests": [...] } with 1 to ${MAX_BATCH} operations`);
    }
    const bad = requests.findIndex((r) => r === null || typeof r !== "object" || Array.isArray(r) || typeof (r as { subgraph?: unknown }).subgraph !== "string");
    if (bad >= 0) return sendError(res, 400, "BAD_REQUEST", `requests.${bad}: an operation is { subgraph, query, variables?, operationName? }`);
    const access = await callerAccess(req, res, region.code);
    if (!access) return;
    // Each operation within the limits on its own, and all of them together within them too.
    const checks = (requests as Array<{ subgraph: string }>).map(({ subgraph, ...operation }) =>
      servers.has(subgraph) ? limited(subgraph as SubgraphName, graphQLParamsOf("POST", operation, new URLSearchParams())) : undefined,
    );
    const together = exceeded(sumMeasures(checks.filter((c): c is Measure => c !== undefined && !(c instanceof GraphQLError))), limits, "batch");
    if (together) return sendRefusal(res, together);
    const request = graphQLRequestOf(req, "");
    const answers = await Promise.all(
      (requests as Array<{ subgraph: string }>).map(async ({ subgraph, ...operation }, i) => {
        const server = servers.get(subgraph);
        if (!server) {
          return JSON.stringify({ status: 404, body: { errors: [{ message: `subgraph ${subgraph} is not served by this host`, extensions: { code: "NOT_FOUND" } }] } });
        }
        const check = checks[i];
        if (check instanceof GraphQLError) return JSON.stringify(refusal(check));
        const result = await runGraphQL(server, request, operation, contextFor(req, region, subgraph as SubgraphName, access));
        return `{"status":${result.status},"body":${result.body}}`;
      }),
    );
    sendJsonText(res, 200, `{"responses":[${answers.join(",")}]}`);
  }

  /** A signed message from another region's service (no user token: the signature is the credential). */
  async function receiveMessage(req: http.IncomingMessage, res: http.ServerResponse, code: string, sub: SubgraphDefinition): Promise<void> {
    if (req.method !== "POST") return sendError(res, 405, "BAD_REQUEST", "messages are POSTed");
    const read = await readTextBody(req, res, maxBody);
    if (!read) return;
    try {
      const message = await link.verify(read.text ?? "", code, sub.name);
      const handle = ownEntry(sub.messages?.receive, message.type);
      if (!handle) return sendError(res, 400, "BAD_REQUEST", `${sub.name} does not handle ${message.type} messages`);
      const reply = await handle(message.body, { ...outbox.context(code), from: message.from });
      log.info({ event: "message.received", region: code, from: message.from, type: message.type, message: message.id }, "message from another region");
      // Signed by this region for this very message: the sender trusts nothing else.
      return sendJson(res, 200, { reply: await link.signReply(message, reply) });
    } catch (err) {
      // A malformed id in a signed message is the sender's bug: refused, not a crash.
      if (err instanceof GraphQLError && err.extensions.code === "BAD_USER_INPUT") return sendError(res, 400, "BAD_REQUEST", err.message);
      if (!(err instanceof LinkError)) throw err;
      log.warn({ region: code, subgraph: sub.name, status: err.status, reason: err.message }, "message refused");
      return sendError(res, err.status, err.code, err.message);
    }
  }

  outbox.start();
  return {
    handler,
    link,
    listening: (baseUrl) => {
      link.serveAt(baseUrl, [...hosted.keys()], options.subgraphs.map((s) => s.name));
      outbox.kick();
    },
    db: (region) => {
      const db = dbs.get(region);
      if (!db) throw new Error(`region ${region} is not hosted here`);
      return db;
    },
    stop: async () => {
      await outbox.stop();
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}

export { listen, type Listening } from "../kernel/http.js";
