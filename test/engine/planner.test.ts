// Lookups by _id and by indexed equality must not scan the collection: the engine's
// planner hands the filter only the documents the _id map or an index points to.
import { describe, expect, it } from "vitest";
import { Collection } from "../../scripts/embedded-mongo/collection.js";
import { valueKey } from "../../scripts/embedded-mongo/keys.js";

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
