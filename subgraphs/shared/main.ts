// Running a region host as a process: configuration from the environment (fail fast,
// secrets never printed), Mongo connection, listening, and a graceful drain on SIGTERM.
import { z } from "zod";
import { authFromEnv } from "./auth.js";
import { authEnv, onShutdown, optionalEnv, parseOrExit, port } from "./config.js";
import { createLogger } from "./log.js";
import { connectMongo } from "./mongo.js";
import { RegionRegistry } from "./regions.js";
import { createRegionHost, listen, type SubgraphDefinition } from "./server.js";

export const hostEnv = authEnv.and(z.object({
  REGIONS: z.string().min(1).default("all"),
  PORT: port(4001),
  HOST: z.string().min(1).default("127.0.0.1"),
  MONGODB_URI: z.string().startsWith("mongodb", "must be a mongodb:// or mongodb+srv:// URI"),
  DB_PREFIX: z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, "lower-case letters, digits and _ only").default("aidgraph"),
  PSEUDONYM_KEY: z.string().min(32, "must be at least 32 characters"),
  REGISTRY: optionalEnv(z.string()),
  NODE_ENV: z.string().default("development"),
}));

export async function runHost(subgraphs: SubgraphDefinition[], processName: string): Promise<void> {
  const env = parseOrExit(hostEnv, process.env, "environment variable");
  const log = createLogger(processName);
  let registry: RegionRegistry;
  let regions;
  try {
    registry = RegionRegistry.load(env.REGISTRY);
    regions = registry.select(env.REGIONS);
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
    log,
    production: env.NODE_ENV === "production",
  });
  const http = await listen(host.handler, env.PORT, env.HOST);
  log.info({ url: http.url, regions: regions.map((r) => r.code), subgraphs: subgraphs.map((s) => s.name) }, "region host listening");
  console.log(`${processName} listening on ${http.url}/<REGION>/<subgraph>/graphql`);
  onShutdown(async () => {
    await http.close();
    await host.stop();
    await mongo.close();
  });
}
