// `npm start`: the embedded default. One process runs the embedded MongoDB-compatible
// engine (unless MONGODB_URI is set), seeds every region, serves the four subgraphs of
// all regions, and the gateway on one endpoint; it prints the endpoint, dev tokens and
// example queries. Ctrl-C stops everything.
import "reflect-metadata";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { registryFor } from "../gateway/registry.js";
import { consoleFromEnv } from "../gateway/console.js";
import { GatewayIdentity } from "../gateway/identity.js";
import { createGateway } from "../gateway/server.js";
import { buildSubgraphs } from "../subgraphs/index.js";
import { SUBGRAPH_NAMES } from "../subgraphs/manifest.js";
import { hs256Config, mintToken } from "../subgraphs/kernel/auth.js";
import { encodeId } from "../subgraphs/kernel/ids.js";
import { onShutdown, parseOrExit, startEnv } from "../subgraphs/kernel/config.js";
import { listen } from "../subgraphs/kernel/http.js";
import { createLogger } from "../subgraphs/kernel/log.js";
import { connectMongo } from "../subgraphs/kernel/mongo.js";
import { projectPath } from "../subgraphs/kernel/paths.js";
import { keyedHasher, matchTokener } from "../subgraphs/kernel/pseudonym.js";
import { RegionRegistry } from "../subgraphs/kernel/regions.js";
import { waitWithin } from "../subgraphs/host/outbox.js";
import { createRegionHost } from "../subgraphs/host/server.js";
import { startEmbeddedMongo } from "./embedded-mongo/index.js";
import { isSeeded, seedRegion } from "./seed/seed.js";

const started = performance.now();
process.env.APOLLO_TELEMETRY_DISABLED = "1";
const env = parseOrExit(startEnv, process.env, "environment variable");
// Demo data, printed tokens, a shared secret and introspection: nothing here is for production.
if (env.NODE_ENV === "production") {
  process.stderr.write(
    "npm start is the development default and does not run with NODE_ENV=production; run `npm run region-host` and `npm run gateway` (see the README)\n",
  );
  process.exit(2);
}
// Development defaults: fresh random secrets every start, never printed.
const jwtSecret = env.JWT_SECRET ?? randomBytes(32).toString("hex");
const pseudonymKey = env.PSEUDONYM_KEY ?? randomBytes(32).toString("hex");
const nationalMatchKey = env.NATIONAL_MATCH_KEY ?? randomBytes(32).toString("hex");
const log = createLogger("aidgraph");

const registry = RegionRegistry.load();
let regions;
try {
  regions = registry.select(env.REGIONS);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}

const embedded = env.MONGODB_URI ? undefined : await startEmbeddedMongo({ port: env.MONGO_PORT, log: (m) => log.warn(m) });
const mongoUri = env.MONGODB_URI ?? embedded!.uri;
const mongo = await connectMongo(mongoUri);
const auth = hs256Config(jwtSecret);

// The gateway speaks for callers with its own per-region assertions, as in production.
const identity = await GatewayIdentity.create();
const host = await createRegionHost({
  subgraphs: await buildSubgraphs(),
  regions,
  registry,
  mongo,
  dbPrefix: env.DB_PREFIX,
  auth,
  pseudonymKey,
  nationalMatchKey,
  log,
  gatewayPublicKey: identity.publicJwk,
  // A mutation that waits on another region answers within the gateway's timeout.
  retry: { waitMs: waitWithin(env.REGION_TIMEOUT_MS) },
});
let seeded = 0;
for (const region of regions) {
  const db = host.db(region.code);
  if (await isSeeded(db)) continue;
  await seedRegion(db, region, keyedHasher(pseudonymKey), { matchToken: matchTokener(nationalMatchKey) });
  seeded++;
  process.stdout.write(`\rseeding demo data: ${seeded}/${regions.length} regions`);
}
if (seeded) process.stdout.write("\n");
const regionHost = await listen(host.handler, 0, "127.0.0.1");
host.listening(regionHost.url);
const gateway = await createGateway({
  registry: registryFor(regions, () => regionHost.url),
  supergraphSdl: readFileSync(projectPath("schema", "supergraph.graphql"), "utf8"),
  auth,
  log,
  timeoutMs: env.REGION_TIMEOUT_MS,
  identity,
  console: consoleFromEnv(env),
});
const http = await listen(gateway.handler, env.PORT, env.HOST);
const endpoint = `${http.url.replace("127.0.0.1", "localhost")}/graphql`;

const coordinator = await mintToken(auth, { sub: "dev-coordinator", role: "NATIONAL_COORDINATOR" });
// Staff and a volunteer of Almaty (KZ-75) when it is served, else of the first region served.
const home = (regions.find((r) => r.code === "KZ-75") ?? regions[0]).code;
const staff = await mintToken(auth, { sub: `dev-staff-${home.toLowerCase().replace("-", "")}`, role: "REGIONAL_STAFF", region: home });
const seededVolunteer = await host
  .db(home)
  .collection("volunteers")
  .findOne({ status: "ACTIVE" }, { projection: { _id: 1 } });
const volunteer = seededVolunteer
  ? await mintToken(auth, { sub: encodeId("Volunteer", home, seededVolunteer._id), role: "VOLUNTEER" })
  : undefined;
const site = http.url.replace("127.0.0.1", "localhost");
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`
aidgraph is up in ${seconds} s
  GraphQL endpoint   ${endpoint}
${env.CONSOLE === "on" ? `  web console        ${site}/  (sign in with a token below)\n` : ""}  regions            ${regions.length} (${regions[0].code} … ${regions.at(-1)!.code}), ${SUBGRAPH_NAMES.length} subgraphs each${seeded ? `, ${seeded} seeded with demo data` : ""}
  MongoDB            ${embedded ? `embedded engine at ${embedded.uri} (in memory)` : "MONGODB_URI"}
  metrics / health   ${http.url}/metrics  ${http.url}/health

Development tokens (valid 8 h; ${env.JWT_SECRET ? "signed with JWT_SECRET" : "a random secret is made at every start"}):
  NATIONAL_COORDINATOR       ${coordinator}
  REGIONAL_STAFF of ${home.padEnd(8)} ${staff}
${volunteer ? `  VOLUNTEER of ${home.padEnd(13)} ${volunteer}\n` : ""}
Try:
  TOKEN=${coordinator}
  curl -s ${endpoint} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '{"query":"{ regions { code name volunteerStats { total active } stock { item quantity } } }"}'

Ctrl-C stops.`);

onShutdown(async () => {
  await Promise.all([http.close(), regionHost.close(), gateway.stop()]);
  await host.stop();
  await mongo.close();
  await embedded?.stop();
});
