// Compiled filters must answer exactly as a fresh mingo Query does: the native checks for
// plain equalities and ranges, and filters taken from the cache.
import { Decimal128, Int32, Long, ObjectId } from "bson";
import { Query } from "mingo";
import { describe, expect, it } from "vitest";
import { compileFilter, filterKey } from "../../scripts/embedded-mongo/filters.js";
import type { Document } from "../../scripts/embedded-mongo/keys.js";

const oid = new ObjectId();
const day = new Date(Date.UTC(2026, 0, 1));

/** Values of every kind a stored field may hold, including the ones the native checks hand to mingo. */
const VALUES: unknown[] = [
  0,
  -0,
  7,
  7.5,
  -3,
  NaN,
  Infinity,
  "7",
  "a",
  "b",
  "",
  true,
  false,
  null,
  day,
  new Date(day.getTime() + 1),
  new Date(NaN),
  oid,
  new ObjectId(oid.toHexString()),
  new ObjectId(),
  Long.fromNumber(7),
  Decimal128.fromString("7"),
  new Int32(7),
  [7, 8],
  [],
  ["a"],
  { x: 7 },
  /a/,
];

const DOCS: Document[] = [
  ...VALUES.map((v, i) => ({ _id: i, f: v, g: VALUES[(i * 7) % VALUES.length] })),
  { _id: "missing" },
  { _id: oid, f: 7 },
  { _id: Long.fromNumber(3), f: "a" },
];

const OPERANDS: unknown[] = [7, 0, -0, "7", "a", "", true, false, day, oid, new ObjectId(oid.toHexString()), 7.5, -Infinity];

function filters(): Document[] {
  const out: Document[] = [{}];
  for (const v of OPERANDS) {
    out.push({ f: v }, { _id: v }, { f: { $eq: v } });
    for (const op of ["$gt", "$gte", "$lt", "$lte"]) out.push({ f: { [op]: v } });
    out.push({ f: { $gt: v, $lte: 10 } }, { f: v, g: { $gte: v } });
  }
  // Not native: mingo alone, compiled or from the cache.
  out.push({ f: null }, { f: { $in: [7, "a"] } }, { "f.x": 7 }, { f: { $ne: 7 } }, { $or: [{ f: 7 }, { g: "a" }] }, { f: { x: 7 } });
  out.push({ f: NaN }, { f: Long.fromNumber(7) }, { f: { $exists: false } }, { f: [7, 8] }, { f: /a/ }, { constructor: 7 });
  return out;
}

describe("compiled filters", () => {
  it("match exactly the documents a fresh mingo Query matches, compiled once or taken from the cache", () => {
    for (const filter of filters()) {
      const expected = DOCS.map((d) => new Query(filter).test(d));
      for (let pass = 0; pass < 2; pass++) {
        const compiled = compileFilter(filter, {});
        expect(
          DOCS.map((d) => compiled.test(d)),
          JSON.stringify(filter),
        ).toEqual(expected);
      }
    }
  });

  it("find: skip, limit and sort as mingo's cursor applies them", () => {
    const docs = Array.from({ length: 50 }, (_, i) => ({ _id: i, n: (i * 17) % 23, s: i % 3 ? "x" : null }));
    const cases: Array<{ sort?: Document; skip?: number; limit?: number }> = [
      {},
      { skip: 3 },
      { limit: 4 },
      { skip: 5, limit: 2 },
      { sort: { n: -1 } },
      { sort: { n: 1 }, skip: 2, limit: 5 },
    ];
    for (const filter of [{ n: { $gte: 5 } }, { s: "x" }, { s: null }]) {
      for (const opts of cases) {
        let cursor = new Query(filter).find(docs);
        if (opts.sort) cursor = cursor.sort(opts.sort);
        if (opts.skip) cursor = cursor.skip(opts.skip);
        if (opts.limit) cursor = cursor.limit(opts.limit);
        expect(compileFilter(filter, {}).find(docs, opts), JSON.stringify([filter, opts])).toEqual(cursor.all());
      }
    }
  });

  it("a positional projection still reads the filter", () => {
    const docs = [{ _id: 1, tags: [{ k: "a" }, { k: "b" }] }];
    const filter = { "tags.k": "b" };
    const expected = new Query(filter).find(docs, { "tags.$": 1 }).all();
    expect(compileFilter(filter, {}).find(docs, { projection: { "tags.$": 1 } })).toEqual(expected);
  });

  it("a cached filter is a copy, not the command's own object", () => {
    const docs = [{ _id: 1, tags: [{ k: "a" }, { k: "b" }] }];
    const filter: Document = { "tags.k": "b", _id: { $gte: 1 } };
    compileFilter(filter, {}).find(docs, { projection: { "tags.$": 1 } });
    filter["tags.k"] = "a"; // what a later change to that command's document would do
    const again = { "tags.k": "b", _id: { $gte: 1 } };
    expect(compileFilter(again, {}).find(docs, { projection: { "tags.$": 1 } })).toEqual(
      new Query(again).find(docs, { "tags.$": 1 }).all(),
    );
  });

  it("keys keep every type apart and refuse what must not be reused", () => {
    const keys = [7, -0, 0, "7", Long.fromNumber(7), Decimal128.fromString("7"), true, day, oid, null, undefined, [7], { a: 7 }].map((v) =>
      filterKey({ f: v }),
    );
    expect(new Set(keys).size).toBe(keys.length);
    expect(filterKey({ a: 1, b: 2 })).not.toBe(filterKey({ b: 2, a: 1 }));
    expect(filterKey({ f: new ObjectId(oid.toHexString()) })).toBe(filterKey({ f: oid }));
    for (const uncacheable of [
      { $expr: { $lt: ["$at", "$$NOW"] } },
      { f: { $regex: "^a", $options: "g" } },
      { f: /a/g },
      { $where: "true" },
      { f: { $eq: "$$NOW" } },
    ]) {
      expect(filterKey(uncacheable), JSON.stringify(uncacheable)).toBeUndefined();
    }
  });

  it("a malformed filter still throws, every time", () => {
    for (let pass = 0; pass < 2; pass++) expect(() => compileFilter({ f: { $nosuch: 1 } }, {})).toThrow();
  });
});
