// Driver conformance: the engine as the official driver sees it. Written only against the
// `mongodb` driver, so the same file runs unchanged against a real mongod (MONGODB_URI).
import {
  Binary,
  Decimal128,
  Long,
  MongoBulkWriteError,
  MongoServerError,
  ObjectId,
  type Collection,
  type CommandStartedEvent,
  type Db,
  type Document,
  type IndexDescriptionInfo,
  type MongoClient,
} from "mongodb";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connect, randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";

// Tests store numbers and strings as _id, which the driver's default typing forbids.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = { _id?: string | number | ObjectId | Long; [field: string]: any };

let mongo: TestMongo;
let client: MongoClient;
let db: Db;
const started: CommandStartedEvent[] = [];

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await connect(mongo.uri, { monitorCommands: true });
  client.on("commandStarted", (e) => started.push(e));
});
afterAll(async () => {
  await client?.close();
  await mongo?.stop();
});
beforeEach(() => {
  db = client.db(randomDbName());
  started.length = 0;
});
afterEach(async () => {
  await db.dropDatabase();
});

/** A collection's indexes, as listIndexes describes them (the driver types its cursor `any`). */
async function indexesOf(c: Collection<AnyDoc>): Promise<IndexDescriptionInfo[]> {
  return (await c.listIndexes().toArray()) as IndexDescriptionInfo[];
}

async function serverError(p: Promise<unknown>): Promise<MongoServerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MongoServerError);
  return err as MongoServerError;
}

describe("value round trips", () => {
  it("keeps ObjectId, Date, Decimal128, Long, Binary, nested documents and arrays", async () => {
    const doc = {
      _id: new ObjectId(),
      at: new Date("2026-12-05T09:00:00.123Z"),
      price: Decimal128.fromString("12345.678901234567890123"),
      big: Long.fromString("9007199254740993"),
      blob: new Binary(Buffer.from([0, 1, 2, 255])),
      nested: { a: { b: [1, { c: "ü" }] }, empty: {} },
      list: [1, "two", null, [3, 4], { five: 5 }],
      flag: false,
      nothing: null,
    };
    await db.collection<AnyDoc>("values").insertOne(doc);
    const back = await db.collection<AnyDoc>("values").findOne({ _id: new ObjectId(doc._id.toHexString()) }, { promoteLongs: false });
    expect(back).not.toBeNull();
    expect(back!._id).toBeInstanceOf(ObjectId);
    expect((back!._id as ObjectId).equals(doc._id)).toBe(true);
    expect(back!.at).toEqual(doc.at);
    expect(back!.price).toBeInstanceOf(Decimal128);
    expect((back!.price as Decimal128).toString()).toBe("12345.678901234567890123");
    expect(Long.isLong(back!.big) && back!.big.toString()).toBe("9007199254740993");
    expect(Buffer.from((back!.blob as Binary).buffer)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(back!.nested).toEqual(doc.nested);
    expect(back!.list).toEqual(doc.list);
    expect(back!.flag).toBe(false);
    expect(back!.nothing).toBeNull();
  });

  it("keeps regular expressions, dates, binaries and BSON values through updates and rewriting stages", async () => {
    const c = db.collection<AnyDoc>("kept");
    const at = new Date("2026-12-05T09:00:00.123Z");
    await c.insertOne({
      _id: 1,
      r: /ab/i,
      n: 0,
      at,
      blob: new Binary(Buffer.from([1, 2])),
      big: Long.fromString("9007199254740993"),
      sub: { r: /x/ },
    });
    await c.updateOne({ _id: 1 }, { $inc: { n: 1 } });
    const check = (d: AnyDoc | null): void => {
      expect(d!.r).toBeInstanceOf(RegExp);
      expect(d!.r).toEqual(/ab/i);
      expect(d!.sub).toEqual({ r: /x/ });
      expect(d!.at).toEqual(at);
      expect(Buffer.from((d!.blob as Binary).buffer)).toEqual(Buffer.from([1, 2]));
      expect(Long.isLong(d!.big) && d!.big.toString()).toBe("9007199254740993");
    };
    check(await c.findOne({ _id: 1 }, { promoteLongs: false }));
    check((await c.aggregate<AnyDoc>([{ $addFields: { z: 1 } }], { promoteLongs: false }).toArray())[0]);
    await c.updateOne({ _id: 1 }, [{ $set: { m: 1 } }]);
    check(await c.findOne({ _id: 1 }, { promoteLongs: false }));
  });

  it("puts _id first and generates one when missing", async () => {
    await db.collection<AnyDoc>("order").insertOne({ b: 1, a: 2 });
    const back = await db.collection<AnyDoc>("order").findOne({});
    expect(Object.keys(back!)).toEqual(["_id", "b", "a"]);
    expect(back!._id).toBeInstanceOf(ObjectId);
  });

  it("matches numbers across int, double and long", async () => {
    await db.collection<AnyDoc>("nums").insertMany([
      { _id: 1, v: 5 },
      { _id: 2, v: 5.5 },
    ]);
    expect(await db.collection<AnyDoc>("nums").findOne({ _id: Long.fromNumber(1) })).toMatchObject({ v: 5 });
    expect(await db.collection<AnyDoc>("nums").countDocuments({ v: { $gt: 5 } })).toBe(1);
  });
});

describe("find and cursors", () => {
  beforeEach(async () => {
    await db
      .collection<AnyDoc>("people")
      .insertMany(
        Array.from({ length: 250 }, (_, i) => ({ _id: i, name: `p${String(i).padStart(3, "0")}`, group: i % 5, tags: [`t${i % 3}`] })),
      );
  });

  it("returns results beyond one batch through getMore", async () => {
    started.length = 0;
    const docs = await db.collection<AnyDoc>("people").find({}).sort({ _id: 1 }).batchSize(40).toArray();
    expect(docs.map((d) => d._id)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(started.filter((e) => e.commandName === "getMore").length).toBeGreaterThanOrEqual(1);
  });

  it("applies filter, sort, skip, limit and projection together", async () => {
    const docs = await db
      .collection("people")
      .find({ group: 2 }, { projection: { name: 1, _id: 0 } })
      .sort({ name: -1 })
      .skip(2)
      .limit(3)
      .toArray();
    expect(docs).toEqual([{ name: "p237" }, { name: "p232" }, { name: "p227" }]);
  });

  it("matches array elements and supports $in on _id", async () => {
    expect(await db.collection<AnyDoc>("people").countDocuments({ tags: "t1" })).toBe(83);
    const docs = await db
      .collection<AnyDoc>("people")
      .find({ _id: { $in: [5, 3, 999] } })
      .sort({ _id: 1 })
      .toArray();
    expect(docs.map((d) => d._id)).toEqual([3, 5]);
  });

  it("closes a cursor early with killCursors", async () => {
    const cursor = db.collection<AnyDoc>("people").find({}).batchSize(10);
    await cursor.next();
    await cursor.close();
    expect(started.some((e) => e.commandName === "killCursors")).toBe(true);
    // the server still answers on the same connection pool
    expect(await db.collection<AnyDoc>("people").estimatedDocumentCount()).toBe(250);
  });

  it("answers count and distinct", async () => {
    expect(await db.collection<AnyDoc>("people").countDocuments({ group: { $lt: 2 } })).toBe(100);
    expect(await db.collection<AnyDoc>("people").countDocuments({}, { skip: 240 })).toBe(10);
    const groups: unknown[] = await db.collection<AnyDoc>("people").distinct("group");
    expect([...groups].sort()).toEqual([0, 1, 2, 3, 4]);
    const tags: unknown[] = await db.collection<AnyDoc>("people").distinct("tags", { group: 0 });
    expect([...tags].sort()).toEqual(["t0", "t1", "t2"]);
  });
});

describe("updates", () => {
  it("applies operators, arrayFilters, positional updates and reports counts", async () => {
    const c = db.collection<AnyDoc>("stock");
    await c.insertOne({
      _id: "w1",
      items: [
        { item: "FOOD_KIT", q: 5 },
        { item: "MASK", q: 10 },
      ],
      total: 15,
    });
    const r1 = await c.updateOne({ _id: "w1", "items.item": "MASK" }, { $inc: { "items.$.q": -3, total: -3 } });
    expect(r1).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    await c.updateOne({ _id: "w1" }, { $set: { "items.$[i].q": 0 } }, { arrayFilters: [{ "i.item": "FOOD_KIT" }] });
    await c.updateOne({ _id: "w1" }, { $push: { log: "x" } as never, $unset: { total: "" } });
    expect(await c.findOne({ _id: "w1" })).toEqual({
      _id: "w1",
      items: [
        { item: "FOOD_KIT", q: 0 },
        { item: "MASK", q: 7 },
      ],
      log: ["x"],
    });
    const noop = await c.updateOne({ _id: "w1" }, { $set: { log: ["x"] } });
    expect(noop).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  it("updates several fields of the element the positional $ matched", async () => {
    const c = db.collection<AnyDoc>("events");
    await c.insertOne({
      _id: 1,
      status: "OPEN",
      people: [
        { v: "a", h: null },
        { v: "b", h: null },
        { v: "c", h: null },
      ],
      tags: [3, 7, 9],
    });
    const r = await c.updateOne({ _id: 1, status: "OPEN", "people.v": "b" }, { $set: { "people.$.h": 2, "people.$.at": "now" } });
    expect(r.modifiedCount).toBe(1);
    await c.updateOne({ _id: 1, people: { $elemMatch: { v: "c" } }, tags: { $gt: 5 } }, { $set: { "people.$.h": 4, "tags.$": 70 } });
    expect(await c.findOne({ _id: 1 })).toEqual({
      _id: 1,
      status: "OPEN",
      people: [
        { v: "a", h: null },
        { v: "b", h: 2, at: "now" },
        { v: "c", h: 4 },
      ],
      tags: [3, 70, 9],
    });
    const e = await serverError(c.updateOne({ _id: 1 }, { $set: { "people.$.h": 1 } }));
    expect(e.code).toBe(2);
  });

  it("updates many, replaces, and upserts with $setOnInsert", async () => {
    const c = db.collection<AnyDoc>("vols");
    await c.insertMany([
      { _id: 1, s: "A" },
      { _id: 2, s: "A" },
      { _id: 3, s: "B" },
    ]);
    expect(await c.updateMany({ s: "A" }, { $set: { s: "C" } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    await c.replaceOne({ _id: 3 }, { s: "D", extra: true });
    expect(await c.findOne({ _id: 3 })).toEqual({ _id: 3, s: "D", extra: true });
    const up = await c.updateOne({ code: "KZ-75" }, { $set: { n: 1 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(up.upsertedCount).toBe(1);
    expect(await c.findOne({ _id: up.upsertedId! })).toMatchObject({ code: "KZ-75", n: 1, created: true });
    await c.updateOne({ code: "KZ-75" }, { $set: { n: 2 }, $setOnInsert: { created: "again" } }, { upsert: true });
    expect(await c.findOne({ code: "KZ-75" })).toMatchObject({ n: 2, created: true });
  });

  it("supports pipeline-style updates", async () => {
    const c = db.collection<AnyDoc>("pipe");
    await c.insertOne({ _id: 1, a: 2, b: 3 });
    await c.updateOne({ _id: 1 }, [{ $set: { sum: { $add: ["$a", "$b"] } } }]);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 2, b: 3, sum: 5 });
  });

  it("refuses to change _id and unknown modifiers, changing nothing", async () => {
    const c = db.collection<AnyDoc>("imm");
    await c.insertOne({ _id: 1, a: 1 });
    const e1 = await serverError(c.updateOne({ _id: 1 }, { $set: { _id: 2, a: 9 } }));
    expect(e1.code).toBe(66);
    expect(e1.codeName).toBe("ImmutableField");
    const e2 = await serverError(c.updateOne({ _id: 1 }, { $frobnicate: { a: 1 } }));
    expect(e2.code).toBe(9);
    expect(e2.message).toContain("$frobnicate");
    const e3 = await serverError(c.updateOne({ _id: 1 }, { $inc: { a: "x" } } as never));
    expect(e3.code).toBeGreaterThan(0);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1 });
  });

  it("keeps _id when an update pipeline replaces the root without it, and refuses another", async () => {
    const c = db.collection<AnyDoc>("roots");
    await c.insertOne({ _id: 1, a: 1, b: { c: 2 } });
    await c.updateOne({ _id: 1 }, [{ $replaceRoot: { newRoot: "$b" } }]);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, c: 2 });
    await c.updateOne({ _id: 1 }, [{ $unset: "_id" }]);
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, c: 2 });
    expect((await serverError(c.updateOne({ _id: 1 }, [{ $replaceWith: { _id: 2, c: 3 } }]))).code).toBe(66);
    expect(await c.find().toArray()).toEqual([{ _id: 1, c: 2 }]);
  });

  it("refuses a stage other than $addFields, $set, $project, $unset, $replaceRoot and $replaceWith in an update pipeline, changing nothing", async () => {
    const c = db.collection<AnyDoc>("pipe_stages");
    await c.insertOne({ _id: 1, x: 1 });
    const err = await serverError(c.updateOne({ _id: 1 }, [{ $match: { x: 99 } }]));
    expect(err.code).toBe(72);
    expect(err.codeName).toBe("InvalidOptions");
    expect(err.message).toContain("$match");
    expect((await serverError(c.updateMany({}, [{ $set: { y: 1 } }, { $limit: 1 }]))).code).toBe(72);
    expect((await serverError(c.findOneAndUpdate({ _id: 1 }, [{ $group: { _id: null } }]))).code).toBe(72);
    expect(await c.find().toArray()).toEqual([{ _id: 1, x: 1 }]);
    // As any invalid statement: a write error of its own; unordered, the next one still runs.
    const unordered = await db.command({
      update: "pipe_stages",
      updates: [
        { q: { _id: 1 }, u: [{ $match: { x: 1 } }] },
        { q: { _id: 1 }, u: [{ $set: { y: 2 } }] },
      ],
      ordered: false,
    });
    expect((unordered.writeErrors as Document[]).map((e) => [e.index as number, e.code as number])).toEqual([[0, 72]]);
    expect(unordered.nModified).toBe(1);
    expect(await c.find().toArray()).toEqual([{ _id: 1, x: 1, y: 2 }]);
  });

  it("creates a collection only when an upsert inserts into it", async () => {
    const c = db.collection<AnyDoc>("lazy");
    const names = async (): Promise<string[]> => (await db.listCollections().toArray()).map((i) => i.name);
    expect((await c.updateOne({ _id: 1 }, { $set: { a: 1 } })).matchedCount).toBe(0);
    await c.updateMany({}, [{ $set: { a: 1 } }]);
    await serverError(c.updateOne({ _id: 1 }, { $frobnicate: { a: 1 } }, { upsert: true }));
    await serverError(c.findOneAndUpdate({ _id: 1 }, { $frobnicate: { a: 1 } }, { upsert: true }));
    expect(await c.findOneAndUpdate({ _id: 1 }, { $set: { a: 1 } })).toBeNull();
    expect(await names()).toEqual([]);
    await c.updateOne({ _id: 1 }, { $set: { a: 1 } }, { upsert: true });
    expect(await names()).toEqual(["lazy"]);
    expect(await c.find().toArray()).toEqual([{ _id: 1, a: 1 }]);
  });

  it("refuses a sort on update and replace, as the 7.0 server it reports itself as does, changing nothing", async () => {
    const c = db.collection<AnyDoc>("sorted");
    await c.insertMany([
      { _id: 1, a: 2 },
      { _id: 2, a: 1 },
    ]);
    for (const attempt of [
      c.updateOne({}, { $set: { b: 1 } }, { sort: { a: 1 } }),
      c.replaceOne({}, { a: 9 }, { sort: { a: 1 } }),
      c.bulkWrite([{ updateOne: { filter: {}, update: { $set: { b: 1 } }, sort: { a: 1 } } }]),
    ]) {
      const err = await serverError(attempt);
      expect(err.code).toBe(40415);
      expect(err.message).toContain("sort");
    }
    expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, a: 2 },
      { _id: 2, a: 1 },
    ]);
  });

  it("refuses a $-prefixed field inside _id, storing nothing", async () => {
    const c = db.collection<AnyDoc>("dollar_ids");
    const err = await serverError(c.insertOne({ _id: { $a: 1 } } as never));
    expect(err.code).toBe(52);
    expect(err.message).toContain("$a");
    expect((await serverError(c.insertOne({ _id: { x: { $b: 1 } } } as never))).code).toBe(52);
    expect(await c.countDocuments({})).toBe(0);
  });

  it("loses no update under 100 concurrent findOneAndUpdate $inc", async () => {
    const c = db.collection<AnyDoc>("counters");
    await c.insertOne({ _id: "calls", n: 0 });
    const results = await Promise.all(
      Array.from({ length: 100 }, () => c.findOneAndUpdate({ _id: "calls" }, { $inc: { n: 1 } }, { returnDocument: "after" })),
    );
    expect((await c.findOne({ _id: "calls" }))!.n).toBe(100);
    expect(new Set(results.map((r): unknown => r!.n)).size).toBe(100);
  });

  it("keeps a conditional decrement from going below zero", async () => {
    const c = db.collection<AnyDoc>("kits");
    await c.insertOne({ _id: "w", q: 10 });
    const results = await Promise.all(Array.from({ length: 25 }, () => c.updateOne({ _id: "w", q: { $gte: 1 } }, { $inc: { q: -1 } })));
    expect(results.filter((r) => r.modifiedCount === 1)).toHaveLength(10);
    expect((await c.findOne({ _id: "w" }))!.q).toBe(0);
  });
});

describe("findAndModify and deletes", () => {
  it("honours sort, projection, upsert and returnDocument", async () => {
    const c = db.collection<AnyDoc>("queue");
    await c.insertMany([
      { _id: 1, p: 2, s: "NEW" },
      { _id: 2, p: 5, s: "NEW" },
      { _id: 3, p: 9, s: "DONE" },
    ]);
    const taken = await c.findOneAndUpdate(
      { s: "NEW" },
      { $set: { s: "TAKEN" } },
      { sort: { p: -1 }, projection: { p: 1 }, returnDocument: "before" },
    );
    expect(taken).toEqual({ _id: 2, p: 5 });
    expect(await c.findOne({ _id: 2 })).toMatchObject({ s: "TAKEN" });
    const created = await c.findOneAndUpdate({ _id: 7 }, { $set: { s: "NEW" } }, { upsert: true, returnDocument: "after" });
    expect(created).toEqual({ _id: 7, s: "NEW" });
    expect(await c.findOneAndDelete({ s: "DONE" })).toMatchObject({ _id: 3 });
    expect(await c.findOneAndReplace({ _id: 1 }, { s: "R" }, { returnDocument: "after" })).toEqual({ _id: 1, s: "R" });
    expect(await c.findOneAndUpdate({ _id: 404 }, { $set: { s: "x" } })).toBeNull();
  });

  it("deletes one or many", async () => {
    const c = db.collection<AnyDoc>("del");
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await c.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await c.deleteMany({})).deletedCount).toBe(2);
    expect(await c.countDocuments()).toBe(0);
  });
});

describe("unique indexes", () => {
  it("rejects a duplicate insert with E11000 and the key", async () => {
    const c = db.collection<AnyDoc>("vols");
    await c.createIndex({ region: 1, phone: 1 }, { unique: true, name: "region_phone" });
    await c.insertOne({ region: "KZ-75", phone: "+77011234567" });
    await c.insertOne({ region: "KZ-43", phone: "+77011234567" });
    const err = await serverError(c.insertOne({ region: "KZ-75", phone: "+77011234567" }));
    expect(err.code).toBe(11000);
    expect(err.message).toMatch(/E11000 duplicate key error collection: .*vols index: region_phone dup key/);
    expect(err.keyValue).toEqual({ region: "KZ-75", phone: "+77011234567" });
    expect(await c.countDocuments()).toBe(2);
  });

  it("reports partial success for ordered and unordered insertMany", async () => {
    const c = db.collection<AnyDoc>("keys");
    await c.createIndex({ key: 1 }, { unique: true });
    const ordered = await c.insertMany([{ key: "a" }, { key: "a" }, { key: "b" }]).catch((e: unknown) => e);
    expect(ordered).toBeInstanceOf(MongoBulkWriteError);
    expect((ordered as MongoBulkWriteError).insertedCount).toBe(1);
    expect((ordered as MongoBulkWriteError).code).toBe(11000);
    const unordered = await c.insertMany([{ key: "c" }, { key: "a" }, { key: "d" }], { ordered: false }).catch((e: unknown) => e);
    expect((unordered as MongoBulkWriteError).insertedCount).toBe(2);
    expect((await c.find({}).sort({ key: 1 }).toArray()).map((d): unknown => d.key)).toEqual(["a", "c", "d"]);
  });

  it("rejects updates and upserts that would collide, leaving documents as they were", async () => {
    const c = db.collection<AnyDoc>("wh");
    await c.createIndex({ idem: 1 }, { unique: true });
    await c.insertMany([
      { _id: 1, idem: "k1" },
      { _id: 2, idem: "k2" },
    ]);
    expect((await serverError(c.updateOne({ _id: 2 }, { $set: { idem: "k1" } }))).code).toBe(11000);
    expect((await serverError(c.updateOne({ _id: 3 }, { $set: { idem: "k1" } }, { upsert: true }))).code).toBe(11000);
    expect((await serverError(c.findOneAndUpdate({ _id: 2 }, { $set: { idem: "k1" } }))).code).toBe(11000);
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, idem: "k1" },
      { _id: 2, idem: "k2" },
    ]);
    // changing a document to a free key frees its old one
    await c.updateOne({ _id: 2 }, { $set: { idem: "k3" } });
    await c.insertOne({ _id: 4, idem: "k2" });
  });

  it("indexes array elements, honours sparse, and refuses a unique index over duplicates", async () => {
    const c = db.collection<AnyDoc>("multi");
    await c.createIndex({ tags: 1 }, { unique: true });
    await c.insertOne({ tags: ["a", "b"] });
    expect((await serverError(c.insertOne({ tags: ["c", "b"] }))).code).toBe(11000);
    const s = db.collection<AnyDoc>("sparse");
    await s.createIndex({ nid: 1 }, { unique: true, sparse: true });
    await s.insertMany([{ x: 1 }, { x: 2 }, { nid: "h1" }]);
    expect((await serverError(s.insertOne({ nid: "h1" }))).code).toBe(11000);
    const d = db.collection<AnyDoc>("dups");
    await d.insertMany([{ p: 1 }, { p: 1 }]);
    expect((await serverError(d.createIndex({ p: 1 }, { unique: true }))).code).toBe(11000);
    expect((await indexesOf(d)).map((i) => i.name)).toEqual(["_id_"]);
  });

  it("indexes two fields of one array of subdocuments together, and refuses two different arrays", async () => {
    const c = db.collection<AnyDoc>("history");
    await c.createIndex({ "history.to": 1, "history.at": 1 });
    await c.insertOne({
      history: [
        { to: "NEW", at: 1 },
        { to: "DONE", at: 2 },
      ],
    });
    expect(await c.countDocuments({ history: { $elemMatch: { to: "DONE", at: { $gte: 2 } } } })).toBe(1);
    const p = db.collection<AnyDoc>("parallel");
    await p.createIndex({ a: 1, b: 1 });
    expect((await serverError(p.insertOne({ a: [1, 2], b: [3, 4] }))).code).toBe(171);
    expect(await p.countDocuments({})).toBe(0);
  });

  it("rejects a duplicate _id", async () => {
    const c = db.collection<AnyDoc>("ids");
    await c.insertOne({ _id: new ObjectId("65f000000000000000000001") });
    const err = await serverError(c.insertOne({ _id: new ObjectId("65f000000000000000000001") }));
    expect(err.code).toBe(11000);
    expect(err.message).toContain("index: _id_");
  });
});

describe("aggregation never writes into what it reads", () => {
  it("leaves the stored documents as they were, whatever a pipeline's stages make of them", async () => {
    const stored = { _id: 1, x: 1, arr: [1, 2], sub: { k: 1, s: "secret" } };
    const a = db.collection<AnyDoc>("a");
    await a.insertOne({ ...stored, sub: { ...stored.sub }, arr: [...stored.arr] });
    const pipelines: Document[][] = [
      [{ $project: { "sub.s": 0 } }],
      [{ $project: { sub: { s: 0 } } }],
      [{ $replaceWith: { r: { $literal: 0 }, d: "$$ROOT" } }, { $project: { "d.x": 0 } }],
      [{ $match: { _id: -1 } }, { $unionWith: "a" }, { $project: { "sub.s": 0 } }],
      [{ $match: { _id: -1 } }, { $unionWith: { coll: "a", pipeline: [{ $replaceWith: { d: "$$ROOT" } }] } }, { $unset: "d.arr" }],
      [{ $replaceWith: { d: "$$ROOT" } }, { $addFields: { "d.sub.k": 2 } }],
    ];
    for (const pipeline of pipelines) {
      await a.aggregate(pipeline).toArray();
      expect(await a.findOne({ _id: 1 }), JSON.stringify(pipeline)).toEqual(stored);
    }
    expect(await a.aggregate([{ $replaceWith: { r: { $literal: 0 }, d: "$$ROOT" } }, { $project: { "d.x": 0 } }]).toArray()).toEqual([
      { r: 0, d: { _id: 1, arr: [1, 2], sub: { k: 1, s: "secret" } } },
    ]);
  });
});

describe("aggregation", () => {
  beforeEach(async () => {
    await db.collection<AnyDoc>("dist").insertMany([
      {
        region: "KZ-75",
        items: [
          { item: "FOOD_KIT", q: 2 },
          { item: "MASK", q: 10 },
        ],
        family: 1,
      },
      { region: "KZ-75", items: [{ item: "FOOD_KIT", q: 1 }], family: 2 },
      { region: "KZ-43", items: [{ item: "BLANKET", q: 3 }], family: 3 },
    ]);
    await db.collection<AnyDoc>("families").insertMany([
      { _id: 1, size: 6 },
      { _id: 2, size: 2 },
      { _id: 3, size: 4 },
    ]);
  });

  it("runs $match $unwind $group $sort $project $skip $limit", async () => {
    const out = await db
      .collection("dist")
      .aggregate([
        { $match: { region: "KZ-75" } },
        { $unwind: "$items" },
        { $group: { _id: "$items.item", total: { $sum: "$items.q" } } },
        { $sort: { total: -1 } },
        { $project: { _id: 0, item: "$_id", total: 1 } },
        { $skip: 0 },
        { $limit: 5 },
      ])
      .toArray();
    expect(out).toEqual([
      { total: 10, item: "MASK" },
      { total: 3, item: "FOOD_KIT" },
    ]);
  });

  it("runs $count, $facet and $lookup within the database", async () => {
    const [facets] = await db
      .collection("dist")
      .aggregate([{ $facet: { n: [{ $count: "count" }], regions: [{ $group: { _id: "$region" } }, { $sort: { _id: 1 } }] } }])
      .toArray();
    expect(facets).toEqual({ n: [{ count: 3 }], regions: [{ _id: "KZ-43" }, { _id: "KZ-75" }] });
    const people = await db
      .collection("dist")
      .aggregate([
        { $lookup: { from: "families", localField: "family", foreignField: "_id", as: "f" } },
        { $unwind: "$f" },
        { $group: { _id: "$region", people: { $sum: "$f.size" } } },
        { $sort: { _id: 1 } },
      ])
      .toArray();
    expect(people).toEqual([
      { _id: "KZ-43", people: 4 },
      { _id: "KZ-75", people: 8 },
    ]);
  });

  it("leaves stored documents untouched by pipeline stages", async () => {
    await db
      .collection<AnyDoc>("dist")
      .aggregate([{ $set: { "items.extra": 1, region: "X" } }])
      .toArray();
    expect(await db.collection<AnyDoc>("dist").countDocuments({ region: "X" })).toBe(0);
    expect(await db.collection<AnyDoc>("dist").countDocuments({ "items.extra": 1 })).toBe(0);
  });

  it("leaves stored documents untouched by $unwind's options", async () => {
    const c = db.collection<AnyDoc>("tags");
    await c.insertMany([
      { _id: 1, tags: [] },
      { _id: 2, tags: "one" },
      { _id: 3, tags: ["a", "b"] },
    ]);
    const preserved = await c.aggregate([{ $unwind: { path: "$tags", preserveNullAndEmptyArrays: true } }]).toArray();
    expect(preserved).toEqual([{ _id: 1 }, { _id: 2, tags: "one" }, { _id: 3, tags: "a" }, { _id: 3, tags: "b" }]);
    await c.aggregate([{ $unwind: { path: "$tags", includeArrayIndex: "i", preserveNullAndEmptyArrays: true } }]).toArray();
    expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, tags: [] },
      { _id: 2, tags: "one" },
      { _id: 3, tags: ["a", "b"] },
    ]);
  });

  it("counts an empty input as no document, also inside $facet", async () => {
    const [facets] = await db
      .collection("dist")
      .aggregate([{ $facet: { none: [{ $match: { region: "nowhere" } }, { $count: "n" }], all: [{ $count: "n" }] } }])
      .toArray();
    expect(facets).toEqual({ none: [], all: [{ n: 3 }] });
  });

  it("refuses a stage field mongod does not know, at any depth, before running anything", async () => {
    const dist = db.collection<AnyDoc>("dist");
    const lookup = { from: "families", localField: "family", foreignField: "_id", as: "f" };
    const refusals: Array<[Document, number, string]> = [
      [{ $lookup: { ...lookup, collation: { locale: "fr" } } }, 9, "collation"],
      [{ $lookup: { ...lookup, bogus: 1 } }, 9, "bogus"],
      [{ $unionWith: { coll: "families", bogus: 1 } }, 40415, "$unionWith.bogus"],
      [{ $unwind: { path: "$items", bogus: 1 } }, 28811, "bogus"],
      [{ $sample: { size: 1, bogus: 1 } }, 28748, "bogus"],
      [{ $bucket: { groupBy: "$family", boundaries: [0, 5], default: "x", bogus: 1 } }, 40197, "bogus"],
      [{ $bucketAuto: { groupBy: "$family", buckets: 2, bogus: 1 } }, 40246, "bogus"],
      [{ $setWindowFields: { sortBy: { family: 1 }, output: {}, bogus: 1 } }, 40415, "$setWindowFields.bogus"],
      [{ $sort: { s: { $meta: "textScore" } } }, 40218, "text score"],
    ];
    for (const [stage, code, named] of refusals) {
      for (const pipeline of [
        [stage],
        [{ $facet: { inner: [stage] } }],
        [{ $lookup: { from: "families", pipeline: [{ $facet: { inner: [stage] } }], as: "f" } }],
        [{ $unionWith: { coll: "families", pipeline: [stage] } }],
      ]) {
        const err = await serverError(dist.aggregate([...pipeline, { $out: "written" }]).toArray());
        expect([err.code, err.message], JSON.stringify(pipeline)).toEqual([code, expect.stringContaining(named)]);
      }
    }
    expect((await db.listCollections({ name: "written" }).toArray()).length).toBe(0);
    const view = await serverError(db.createCollection("v", { viewOn: "dist", pipeline: [{ $unwind: { path: "$items", bogus: 1 } }] }));
    expect(view.code).toBe(28811);
  });

  it("counts with countDocuments over a filter", async () => {
    expect(await db.collection<AnyDoc>("dist").countDocuments({ "items.item": "FOOD_KIT" })).toBe(2);
  });
});

describe("collections, indexes and databases", () => {
  it("creates, lists and drops collections", async () => {
    await db.createCollection("a");
    expect((await serverError(db.createCollection("a"))).code).toBe(48);
    await db.collection<AnyDoc>("b").insertOne({ x: 1 });
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
    expect(names).toEqual(["a", "b"]);
    expect(await db.collection<AnyDoc>("a").drop()).toBe(true);
    expect((await db.listCollections({ name: "a" }).toArray()).length).toBe(0);
  });

  it("creates, lists and drops indexes", async () => {
    const c = db.collection<AnyDoc>("ix");
    await c.createIndexes([
      { key: { a: 1 }, name: "a_1" },
      { key: { b: -1, c: 1 }, unique: true, name: "b_c" },
    ]);
    await c.createIndex({ a: 1 }); // same index again: a no-op
    const indexes = await indexesOf(c);
    expect(indexes.map((i) => i.name)).toEqual(["_id_", "a_1", "b_c"]);
    expect(indexes.find((i) => i.name === "b_c")).toMatchObject({ key: { b: -1, c: 1 }, unique: true });
    expect((await serverError(c.createIndex({ z: 1 }, { name: "a_1" }))).code).toBe(86);
    await c.dropIndex("a_1");
    expect((await serverError(c.dropIndex("a_1"))).code).toBe(27);
    await c.dropIndexes();
    expect((await indexesOf(c)).map((i) => i.name)).toEqual(["_id_"]);
    expect((await serverError(db.collection<AnyDoc>("missing").listIndexes().toArray())).code).toBe(26);
  });

  it("lists and drops databases", async () => {
    await db.collection<AnyDoc>("x").insertOne({});
    const { databases } = await client.db("admin").admin().listDatabases();
    expect(databases.map((d) => d.name)).toContain(db.databaseName);
    await db.dropDatabase();
    const after = await client.db("admin").admin().listDatabases();
    expect(after.databases.map((d) => d.name)).not.toContain(db.databaseName);
  });
});

describe("errors", () => {
  it("answers an unknown command with CommandNotFound naming it", async () => {
    const err = await serverError(db.command({ definitelyNotACommand: 1 }));
    expect(err.code).toBe(59);
    expect(err.codeName).toBe("CommandNotFound");
    expect(err.message).toContain("definitelyNotACommand");
  });

  it("reports bad query operators as server errors", async () => {
    const err = await serverError(
      db
        .collection<AnyDoc>("q")
        .find({ a: { $bogus: 1 } })
        .toArray(),
    );
    expect(err.code).toBeGreaterThan(0);
  });

  it("answers ping and buildInfo", async () => {
    expect((await db.command({ ping: 1 })).ok).toBe(1);
    const info = await db.admin().buildInfo();
    expect((info.versionArray as number[])[0]).toBeGreaterThanOrEqual(4);
  });
});

/** Whether the tests run against a real mongod (MONGODB_URI) rather than the embedded engine. */
const realMongod = Boolean(process.env.MONGODB_URI);

/**
 * Something mongod 7.0 does that the engine refuses rather than ignores: against the engine,
 * the NotImplemented error naming `what`; against mongod, the command's result.
 */
async function refusedByEngine<T>(attempt: Promise<T>, what: string): Promise<T | undefined> {
  if (realMongod) return attempt;
  const err = await serverError(attempt);
  expect(err.code).toBe(238);
  expect(err.codeName).toBe("NotImplemented");
  expect(err.message).toContain(what);
  return undefined;
}

describe("options: honoured, or refused, never ignored", () => {
  it("refuses a collation other than simple in every command that takes one, changing nothing", async () => {
    const c = db.collection<AnyDoc>("names");
    await c.insertMany([
      { _id: 1, s: "a" },
      { _id: 2, s: "A" },
      { _id: 3, s: "b" },
    ]);
    const simple = { locale: "simple" };
    expect((await c.find({ s: "a" }, { collation: simple }).toArray()).map((d) => d._id)).toEqual([1]);
    expect(await c.countDocuments({ s: "a" }, { collation: simple })).toBe(1);
    const caseless = { locale: "en", strength: 2 };
    const found = await refusedByEngine(c.find({ s: "a" }, { collation: caseless }).sort({ _id: 1 }).toArray(), "collation");
    if (realMongod) expect(found!.map((d) => d._id)).toEqual([1, 2]);
    await refusedByEngine(c.aggregate([{ $match: { s: "a" } }], { collation: caseless }).toArray(), "collation");
    await refusedByEngine(c.countDocuments({ s: "a" }, { collation: caseless }), "collation");
    await refusedByEngine(c.distinct("s", {}, { collation: caseless }), "collation");
    await refusedByEngine(c.findOneAndUpdate({ s: "B" }, { $set: { t: 1 } }, { collation: caseless }), "collation");
    if (!realMongod) {
      // Writes through the driver's bulk API report the refusal per statement.
      for (const write of [
        c.updateMany({ s: "A" }, { $set: { t: 1 } }, { collation: caseless }),
        c.deleteMany({ s: "A" }, { collation: caseless }),
      ]) {
        const err = await serverError(write);
        expect(err.code).toBe(238);
      }
      expect(await c.find().sort({ _id: 1 }).toArray()).toEqual([
        { _id: 1, s: "a" },
        { _id: 2, s: "A" },
        { _id: 3, s: "b" },
      ]);
    }
    await refusedByEngine(c.createIndex({ s: 1 }, { collation: caseless, name: "s_ci" }), "collation");
    await refusedByEngine(db.createCollection("ci", { collation: caseless }), "collation");
    if (!realMongod) {
      expect((await indexesOf(c)).map((i) => i.name)).toEqual(["_id_"]);
      expect(await db.listCollections({ name: "ci" }).toArray()).toEqual([]);
    }
  });

  it("evaluates let variables in find, aggregate, update, delete, findAndModify and bulk writes", async () => {
    const c = db.collection<AnyDoc>("lets");
    await c.insertMany([
      { _id: 1, a: 1 },
      { _id: 2, a: 2 },
      { _id: 3, a: 3 },
    ]);
    const byLet = { $expr: { $eq: ["$a", "$$target"] } };
    expect(await c.find(byLet, { let: { target: { $add: [1, 1] } } }).toArray()).toEqual([{ _id: 2, a: 2 }]);
    const [agg] = await c
      .aggregate(
        [
          { $match: { $expr: { $gt: ["$a", "$$min"] } } },
          { $sort: { _id: 1 } },
          { $set: { label: "$$label", at: "$$NOW", self: "$$ROOT.a" } },
        ],
        {
          let: { min: 2, label: "big" },
        },
      )
      .toArray();
    expect(agg).toMatchObject({ _id: 3, a: 3, label: "big", self: 3 });
    expect(agg.at).toBeInstanceOf(Date);
    expect(await c.updateMany(byLet, [{ $set: { b: "$$label" } }], { let: { target: 1, label: "one" } })).toMatchObject({
      modifiedCount: 1,
    });
    expect(await c.findOne({ _id: 1 })).toEqual({ _id: 1, a: 1, b: "one" });
    expect(
      await c.findOneAndUpdate(byLet, [{ $set: { b: "$$label" } }], { let: { target: 2, label: "two" }, returnDocument: "after" }),
    ).toEqual({
      _id: 2,
      a: 2,
      b: "two",
    });
    const bulk = await c.bulkWrite(
      [
        { updateOne: { filter: byLet, update: [{ $set: { b: "$$label" } }] } },
        { deleteOne: { filter: { $expr: { $eq: ["$a", "$$gone"] } } } },
      ],
      { let: { target: 3, label: "three", gone: 1 } },
    );
    expect(bulk).toMatchObject({ modifiedCount: 1, deletedCount: 1 });
    expect((await c.deleteMany(byLet, { let: { target: 2 } })).deletedCount).toBe(1);
    expect(await c.find().toArray()).toEqual([{ _id: 3, a: 3, b: "three" }]);
    // mongod's checks: a variable's name, and a variable nobody defined.
    expect((await serverError(c.find(byLet, { let: { Target: 1 } }).toArray())).code).toBe(16867);
    const undefinedVar = await serverError(c.find(byLet).toArray());
    expect(undefinedVar.code).toBe(17276);
    expect(undefinedVar.message).toContain("target");
  });

  it("runs $out: replaces the target's documents, keeps its indexes, and changes nothing on a duplicate key", async () => {
    const source = db.collection<AnyDoc>("src");
    const target = db.collection<AnyDoc>("target");
    await source.insertMany([
      { _id: 1, k: "a", n: 1 },
      { _id: 2, k: "b", n: 2 },
      { _id: 3, k: "b", n: 3 },
    ]);
    await target.insertMany([{ _id: 9, k: "old" }]);
    await target.createIndex({ k: 1 }, { unique: true, name: "k_unique" });
    expect(await source.aggregate([{ $match: { n: { $lt: 3 } } }, { $out: "target" }]).toArray()).toEqual([]);
    expect(await target.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, k: "a", n: 1 },
      { _id: 2, k: "b", n: 2 },
    ]);
    expect((await indexesOf(target)).map((i) => i.name)).toEqual(["_id_", "k_unique"]);
    expect((await serverError(source.aggregate([{ $out: "target" }]).toArray())).code).toBe(11000);
    expect(await target.countDocuments()).toBe(2);
    // Into another database of the same server.
    const other = client.db(randomDbName());
    try {
      await source
        .aggregate([{ $match: { _id: 1 } }, { $project: { _id: 0, k: 1 } }, { $out: { db: other.databaseName, coll: "copy" } }])
        .toArray();
      const copied = await other.collection<AnyDoc>("copy").find().toArray();
      expect(copied).toHaveLength(1);
      expect(copied[0]).toMatchObject({ k: "a" });
      expect(copied[0]._id).toBeInstanceOf(ObjectId);
    } finally {
      await other.dropDatabase();
    }
  });

  it("runs $merge with each whenMatched and whenNotMatched mode, and on a unique index's fields", async () => {
    const source = db.collection<AnyDoc>("results");
    await source.insertMany([
      { _id: 1, a: 10 },
      { _id: 3, a: 30 },
    ]);
    const merged = async (
      stage: Document,
      start: AnyDoc[] = [
        { _id: 1, a: 1, keep: true },
        { _id: 2, a: 2 },
      ],
    ) => {
      const t = db.collection<AnyDoc>("merged");
      await t.deleteMany({});
      await t.insertMany(start);
      await source.aggregate([{ $sort: { _id: 1 } }, { $merge: { into: "merged", ...stage } }]).toArray();
      return t.find().sort({ _id: 1 }).toArray();
    };
    expect(await merged({})).toEqual([
      { _id: 1, a: 10, keep: true },
      { _id: 2, a: 2 },
      { _id: 3, a: 30 },
    ]);
    expect(await merged({ whenMatched: "replace", whenNotMatched: "discard" })).toEqual([
      { _id: 1, a: 10 },
      { _id: 2, a: 2 },
    ]);
    expect(await merged({ whenMatched: "keepExisting" })).toEqual([
      { _id: 1, a: 1, keep: true },
      { _id: 2, a: 2 },
      { _id: 3, a: 30 },
    ]);
    expect(
      await merged({ whenMatched: [{ $set: { a: { $add: ["$a", "$$new.a", "$$bonus"] } } }], let: { new: "$$ROOT", bonus: 100 } }),
    ).toEqual([
      { _id: 1, a: 111, keep: true },
      { _id: 2, a: 2 },
      { _id: 3, a: 30 },
    ]);
    expect((await serverError(merged({ whenMatched: "fail" }))).code).toBe(11000);
    expect((await serverError(merged({ whenNotMatched: "fail" }))).code).toBe(13113);
    expect((await serverError(merged({ whenMatched: "keepExisting", whenNotMatched: "discard" }))).code).toBe(51181);
    expect((await serverError(merged({ let: { x: 1 } }))).code).toBe(51199);
    // On fields other than _id: only those of a unique index.
    expect((await serverError(merged({ on: "a" }))).code).toBe(51183);
    const t = db.collection<AnyDoc>("merged");
    await t.deleteMany({});
    await t.insertOne({ _id: 7, a: 10 });
    await t.createIndex({ a: 1 }, { unique: true });
    await source.aggregate([{ $project: { _id: 0, a: 1, from: "src" } }, { $merge: { into: "merged", on: "a" } }]).toArray();
    const byA = await t.find().sort({ a: 1 }).toArray();
    expect(byA).toHaveLength(2);
    expect(byA[0]).toEqual({ _id: 7, a: 10, from: "src" });
    expect(byA[1]).toMatchObject({ a: 30, from: "src" });
    // A result whose _id differs from the matched document's would change an immutable field.
    expect((await serverError(source.aggregate([{ $merge: { into: "merged", on: "a" } }]).toArray())).code).toBe(66);
  });

  it("refuses $out and $merge anywhere but last", async () => {
    const c = db.collection<AnyDoc>("w");
    await c.insertOne({ _id: 1 });
    expect((await serverError(c.aggregate([{ $out: "x" }, { $match: {} }]).toArray())).code).toBe(40601);
    expect((await serverError(c.aggregate([{ $merge: { into: "x" } }, { $match: {} }]).toArray())).code).toBe(40601);
    expect((await serverError(c.aggregate([{ $facet: { a: [{ $out: "x" }] } }]).toArray())).code).toBe(40600);
    expect(
      (await serverError(c.aggregate([{ $lookup: { from: "w", pipeline: [{ $merge: { into: "x" } }], as: "l" } }]).toArray())).code,
    ).toBe(51047);
    expect((await db.listCollections({ name: "x" }).toArray()).length).toBe(0);
  });

  it("runs a collectionless aggregate over $documents", async () => {
    const out = await db
      .aggregate([{ $documents: [{ x: 1 }, { x: 2 }, { x: "$$y" }] }, { $match: { x: { $gte: 2 } } }], { let: { y: 3 } })
      .toArray();
    expect(out).toEqual([{ x: 2 }, { x: 3 }]);
    expect((await serverError(db.aggregate([{ $match: {} }]).toArray())).code).toBe(73);
  });
});

describe("views and collMod", () => {
  beforeEach(async () => {
    await db.collection<AnyDoc>("requests").insertMany([
      { _id: 1, s: "OPEN", n: 3, secret: "x" },
      { _id: 2, s: "DONE", n: 1, secret: "y" },
      { _id: 3, s: "OPEN", n: 2, secret: "z" },
    ]);
    await db.createCollection("open", { viewOn: "requests", pipeline: [{ $match: { s: "OPEN" } }, { $project: { secret: 0 } }] });
  });

  it("reads through a view's pipeline with find, count, distinct and aggregate, and lists it as a view", async () => {
    const v = db.collection<AnyDoc>("open");
    expect(
      await v
        .find({ n: { $gte: 2 } }, { projection: { s: 0 } })
        .sort({ n: 1 })
        .toArray(),
    ).toEqual([
      { _id: 3, n: 2 },
      { _id: 1, n: 3 },
    ]);
    expect(await v.find().sort({ _id: -1 }).skip(1).limit(1).toArray()).toEqual([{ _id: 1, s: "OPEN", n: 3 }]);
    expect(await v.countDocuments({ n: 3 })).toBe(1);
    expect(await v.estimatedDocumentCount()).toBe(2);
    expect((await v.distinct("n")).sort()).toEqual([2, 3]);
    // A hint on a view is one on the collection it reads.
    expect((await serverError(v.find().hint("nope").toArray())).code).toBe(2);
    expect(await v.aggregate([{ $group: { _id: null, n: { $sum: "$n" } } }]).toArray()).toEqual([{ _id: null, n: 5 }]);
    // $lookup reads a view too.
    const joined = await db
      .collection<AnyDoc>("requests")
      .aggregate([
        { $match: { _id: 2 } },
        { $lookup: { from: "open", pipeline: [{ $count: "n" }], as: "open" } },
        { $project: { open: 1 } },
      ])
      .toArray();
    expect(joined).toEqual([{ _id: 2, open: [{ n: 2 }] }]);
    const [info] = await db.listCollections({ name: "open" }).toArray();
    expect(info).toMatchObject({
      name: "open",
      type: "view",
      options: { viewOn: "requests", pipeline: [{ $match: { s: "OPEN" } }, { $project: { secret: 0 } }] },
    });
    expect((await serverError(db.createCollection("open"))).code).toBe(48);
  });

  it("refuses writes to a view (CommandNotSupportedOnView) and drops it without its collection", async () => {
    const v = db.collection<AnyDoc>("open");
    for (const write of [
      v.insertOne({ _id: 4, s: "OPEN" }),
      v.updateOne({ _id: 1 }, { $set: { n: 0 } }),
      v.deleteOne({ _id: 1 }),
      v.findOneAndUpdate({ _id: 1 }, { $set: { n: 0 } }),
      v.createIndex({ n: 1 }),
    ]) {
      expect((await serverError(write)).code).toBe(166);
    }
    expect(await db.collection<AnyDoc>("requests").countDocuments()).toBe(3);
    expect(await v.drop()).toBe(true);
    expect(await db.listCollections({ name: "open" }).toArray()).toEqual([]);
    expect(await db.collection<AnyDoc>("requests").countDocuments()).toBe(3);
  });

  it("changes a view's pipeline and a TTL index's expireAfterSeconds with collMod, and refuses other options", async () => {
    await db.command({ collMod: "open", viewOn: "requests", pipeline: [{ $match: { s: "DONE" } }] });
    expect(await db.collection<AnyDoc>("open").find().toArray()).toEqual([{ _id: 2, s: "DONE", n: 1, secret: "y" }]);
    const c = db.collection<AnyDoc>("sessions");
    await c.createIndex({ at: 1 }, { expireAfterSeconds: 60, name: "at_ttl" });
    const reply = await db.command({ collMod: "sessions", index: { keyPattern: { at: 1 }, expireAfterSeconds: 120 } });
    expect(reply).toMatchObject({ expireAfterSeconds_old: 60, expireAfterSeconds_new: 120 });
    expect((await indexesOf(c)).find((i) => i.name === "at_ttl")).toMatchObject({ expireAfterSeconds: 120 });
    expect((await serverError(db.command({ collMod: "sessions", index: { name: "nope", expireAfterSeconds: 1 } }))).code).toBe(27);
    expect((await serverError(db.command({ collMod: "missing", index: { name: "at_ttl", expireAfterSeconds: 1 } }))).code).toBe(26);
    expect((await serverError(db.command({ collMod: "sessions", bogus: 1 }))).code).toBe(40415);
    await refusedByEngine(db.command({ collMod: "sessions", validator: { at: { $exists: true } } }), "validator");
  });
});

describe("other command options", () => {
  beforeEach(async () => {
    const c = db.collection<AnyDoc>("opts");
    await c.insertMany([
      {
        _id: 1,
        a: 1,
        tags: [
          { t: "x", n: 1 },
          { t: "y", n: 2 },
        ],
      },
      { _id: 2 },
    ]);
  });

  it("answers an unknown field as mongod does, and refuses one mongod knows but the engine does not", async () => {
    const c = db.collection<AnyDoc>("opts");
    expect((await serverError(db.command({ find: "opts", bogus: 1 }))).code).toBe(40415);
    expect((await serverError(db.command({ update: "opts", updates: [{ q: {}, u: { $set: { b: 1 } }, bogus: 1 }] }))).code).toBe(40415);
    expect((await serverError(db.command({ delete: "opts", deletes: [{ q: {}, limit: 0, bogus: 1 }] }))).code).toBe(40415);
    expect(await c.countDocuments({ b: 1 })).toBe(0);
    expect(await c.countDocuments()).toBe(2);
    const shown = await refusedByEngine(c.find({ _id: 1 }, { showRecordId: true }).toArray(), "showRecordId");
    if (realMongod) expect(shown![0].$recordId).toBeDefined();
    await refusedByEngine(c.find({ _id: 1 }, { returnKey: true }).toArray(), "returnKey");
    const index = await serverError(db.command({ createIndexes: "opts", indexes: [{ key: { a: 1 }, name: "a_1", bogus: 1 }] }));
    expect(index.code).toBe(197);
    expect((await serverError(c.createIndex({ a: 1, b: 1 }, { expireAfterSeconds: 5 }))).code).toBe(67);
    expect((await indexesOf(c)).map((i) => i.name)).toEqual(["_id_"]);
  });

  it("refuses a delete or update statement without its required fields, changing nothing", async () => {
    const c = db.collection<AnyDoc>("opts");
    for (const [command, missing] of [
      [{ delete: "opts", deletes: [{ limit: 0 }] }, "delete.deletes.q"],
      [{ delete: "opts", deletes: [{ q: {} }] }, "delete.deletes.limit"],
      [{ update: "opts", updates: [{ u: { $set: { z: 1 } }, multi: true }] }, "update.updates.q"],
      [{ update: "opts", updates: [{ q: {}, multi: true }] }, "update.updates.u"],
    ] as const) {
      const err = await serverError(db.command(command));
      expect([err.code, err.message]).toEqual([40414, `BSON field '${missing}' is missing but a required field`]);
    }
    expect(await c.countDocuments()).toBe(2);
    expect(await c.countDocuments({ z: 1 })).toBe(0);
  });

  it("honours hints: $natural, an index by name or key; refuses a missing one, and a sparse one the engine would not honour", async () => {
    const c = db.collection<AnyDoc>("opts");
    await c.createIndex({ a: 1 }, { sparse: true, name: "a_sparse" });
    expect(await c.find({}).hint({ $natural: 1 }).toArray()).toHaveLength(2);
    expect((await serverError(c.find({}).hint("nope").toArray())).code).toBe(2);
    expect((await serverError(c.countDocuments({}, { hint: "nope" }))).code).toBe(2);
    // mongod answers from the sparse index alone: only the document that has `a`.
    const hinted = await refusedByEngine(c.find({}).hint("a_sparse").toArray(), "a_sparse");
    if (realMongod) expect(hinted!.map((d) => d._id)).toEqual([1]);
  });

  it("refuses a tailable cursor on a collection that is not capped", async () => {
    expect((await serverError(db.collection<AnyDoc>("opts").find({}, { tailable: true }).toArray())).code).toBe(2);
  });

  it("checks arrayFilters as mongod does and pipeline constants, changing nothing", async () => {
    const c = db.collection<AnyDoc>("opts");
    const unused = await serverError(
      c.updateOne({ _id: 1 }, { $set: { "tags.$[i].n": 9 } }, { arrayFilters: [{ "i.t": "x" }, { "j.t": "y" }] }),
    );
    expect(unused.code).toBe(9);
    expect(unused.message).toContain("j");
    expect((await serverError(c.updateOne({ _id: 1 }, { $set: { "tags.$[k].n": 9 } }, { arrayFilters: [{ "i.t": "x" }] }))).code).toBe(2);
    expect(
      (await serverError(c.updateOne({ _id: 1 }, { $set: { "tags.$[i].n": 9 } }, { arrayFilters: [{ "i.t": "x" }, { "i.n": 2 }] }))).code,
    ).toBe(9);
    // A statement's error is a write error of the command, which succeeds.
    const constants = await db.command({ update: "opts", updates: [{ q: { _id: 1 }, u: { $set: { a: 2 } }, c: { x: 1 } }] });
    expect((constants.writeErrors as Document[])[0]).toMatchObject({ index: 0, code: 51198 });
    expect(constants.n).toBe(0);
    expect((await c.findOne({ _id: 1 }))!.tags).toEqual([
      { t: "x", n: 1 },
      { t: "y", n: 2 },
    ]);
    await db.command({ update: "opts", updates: [{ q: { _id: 1 }, u: [{ $set: { a: "$$x" } }], c: { x: 5 } }] });
    expect(await c.findOne({ _id: 1 })).toMatchObject({ a: 5 });
  });
});
