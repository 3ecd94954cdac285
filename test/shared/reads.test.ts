// kernel/reads.ts: small reads of one database that start in the same turn travel as one
// command, and each comes back as it would have alone: its documents, in its order, or its
// own error. Runs against the embedded engine, or a real MongoDB with MONGODB_URI.
import type { CommandStartedEvent, Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CombinedReads } from "../../subgraphs/kernel/reads.js";
import { connect, randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";

let mongo: TestMongo;
let client: MongoClient;
let db: Db;
const started: CommandStartedEvent[] = [];
const reads = () => started.filter((e) => e.commandName === "aggregate" || e.commandName === "find");

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await connect(mongo.uri, { monitorCommands: true });
  client.on("commandStarted", (e) => started.push(e));
  db = client.db(randomDbName());
  await db.collection("people").insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: i as never, n: i, kind: i % 3 })));
  await db.collection("items").insertMany(Array.from({ length: 12 }, (_, i) => ({ _id: i as never, item: `item-${i}`, q: 12 - i })));
});
afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
  await mongo?.stop();
});
beforeEach(() => {
  started.length = 0;
});

describe("combined reads", () => {
  it("sends the reads of one turn as one command, each answered with its own documents in its own order", async () => {
    const combined = new CombinedReads(db);
    const [counts, top, none, all] = await Promise.all([
      combined.aggregate(db.collection("people"), [{ $group: { _id: "$kind", c: { $sum: 1 } } }, { $sort: { _id: 1 } }]),
      combined.aggregate(db.collection("items"), [{ $match: { q: { $gte: 5 } } }, { $sort: { q: 1 } }, { $limit: 3 }]),
      combined.aggregate(db.collection("people"), [{ $match: { n: -1 } }]),
      combined.aggregate(db.collection("nowhere"), []),
    ]);
    expect(reads()).toHaveLength(1);
    expect(counts).toEqual([
      { _id: 0, c: 10 },
      { _id: 1, c: 10 },
      { _id: 2, c: 10 },
    ]);
    expect(top).toEqual([
      { _id: 7, item: "item-7", q: 5 },
      { _id: 6, item: "item-6", q: 6 },
      { _id: 5, item: "item-5", q: 7 },
    ]);
    expect(none).toEqual([]);
    expect(all).toEqual([]);
  });

  it("gives a read that fails its own error, and the others their answers", async () => {
    const combined = new CombinedReads(db);
    const [good, bad] = await Promise.allSettled([
      combined.aggregate(db.collection("items"), [{ $match: { q: 12 } }, { $project: { _id: 0, item: 1 } }]),
      combined.aggregate(db.collection("people"), [{ $limit: -1 }]),
    ]);
    expect(good).toEqual({ status: "fulfilled", value: [{ item: "item-0" }] });
    const alone = await db
      .collection("people")
      .aggregate([{ $limit: -1 }])
      .toArray()
      .catch((err: unknown) => err);
    expect(bad).toEqual({ status: "rejected", reason: alone });
    expect((alone as { code?: number }).code).toBeGreaterThan(0);
  });

  it("does not hold a read for one of a later turn", async () => {
    const combined = new CombinedReads(db);
    const first = await combined.aggregate(db.collection("items"), [{ $count: "n" }]);
    const second = await combined.aggregate(db.collection("people"), [{ $count: "n" }]);
    expect([first, second]).toEqual([[{ n: 12 }], [{ n: 30 }]]);
    expect(reads()).toHaveLength(2);
  });
});
