// Running a region host as a process: configuration from the environment (fail fast,
// secrets never printed), Mongo connection, listening, and a graceful drain on SIGTERM.
import { authFromEnv } from "../kernel/auth.js";
import { AUTH_VARIABLES, env, LIMIT_VARIABLES, limitsFromEnv, onShutdown, parseOrExit } from "../kernel/config.js";
import { createLogger } from "../kernel/log.js";
import { privateKeysFile, readKeyFile } from "../kernel/keys.js";
import { RegionLink } from "./link.js";
import { connectMongo } from "../kernel/mongo.js";
import { DEFAULT_RETRY, waitWithin } from "./outbox.js";
import { RegionRegistry, type RegionInfo } from "../kernel/regions.js";
import { createRegionHost, listen } from "./server.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";

/** The region host's environment (subgraphs/kernel/config.ts declares every variable). */
export const hostEnv = env(
  "region-host",
  [
    ...AUTH_VARIABLES,
    "LOG_LEVEL",
    "PORT",
    "HOST",
    "REGIONS",
    "MONGODB_URI",
    "DB_PREFIX",
    "PSEUDONYM_KEY",
    "NATIONAL_MATCH_KEY",
    "REGISTRY",
    "GATEWAY_PUBLIC_KEY",
    "TRANSFER_KEYS",
    "OUTBOX_RETRY_BASE_MS",
    "OUTBOX_RETRY_MAX_MS",
    "OUTBOX_TIMEOUT_MS",
    "OUTBOX_WAIT_MS",
    "LEASE_MS",
    "REGION_TIMEOUT_MS",
    ...LIMIT_VARIABLES,
  ],
  {
    defaults: {
      PORT: 4001,
      OUTBOX_RETRY_BASE_MS: DEFAULT_RETRY.baseMs,
      OUTBOX_RETRY_MAX_MS: DEFAULT_RETRY.maxMs,
      OUTBOX_TIMEOUT_MS: DEFAULT_RETRY.timeoutMs,
    },
    // Its data and the key its national ID hashes are made with: no default would do.
    required: ["MONGODB_URI", "PSEUDONYM_KEY"],
  },
);

/**
 * The hosted regions' signing keys and every region's address and public key (from the
 * registry). Without TRANSFER_KEYS (development only) each start makes fresh keys, so
 * only regions served by this same host can exchange transfers. With NODE_ENV=production
 * every registry address of a region it may message must be https:// (refused here, at start-up).
 */
async function linkFromEnv(
  env: { TRANSFER_KEYS?: string; NODE_ENV: string },
  regions: RegionInfo[],
  registry: RegionRegistry,
): Promise<RegionLink> {
  if (!env.TRANSFER_KEYS) {
    if (env.NODE_ENV === "production") throw new Error("TRANSFER_KEYS is required with NODE_ENV=production (see npm run transfer-keys)");
    const link = await RegionLink.ephemeral(regions.map((r) => r.code));
    await link.addRegistry(registry);
    return link;
  }
  const keys = readKeyFile("TRANSFER_KEYS", env.TRANSFER_KEYS, privateKeysFile, "a JSON object of region codes to Ed25519 private JWKs");
  const missing = regions.filter((r) => !keys[r.code]).map((r) => r.code);
  if (missing.length) throw new Error(`TRANSFER_KEYS ${env.TRANSFER_KEYS}: no key for ${missing.join(", ")}`);
  return RegionLink.create(Object.fromEntries(regions.map((r) => [r.code, keys[r.code]])), registry, {
    production: env.NODE_ENV === "production",
  });
}

export async function runHost(subgraphs: SubgraphDefinition[], processName: string): Promise<void> {
  const env = parseOrExit(hostEnv, process.env, "environment variable");
  const log = createLogger(processName);
  let registry: RegionRegistry;
  let regions;
  let link: RegionLink;
  try {
    registry = RegionRegistry.load(env.REGISTRY);
    regions = registry.select(env.REGIONS);
    link = await linkFromEnv(env, regions, registry);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const mongo = await connectMongo(env.MONGODB_URI);
  const host = await createRegionHost({
    subgraphs,
    regions,
    registry,
    mongo,
    dbPrefix: env.DB_PREFIX,
    auth: authFromEnv(env),
    pseudonymKey: env.PSEUDONYM_KEY,
    nationalMatchKey: env.NATIONAL_MATCH_KEY,
    log,
    production: env.NODE_ENV === "production",
    link,
    limits: limitsFromEnv(env),
    gatewayPublicKey: env.GATEWAY_PUBLIC_KEY,
    leaseMs: env.LEASE_MS,
    retry: {
      baseMs: env.OUTBOX_RETRY_BASE_MS,
      maxMs: Math.max(env.OUTBOX_RETRY_BASE_MS, env.OUTBOX_RETRY_MAX_MS),
      timeoutMs: env.OUTBOX_TIMEOUT_MS,
      waitMs: env.OUTBOX_WAIT_MS ?? waitWithin(env.REGION_TIMEOUT_MS),
    },
  });
  const http = await listen(host.handler, env.PORT, env.HOST);
  host.listening(http.url);
  log.info({ url: http.url, regions: regions.map((r) => r.code), subgraphs: subgraphs.map((s) => s.name) }, "region host listening");
  console.log(`${processName} listening on ${http.url}/<REGION>/<subgraph>/graphql`);
  onShutdown(async () => {
    await http.close();
    await host.stop();
    await mongo.close();
  });
}
