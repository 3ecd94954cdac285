// The region host: one HTTP server serving any number of subgraph kinds for any number
// of regions at `/<REGION>/<subgraph>/graphql`. One schema (and one Apollo Server) per
// subgraph kind serves all its regions; the region comes from the request path.
// Building the handler and listening are separate.
import type http from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { AuditTrail, auditIndexes } from "./audit.js";
import type { GraphQLSchema } from "graphql";
import type { Db, MongoClient } from "mongodb";
import type { AuthConfig } from "./auth.js";
import { Loaders, type SubgraphContext } from "./context.js";
import { formatError } from "./errors.js";
import { executeGraphQL, readJsonBody, requestAccess, requestIdOf, safeHandler, sendError, sendJson } from "./http.js";
import type { Logger } from "./log.js";
import { ensureIndexes, regionDbName, type IndexPlan } from "./mongo.js";
import { keyedHasher } from "./pseudonym.js";
import type { RegionInfo, RegionRegistry, SubgraphName } from "./regions.js";

export interface SubgraphDefinition {
  name: SubgraphName;
  schema: GraphQLSchema;
  indexes: IndexPlan;
  /** Runs once per hosted region at start-up, after indexes (e.g. crash recovery). */
  onRegionStart?: (db: Db, region: RegionInfo, log: Logger) => Promise<void>;
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
}

export interface RegionHost {
  handler: http.RequestListener;
  db(region: string): Db;
  stop(): Promise<void>;
}

const PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/([a-z]+)\/(graphql|health)\/?$/;

export async function createRegionHost(options: RegionHostOptions): Promise<RegionHost> {
  const { registry, log } = options;
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  const keyedHash = keyedHasher(options.pseudonymKey);
  const hosted = new Map(options.regions.map((r) => [r.code, r]));
  const dbs = new Map(options.regions.map((r) => [r.code, options.mongo.db(regionDbName(options.dbPrefix, r.code))]));

  for (const region of options.regions) {
    const db = dbs.get(region.code)!;
    await ensureIndexes(db, auditIndexes);
    for (const sub of options.subgraphs) {
      await ensureIndexes(db, sub.indexes);
      await sub.onRegionStart?.(db, region, log);
    }
  }

  const servers = new Map<string, ApolloServer<SubgraphContext>>();
  for (const sub of options.subgraphs) {
    const server = new ApolloServer<SubgraphContext>({
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

  return {
    handler,
    db: (region) => {
      const db = dbs.get(region);
      if (!db) throw new Error(`region ${region} is not hosted here`);
      return db;
    },
    stop: async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}

export { listen, type Listening } from "./http.js";
