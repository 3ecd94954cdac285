// Index entries hold the documents themselves, so an equality lookup reads no second map:
// they must always be the stored versions.
import { describe, expect, it } from "vitest";
import { Collection } from "../../scripts/embedded-mongo/collection.js";
import { valueKey } from "../../scripts/embedded-mongo/keys.js";

describe("index entries", () => {
  it("give the stored version of each document: after a replace under the same key, after a remove, from an index built later", () => {
    const c = new Collection("db.items");
    c.createIndex({ v: 2, key: { group: 1 }, name: "group" });
    for (let i = 0; i < 6; i++) c.insert({ _id: i, group: i % 2, n: i });
    c.replace(valueKey(2), { _id: 2, group: 0, n: 20 });
    c.remove(valueKey(4));
    expect([...c.candidates({ group: 0 })]).toEqual([
      { _id: 0, group: 0, n: 0 },
      { _id: 2, group: 0, n: 20 },
    ]);
    c.createIndex({ v: 2, key: { n: 1 }, name: "n" });
    expect([...c.candidates({ n: 20 })]).toEqual([{ _id: 2, group: 0, n: 20 }]);
    expect([...c.candidates({ group: { $in: [0, 1, 0] } })].map((d) => d._id)).toEqual([0, 2, 1, 3, 5]);
    c.replace(valueKey(3), { _id: 3, group: 0, n: 30 });
    expect([...c.candidates({ group: 1 })].map((d) => d._id)).toEqual([1, 5]);
    expect([...c.candidates({ group: 0 })].map((d) => d.n)).toEqual([0, 20, 30]);
  });
});
