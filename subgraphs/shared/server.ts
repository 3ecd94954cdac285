// The region host: one HTTP server serving any number of subgraph kinds for any number
// of regions at `/<REGION>/<subgraph>/graphql`. One schema (and one Apollo Server) per
// subgraph kind serves all its regions; the region comes from the request path.
// Building the handler and listening are separate.
import type http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { AuditTrail, auditIndexes } from "./audit.js";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { Db, MongoClient } from "mongodb";
import type { AuthConfig } from "./auth.js";
import { Loaders, type SubgraphContext } from "./context.js";
import { formatError } from "./errors.js";
import { executeGraphQL, readJsonBody, readTextBody, requestAccess, requestIdOf, safeHandler, sendError, sendJson } from "./http.js";
import { LinkError, RegionLink } from "./link.js";
import type { Logger } from "./log.js";
import { ensureIndexes, regionDbName, type IndexPlan } from "./mongo.js";
import { DEFAULT_RETRY, Outbox, outboxIndexes, type MessageContext, type ReplyHandler, type RetryPolicy } from "./outbox.js";
import { keyedHasher } from "./pseudonym.js";
import type { RegionInfo, RegionRegistry, SubgraphName } from "./regions.js";

export interface SubgraphDefinition {
  name: SubgraphName;
  schema: GraphQLSchema;
  indexes: IndexPlan;
  /** Runs once per hosted region at start-up, after indexes (e.g. crash recovery). */
  onRegionStart?: (ctx: MessageContext) => Promise<void>;
  /** Region-to-region messages (see link.ts, outbox.ts). */
  messages?: {
    /** Handles a verified message from region `from`; returns the reply. Must be idempotent. */
    receive: Record<string, (body: unknown, ctx: MessageContext & { from: string }) => Promise<unknown>>;
    /** Applies the reply to a message this region sent. */
    replies: Record<string, ReplyHandler>;
  };
}

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
}

export interface RegionHost {
  handler: http.RequestListener;
  db(region: string): Db;
  link: RegionLink;
  /** Tells the host where it listens (for messages between the regions it serves). */
  listening(baseUrl: string): void;
  stop(): Promise<void>;
}

const PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/([a-z]+)\/(graphql|health|messages)\/?$/;

export async function createRegionHost(options: RegionHostOptions): Promise<RegionHost> {
  const { registry, log } = options;
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  const keyedHash = keyedHasher(options.pseudonymKey);
  const hosted = new Map(options.regions.map((r) => [r.code, r]));
  const dbs = new Map(options.regions.map((r) => [r.code, options.mongo.db(regionDbName(options.dbPrefix, r.code))]));
  const link = options.link ?? (await RegionLink.ephemeral([...hosted.keys()]));
  const subgraphByName = new Map(options.subgraphs.map((s) => [s.name, s]));
  const outbox = new Outbox(
    new Map(options.regions.map((r) => [r.code, { db: dbs.get(r.code)!, region: r }])),
    link,
    (subgraph, type) => subgraphByName.get(subgraph)?.messages?.replies[type],
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
      formatError: (formatted, error) =>
        formatError(formatted, error, (err) => log.error({ err, subgraph: sub.name }, "internal error in resolver")),
      // Clients are the gateway and regional tools, which send JSON.
      csrfPrevention: true,
      plugins: [
        // No per-resolver traces to callers: they cost time and reveal internals.
        ApolloServerPluginInlineTraceDisabled(),
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
    const match = PATH.exec(url.pathname);
    if (!match) return sendError(res, 404, "NOT_FOUND", `no such endpoint ${url.pathname}; use /<REGION>/<subgraph>/graphql`);
    const [, code, name, endpoint] = match as unknown as [string, string, string, string];
    const region = hosted.get(code);
    if (!region) {
      return sendError(res, 404, "NOT_FOUND", `region ${code} is not served by this host (serves ${[...hosted.keys()].join(", ")})`);
    }
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

    const access = await requestAccess(req, res, options.auth);
    if (!access) return;
    // Every subgraph operation needs a caller; what anonymous users may see (region
    // names and status) the gateway answers itself.
    if (!access.caller) return sendError(res, 401, "UNAUTHENTICATED", "authentication required: send 'Authorization: Bearer <token>'");

    const db = dbs.get(code)!;
    const requestId = requestIdOf(req) ?? null;
    const context: SubgraphContext = {
      region,
      messaging: outbox.context(code).messaging,
      subgraph: name as SubgraphName,
      registry,
      db,
      access,
      loaders: new Loaders(),
      log,
      audit: new AuditTrail(db, access, requestId, "(anonymous operation)"),
      keyedHash,
    };
    await executeGraphQL(server, req, res, url, parsed.body, context);
  }

  /** A signed message from another region's service (no user token: the signature is the credential). */
  async function receiveMessage(req: http.IncomingMessage, res: http.ServerResponse, code: string, sub: SubgraphDefinition): Promise<void> {
    if (req.method !== "POST") return sendError(res, 405, "BAD_REQUEST", "messages are POSTed");
    const read = await readTextBody(req, res, maxBody);
    if (!read) return;
    try {
      const message = await link.verify(read.text ?? "", code, sub.name);
      const handle = sub.messages?.receive[message.type];
      if (!handle) return sendError(res, 400, "BAD_REQUEST", `${sub.name} does not handle ${message.type} messages`);
      const reply = await handle(message.body, { ...outbox.context(code), from: message.from });
      log.info({ event: "message.received", region: code, from: message.from, type: message.type, message: message.id }, "message from another region");
      return sendJson(res, 200, { reply });
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

export { listen, type Listening } from "./http.js";
