// The gateway: Apollo Gateway over the static supergraph, with the regional router as
// the data source of every regional subgraph and the regions subgraph served in-process.
// Building (createGateway) and listening (index.ts) are separate.
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { ApolloGateway, LocalGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { GraphQLError, type GraphQLSchema } from "graphql";
import { withRegions, type Access, type AuthConfig } from "../subgraphs/kernel/auth.js";
import { attachNotices, formatError } from "../subgraphs/kernel/errors.js";
import {
  DEFAULT_MAX_BODY_BYTES,
  executeGraphQL,
  readJsonBody,
  requestAccess,
  requestIdOf,
  safeHandler,
  sendError,
  sendJson,
  sendRefusal,
} from "../subgraphs/kernel/http.js";
import { DEFAULT_LIMITS, graphQLParamsOf, type QueryLimits } from "../subgraphs/kernel/limits.js";
import type { Logger } from "../subgraphs/kernel/log.js";
import type { RegionRegistry } from "../subgraphs/kernel/regions.js";
import type { SubgraphName } from "../subgraphs/manifest.js";
import { consoleFiles, type ConsoleOptions } from "./console.js";
import type { GatewayContext } from "./context.js";
import { sendThreeW, THREE_W_PATH } from "./exports/three-w.js";
import { gatewayGuard } from "./guard.js";
import type { GatewayIdentity } from "./identity.js";
import { HealthMonitor } from "./health.js";
import { Metrics } from "./metrics.js";
import { nationalCosts } from "./regions/national.js";
import { buildRegionsSchema, REGIONS_SUBGRAPH } from "./regions/schema.js";
import { RegionalDataSource } from "./router/data-source.js";
import { BROADCAST } from "../subgraphs/manifest.js";
import { perRegionFields } from "./router/broadcast.js";
import { RegionalRouter } from "./router/router.js";

export interface GatewayOptions {
  registry: RegionRegistry;
  supergraphSdl: string;
  auth: AuthConfig;
  log: Logger;
  timeoutMs?: number;
  healthIntervalMs?: number;
  /** `*` or a list of allowed browser origins. */
  corsOrigins?: string[] | "*";
  production?: boolean;
  maxBodyBytes?: number;
  limits?: Partial<QueryLimits>;
  /**
   * How the gateway speaks for callers to the regions: its own per-region assertions. Without
   * it (development only) it forwards the caller's token; see identity.ts.
   */
  identity?: GatewayIdentity;
  /** The smallest count a 3W export publishes (default 5; exports/three-w.ts). */
  exportMinCount?: number;
  /** The web console served at `/` (console.ts); off when unset. */
  console?: ConsoleOptions;
}

export interface Gateway {
  handler: http.RequestListener;
  metrics: Metrics;
  health: HealthMonitor;
  /** Stops answering /ready, then stops the health probes and Apollo. */
  stop(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { registry, log, identity } = options;
  // Region claims must name regions of this registry.
  const auth = withRegions(
    options.auth,
    registry.regions.map((r) => r.code),
  );
  const timeoutMs = options.timeoutMs ?? 5000;
  const metrics = new Metrics();
  const health = new HealthMonitor(registry.regions, {
    intervalMs: options.healthIntervalMs ?? 10_000,
    timeoutMs: Math.min(timeoutMs, 2000),
  });
  const limits: QueryLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const router = new RegionalRouter({ registry, timeoutMs, metrics, broadcast: BROADCAST, maxRepresentations: limits.maxRepresentations });
  const regionsSchema = await buildRegionsSchema();

  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) =>
      name === REGIONS_SUBGRAPH ? new LocalGraphQLDataSource(regionsSchema) : new RegionalDataSource(name as SubgraphName, router),
  });
  // What the guard measures with, kept in step with the schema the gateway serves.
  let apiSchema: GraphQLSchema | undefined;
  let perRegion: ReadonlySet<string> | undefined;
  let behind: ReadonlyMap<string, number> | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema, coreSupergraphSdl }) => {
    apiSchema = schema;
    perRegion = perRegionFields(coreSupergraphSdl);
    behind = nationalCosts(schema, limits, { regions: registry.regions.length, perRegion });
  });
  const guard = gatewayGuard({
    schema: () => apiSchema,
    limits,
    regions: () => registry.regions.length,
    perRegion: () => perRegion,
    behind: () => behind,
  });
  const server = new ApolloServer<GatewayContext>({
    // Our own drain (onShutdown) stops everything in order; Apollo's would stop this server
    // and re-raise the signal, killing the process mid-drain (it does so unless NODE_ENV=test).
    stopOnTerminationSignals: false,
    gateway,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // The guard has parsed within the same bound already; this keeps Apollo's own parse bounded too.
    parseOptions: { maxTokens: limits.maxTokens },
    // A persisted query would run a text the guard never saw with this request's caller and variables.
    persistedQueries: false,
    formatError: (formatted, error) => formatError(formatted, error, (err) => log.error({ err }, "internal error at the gateway")),
    plugins: [
      // Responses are per caller and never cached; the plugin would still wrap every resolver
      // and parse each subgraph's cache-control header.
      ApolloServerPluginCacheControlDisabled(),
      // No landing page in production: the endpoint is for clients, not browsers.
      ...(options.production ? [ApolloServerPluginLandingPageDisabled()] : []),
      {
        // What the regions said of answers that stand (e.g. another region has not answered yet).
        requestDidStart() {
          return Promise.resolve({
            willSendResponse({ contextValue, response }) {
              attachNotices(response.body, contextValue.notices);
              return Promise.resolve();
            },
          });
        },
      },
    ],
  });
  await server.start();
  await health.start();

  const consolePage = options.console ? consoleFiles(options.console) : undefined;
  if (options.console && !consolePage) log.warn(`the console is not built (${options.console.dir}): run npm run build`);
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const cors = options.corsOrigins ?? "*";
  let draining = false;

  function corsHeaders(req: http.IncomingMessage): Record<string, string> {
    const origin = req.headers.origin;
    if (!origin) return {};
    const allowed = cors === "*" ? "*" : cors.includes(origin) ? origin : undefined;
    if (!allowed) return {};
    return {
      "access-control-allow-origin": allowed,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "authorization, content-type, apollo-require-preflight, x-request-id",
      "access-control-max-age": "600",
      ...(allowed === "*" ? {} : { vary: "Origin" }),
    };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    for (const [k, v] of Object.entries(corsHeaders(req))) res.setHeader(k, v);
    if (req.method === "OPTIONS") {
      res.writeHead(204);
      return void res.end();
    }
    if (url.pathname === "/health") {
      const regions = Object.fromEntries(registry.regions.map((r) => [r.code, health.region(r).healthy]));
      return sendJson(res, 200, { status: "ok", regions });
    }
    if (url.pathname === "/ready") return sendJson(res, draining ? 503 : 200, { ready: !draining });
    if (url.pathname === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      return void res.end(metrics.render());
    }
    const exporting = url.pathname === THREE_W_PATH;
    if (url.pathname !== "/graphql" && !exporting && consolePage?.(req, res, url.pathname)) return;
    if (url.pathname !== "/graphql" && !exporting)
      return sendError(res, 404, "NOT_FOUND", `no such endpoint ${url.pathname}; GraphQL is at /graphql, the 3W export at ${THREE_W_PATH}`);

    const started = performance.now();
    const parsed = exporting ? { body: undefined } : await readJsonBody(req, res, maxBody);
    if (!parsed) return;
    const access = await requestAccess(req, res, auth);
    if (!access) return;
    if (exporting) {
      const failed = await sendThreeW(req, res, url, contextFor(req, access), options.exportMinCount ?? 5, timeoutMs).then(
        () => false,
        (err: unknown) => {
          if (!(err instanceof GraphQLError) || res.headersSent) throw err;
          sendRefusal(res, err);
          return true;
        },
      );
      return metrics.request((performance.now() - started) / 1000, failed);
    }
    const refused = guard.check(graphQLParamsOf(req.method, parsed.body, url.searchParams), access.caller);
    if (refused) {
      sendRefusal(res, refused);
      return metrics.request((performance.now() - started) / 1000, true);
    }
    const result = await executeGraphQL(server, req, res, url, parsed.body, contextFor(req, access));
    metrics.request((performance.now() - started) / 1000, result.failed);
  }

  /** A request's context: its caller, and how national aggregates read the regions as this caller. */
  function contextFor(req: http.IncomingMessage, access: Access): GatewayContext {
    const context: GatewayContext = {
      requestId: requestIdOf(req) ?? randomUUID(),
      authorization: req.headers.authorization,
      caller: access.caller,
      authorizationFor:
        identity && access.caller
          ? (region) =>
              identity.assertionFor(req.headers.authorization!, access.caller!, access.expiresAt!, region).then((jwt) => `Bearer ${jwt}`)
          : undefined,
      registry,
      health,
      notices: [],
    };
    // National aggregates read the regions as this caller, through this same graph.
    context.national = async (query, variables) => {
      const response = await server.executeOperation({ query, variables }, { contextValue: { ...context, notices: [] } });
      return response.body.kind === "single" ? response.body.singleResult : { errors: [{ message: "unexpected incremental answer" }] };
    };
    return context;
  }

  return {
    handler: safeHandler(handle, (err) => log.error({ err }, "gateway request failed")),
    metrics,
    health,
    stop: async () => {
      draining = true;
      health.stop();
      await server.stop();
    },
  };
}
