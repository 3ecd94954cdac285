// MongoDB access per region: one client, one database per region, indexes declared by
// each subgraph and created at start-up.
import { MongoClient, type Db, type IndexDescription } from "mongodb";

/** collection name → its indexes */
export type IndexPlan = Record<string, IndexDescription[]>;

export function regionDbName(prefix: string, region: string): string {
  return `${prefix}_${region.toLowerCase().replace(/-/g, "_")}`;
}

export async function connectMongo(uri: string): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000, appName: "aidgraph" });
  await client.connect();
  return client;
}

export async function ensureIndexes(db: Db, plan: IndexPlan): Promise<void> {
  for (const [collection, indexes] of Object.entries(plan)) {
    if (indexes.length) await db.collection(collection).createIndexes(indexes);
  }
}

/** True when a driver error is a unique-index violation. */
export function isDuplicateKey(err: unknown): err is { code: 11000; keyPattern?: Record<string, unknown> } {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === 11000;
}
