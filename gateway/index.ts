// `npm run gateway`: env REGISTRY (path), PORT, JWT_SECRET, … (gateway/config.ts; the README's Environment).
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { limitsFromEnv, onShutdown, parseOrExit } from "../subgraphs/kernel/config.js";
import { listen } from "../subgraphs/kernel/http.js";
import { createLogger } from "../subgraphs/kernel/log.js";
import { authFromEnv } from "../subgraphs/kernel/auth.js";
import { projectPath } from "../subgraphs/kernel/paths.js";
import { gatewayEnv } from "./config.js";
import { consoleFromEnv } from "./console.js";
import { loadGatewayRegistry } from "./registry.js";
import { GatewayIdentity } from "./identity.js";
import { createGateway } from "./server.js";

process.env.APOLLO_TELEMETRY_DISABLED = "1";
const env = parseOrExit(gatewayEnv, process.env, "environment variable");
const log = createLogger("gateway");
let registry;
let identity;
try {
  registry = loadGatewayRegistry(env.REGISTRY, { production: env.NODE_ENV === "production" });
  identity = env.GATEWAY_KEY ? await GatewayIdentity.fromFile(env.GATEWAY_KEY) : undefined;
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
  corsOrigins: env.CORS_ORIGINS === "*" ? "*" : env.CORS_ORIGINS === "none" ? [] : env.CORS_ORIGINS.split(",").map((o) => o.trim()),
  production: env.NODE_ENV === "production",
  limits: limitsFromEnv(env),
  exportMinCount: env.EXPORT_MIN_COUNT,
  identity,
  console: consoleFromEnv(env),
});
// A console with no way to sign in (tokens are never pasted in production) is a blank page.
if (env.NODE_ENV === "production" && env.CONSOLE === "on" && !env.OIDC_ISSUER) {
  log.warn(
    "the console is on but OIDC_ISSUER is unset: nobody can sign in to it in production (set OIDC_ISSUER and OIDC_CLIENT_ID, or CONSOLE=off)",
  );
}
// Only outside production (the config refuses it there): regions get the caller's own token.
if (!identity) log.warn("no GATEWAY_KEY: forwarding callers' tokens to the regions (development only)");
const http = await listen(gateway.handler, env.PORT, env.HOST);
console.log(
  `gateway listening on ${http.url}/graphql (${registry.regions.length} regions)${env.CONSOLE === "on" ? `, console at ${http.url}/` : ""}`,
);
onShutdown(async () => {
  // Drain: stop taking requests, let those in flight finish, then stop.
  await Promise.all([http.close(), gateway.stop()]);
});
