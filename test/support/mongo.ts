// Where tests get MongoDB from: a real server when MONGODB_URI is set, otherwise the
// project's embedded engine on a free port. Every test database gets a random name.
import { randomBytes } from "node:crypto";
import { MongoClient, type MongoClientOptions } from "mongodb";
import { startEmbeddedMongo, type EmbeddedMongo } from "../../scripts/embedded-mongo/index.js";

export interface TestMongo {
  uri: string;
  /** Set only when the embedded engine is in use. */
  embedded?: EmbeddedMongo;
  stop(): Promise<void>;
}

export async function startTestMongo(): Promise<TestMongo> {
  const external = process.env.MONGODB_URI;
  if (external) return { uri: external, stop: async () => {} };
  const embedded = await startEmbeddedMongo({ log: () => {} });
  return { uri: embedded.uri, embedded, stop: () => embedded.stop() };
}

export function randomDbName(prefix = "aidgraph_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

export async function connect(uri: string, options: MongoClientOptions = {}): Promise<MongoClient> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, ...options });
  await client.connect();
  return client;
}
