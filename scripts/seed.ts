// `npm run seed`: deterministic demo data for REGIONS (`all` or codes) in MONGODB_URI,
// skipping regions that have data already. PSEUDONYM_KEY must be the hosts' key.
import "reflect-metadata";
import { parseOrExit, seedEnv } from "../subgraphs/kernel/config.js";
import { connectMongo, ensureIndexes, regionDbName } from "../subgraphs/kernel/mongo.js";
import { keyedHasher, matchTokener } from "../subgraphs/kernel/pseudonym.js";
import { RegionRegistry } from "../subgraphs/kernel/regions.js";
import { buildSubgraphs } from "../subgraphs/index.js";
import { isSeeded, seedRegion } from "./seed/seed.js";

const env = parseOrExit(seedEnv, process.env, "environment variable");

let regions;
try {
  regions = RegionRegistry.load(env.REGISTRY).select(env.REGIONS);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const mongo = await connectMongo(env.MONGODB_URI);
const subgraphs = await buildSubgraphs();
const hash = keyedHasher(env.PSEUDONYM_KEY);
const matchToken = env.NATIONAL_MATCH_KEY ? matchTokener(env.NATIONAL_MATCH_KEY) : undefined;
try {
  for (const [i, region] of regions.entries()) {
    const db = mongo.db(regionDbName(env.DB_PREFIX, region.code));
    const label = `[${String(i + 1).padStart(2)}/${regions.length}] ${region.code} ${region.name.en}`;
    if (await isSeeded(db)) {
      console.log(`${label}: has data already, skipped`);
      continue;
    }
    for (const s of subgraphs) await ensureIndexes(db, s.indexes);
    const counts = await seedRegion(db, region, hash, { matchToken });
    console.log(
      `${label}: ${Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(", ")}`,
    );
  }
} finally {
  await mongo.close();
}
