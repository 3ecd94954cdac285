// MongoDB access per region: one client, one database per region, indexes declared by
// each subgraph and created at start-up.
import type { ObjectId } from "bson";
import { MongoClient, type Collection, type Db, type Filter, type IndexDescription, type OptionalUnlessRequiredId } from "mongodb";
import { conflict } from "./errors.js";
import { encodeId, entityLabel, type EntityType } from "./ids.js";

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

/**
 * Inserts a record whose name is unique in its region (a unique index on `nameKey`):
 * CONFLICT naming `field` and the record that has the name already, otherwise.
 */
export async function insertNamed<T extends { _id: ObjectId; name: string; nameKey: string }>(
  collection: Collection<T>,
  doc: T,
  type: EntityType,
  region: string,
  field = "name",
): Promise<T> {
  try {
    await collection.insertOne(doc as OptionalUnlessRequiredId<T>);
    return doc;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await collection.findOne({ nameKey: doc.nameKey } as Filter<T>, { projection: { _id: 1 } });
    const existingId = existing ? encodeId(type, region, existing._id) : undefined;
    throw conflict(`${field}: a ${entityLabel(type)} called ${JSON.stringify(doc.name)} already exists in ${region}`, {
      field,
      existingId,
    });
  }
}
