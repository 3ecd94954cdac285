// Lookups by _id and by indexed equality must not scan the collection: the engine's
// planner hands the filter only the documents the _id map or an index points to.
import { Decimal128, Long } from "bson";
import { Query } from "mingo";
import { describe, expect, it } from "vitest";
import { Collection } from "../../scripts/embedded-mongo/collection.js";
import { valueKey, type Document } from "../../scripts/embedded-mongo/keys.js";

function filled(n: number): Collection {
  const c = new Collection("db.people");
  c.createIndex({ v: 2, key: { region: 1, phone: 1 }, name: "region_phone", unique: true });
  c.createIndex({ v: 2, key: { skills: 1 }, name: "skills" });
  for (let i = 0; i < n; i++) {
    c.insert({ _id: i, region: i % 2 ? "KZ-75" : "KZ-43", phone: `+7701${i}`, skills: [`s${i % 10}`, "ALL"] });
  }
  return c;
}

describe("query planner", () => {
  const c = filled(10_000);

  it("uses the _id map for equality and $in", () => {
    expect([...c.candidates({ _id: 42 })].map((d) => d._id)).toEqual([42]);
    expect([...c.candidates({ _id: { $in: [1, 2, 2, 99_999] } })].map((d) => d._id)).toEqual([1, 2]);
    expect([...c.candidates({ _id: 42.0, region: "x" })]).toHaveLength(1);
  });

  it("uses a compound index when every field is pinned", () => {
    expect([...c.candidates({ region: "KZ-75", phone: "+77017" })].map((d) => d._id)).toEqual([7]);
    expect([...c.candidates({ region: { $in: ["KZ-75", "KZ-43"] }, phone: { $eq: "+77018" } })].map((d) => d._id)).toEqual([8]);
  });

  it("uses a multikey index for array membership", () => {
    expect([...c.candidates({ skills: "s3" })]).toHaveLength(1000);
  });

  it("falls back to a scan when no index applies", () => {
    expect([...c.candidates({ region: "KZ-75" })]).toHaveLength(10_000);
    expect([...c.candidates({ phone: { $regex: "^\\+7" } })]).toHaveLength(10_000);
  });

  it("keeps indexes current across replace and remove", () => {
    const small = filled(3);
    small.replace(valueKey(1), { _id: 1, region: "KZ-75", phone: "+7000", skills: [] });
    expect([...small.candidates({ region: "KZ-75", phone: "+77011" })]).toHaveLength(0);
    expect([...small.candidates({ region: "KZ-75", phone: "+7000" })].map((d) => d._id)).toEqual([1]);
    small.remove(valueKey(1));
    expect([...small.candidates({ region: "KZ-75", phone: "+7000" })]).toHaveLength(0);
    // the freed unique key can be taken again
    small.insert({ _id: 9, region: "KZ-75", phone: "+7000", skills: [] });
  });
});

describe("range scans", () => {
  const DAY = 86_400_000;
  const base = Date.UTC(2026, 0, 1);
  /** Records over 100 days, some with odd values: a Long, a missing time, an array of times, a string. */
  function history(): Collection {
    const c = new Collection("db.ops");
    c.createIndex({ v: 2, key: { type: 1, at: 1 }, name: "type_time" });
    c.createIndex({ v: 2, key: { "steps.to": 1, "steps.at": 1 }, name: "steps" });
    for (let i = 0; i < 1000; i++) {
      c.insert({
        _id: i,
        type: i % 2 ? "OUT" : "IN",
        at: i === 7 ? undefined : i === 8 ? "2026-01-02" : new Date(base + (i % 100) * DAY + (i % 24) * 3_600_000),
        n: i === 9 ? Long.fromNumber(42) : i % 50,
        steps: [
          { to: "NEW", at: new Date(base + (i % 100) * DAY) },
          { to: i % 3 ? "DONE" : "CANCELLED", at: new Date(base + ((i + 5) % 100) * DAY) },
        ],
      });
    }
    // Created after the documents: its entries are sorted once.
    c.createIndex({ v: 2, key: { n: 1 }, name: "n" });
    return c;
  }
  const c = history();
  const matching = (filter: Document) => (new Query(filter).find([...c.docs.values()]).all() as Document[]).map((d) => d._id as number);
  const viaPlanner = (filter: Document) =>
    (new Query(filter).find([...c.candidates(filter)]).all() as Document[]).map((d) => d._id as number);

  it("reads only the entries in range, and finds exactly what a scan finds", () => {
    const filters: Document[] = [
      { type: "OUT", at: { $gte: new Date(base + 10 * DAY), $lt: new Date(base + 20 * DAY) } },
      { type: { $in: ["IN", "OUT"] }, at: { $gt: new Date(base + 10 * DAY), $lte: new Date(base + 11 * DAY) } },
      { type: "IN", at: { $lt: new Date(base + 2 * DAY) } },
      { type: "IN", at: { $gte: new Date(base + 98 * DAY) } },
      { type: "OUT", at: { $gte: new Date(base + 50 * DAY), $lt: new Date(base + 50 * DAY) } },
      { steps: { $elemMatch: { to: "DONE", at: { $gte: new Date(base + 30 * DAY), $lt: new Date(base + 31 * DAY) } } } },
      { n: { $gte: 40, $lte: 42 } },
      { n: { $gt: 41.5 } },
    ];
    for (const filter of filters) {
      expect(viaPlanner(filter), JSON.stringify(filter)).toEqual(matching(filter));
    }
    const tenDays = { type: "OUT", at: { $gte: new Date(base + 10 * DAY), $lt: new Date(base + 20 * DAY) } };
    expect([...c.candidates(tenDays)]).toHaveLength(50);
    expect(matching(tenDays)).toHaveLength(50);
    expect([...c.candidates({ steps: { $elemMatch: { to: "CANCELLED", at: { $lt: new Date(base + 5 * DAY) } } } })].length).toBeLessThan(
      100,
    );
    // The Long 42 is a number like any other: a candidate (the filter decides).
    expect([...c.candidates({ n: { $gte: 42, $lt: 43 } })].map((d) => d._id)).toContain(9);
  });

  it("finds what a range on several values, NaN, or a rounded Long or Decimal128 matches", () => {
    const c = new Collection("db.edges");
    c.createIndex({ v: 2, key: { a: 1 }, name: "a" });
    c.createIndex({ v: 2, key: { t: 1, n: 1 }, name: "t_n" });
    c.createIndex({ v: 2, key: { "h.at": 1 }, name: "h_at" });
    c.insert({ _id: 1, a: 1, t: "x", n: 1, h: [{ at: 1 }] });
    c.insert({ _id: 3, a: 3, t: "x", n: 3, h: [{ at: [3, 12] }] });
    c.insert({ _id: 2, a: Number.NaN, t: "x", n: Number.NaN, h: [{ at: 2 }] });
    c.insert({ _id: 4, a: [3, 12], t: "x", n: 5, h: [{ at: 7 }] });
    c.insert({ _id: 5, a: 5, t: "y", n: Long.fromString("9007199254740993"), h: [] });
    c.insert({ _id: 6, a: Decimal128.fromString("1.00000000000000002"), t: "z", n: 0, h: [] });
    const ids = (filter: Document) => [...c.candidates(filter)].map((d) => d._id);
    // Each bound met by another element of [3, 12]: a match, so a candidate.
    expect(ids({ a: { $gt: 5, $lt: 10 } })).toContain(4);
    // A NaN stored before does not put later entries out of order.
    expect(ids({ a: { $gt: 2, $lt: 4 } })).toContain(3);
    expect(ids({ t: "x", n: { $gt: 2, $lt: 4 } })).toContain(3);
    // Rounded to a number these tie with their bound; they are above it.
    expect(ids({ t: "y", n: { $gt: Long.fromString("9007199254740992") } })).toContain(5);
    expect(ids({ a: { $gt: Decimal128.fromString("1.00000000000000001") } })).toContain(6);
    // Inside $elemMatch an element whose value is an array may meet each bound with another value.
    expect(ids({ h: { $elemMatch: { at: { $gte: 5, $lt: 10 } } } })).toEqual(expect.arrayContaining([3, 4]));
  });

  it("keeps the order a scan gives, and stays current across replace and remove", () => {
    const small = new Collection("db.small");
    small.createIndex({ v: 2, key: { at: 1 }, name: "at" });
    for (const [id, day] of [
      [3, 5],
      [1, 2],
      [2, 9],
    ])
      small.insert({ _id: id, at: new Date(base + day * DAY) });
    const all = { at: { $gte: new Date(base) } };
    expect([...small.candidates(all)].map((d) => d._id)).toEqual([3, 1, 2]);
    small.replace(valueKey(1), { _id: 1, at: new Date(base - DAY) });
    expect([...small.candidates(all)].map((d) => d._id)).toEqual([3, 2]);
    small.remove(valueKey(3));
    expect([...small.candidates(all)].map((d) => d._id)).toEqual([2]);
  });
});
