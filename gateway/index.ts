// `npm run gateway`: env REGISTRY (path), PORT, JWT_SECRET, REGION_TIMEOUT_MS, … (see config.ts).
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { onShutdown, parseOrExit } from "../subgraphs/shared/config.js";
import { listen } from "../subgraphs/shared/http.js";
import { createLogger } from "../subgraphs/shared/log.js";
import { authFromEnv } from "../subgraphs/shared/auth.js";
import { projectPath } from "../subgraphs/shared/paths.js";
import { gatewayEnv } from "./config.js";
import { loadGatewayRegistry } from "./registry.js";
import { createGateway } from "./server.js";

process.env.APOLLO_TELEMETRY_DISABLED = "1";
const env = parseOrExit(gatewayEnv, process.env, "environment variable");
const log = createLogger("gateway");
let registry;
try {
  registry = loadGatewayRegistry(env.REGISTRY);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const gateway = await createGateway({
  registry,
  supergraphSdl: readFileSync(env.SUPERGRAPH ?? projectPath("schema", "supergraph.graphql"), "utf8"),
  auth: authFromEnv(env),
  log,
  timeoutMs: env.REGION_TIMEOUT_MS,
  healthIntervalMs: env.HEALTH_INTERVAL_MS,
  corsOrigins: env.CORS_ORIGINS === "*" ? "*" : env.CORS_ORIGINS.split(",").map((o) => o.trim()),
  production: env.NODE_ENV === "production",
  limits: { maxDepth: env.MAX_DEPTH, maxAliases: env.MAX_ALIASES, maxCost: env.MAX_COST },
});
const http = await listen(gateway.handler, env.PORT, env.HOST);
console.log(`gateway listening on ${http.url}/graphql (${registry.regions.length} regions)`);
onShutdown(async () => {
  // Drain: stop taking requests, let those in flight finish, then stop.
  await Promise.all([http.close(), gateway.stop()]);
});
