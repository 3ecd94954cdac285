// How the gateway adds up the country's stock from the regions' words (gateway/regions/national.ts):
// each transfer once, the destination's word winning, a region's word only for its own side,
// and a transfer touching a region that did not answer left out with that region.
import { describe, expect, it } from "vitest";
import { mergeDuplicates } from "../../gateway/regions/duplicates.js";
import { mergeNational, type RegionWord } from "../../gateway/regions/national.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";

const registry = new RegionRegistry(RegionRegistry.load().regions.filter((r) => ["KZ-75", "KZ-43", "KZ-11"].includes(r.code)));
const T = "KZ-75:trf:6650c0ffee0123456789abcd";
const food = (quantity: number) => [{ item: "FOOD_KIT", quantity }];
const region = (code: string, stock: number, positions: RegionWord["transferPositions"] = []): RegionWord => ({
  code,
  stock: food(stock),
  transferPositions: positions,
});
const out = (counterpart: string, q: number, id = T) => ({ id, side: "OUTGOING" as const, counterpart, inTransit: q ? food(q) : [] });
const inc = (q: number, id = T, counterpart = "KZ-75") => ({ id, side: "INCOMING" as const, counterpart, inTransit: q ? food(q) : [] });
const totals = (regions: RegionWord[]) => {
  const { items, regionsMissing } = mergeNational(regions, registry);
  return { ...(items.find((i) => i.item === "FOOD_KIT") ?? { held: 0, inTransit: 0 }), regionsMissing };
};

describe("the national stock, merged from the regions' words", () => {
  it("counts a transfer once, the destination's word winning over a source that has not heard", () => {
    // Received at KZ-43 (in its stock), the source still thinks it open.
    expect(totals([region("KZ-75", 8, [out("KZ-43", 12)]), region("KZ-43", 12, [inc(0)]), region("KZ-11", 0)])).toMatchObject({
      held: 20,
      inTransit: 0,
    });
    // Recorded at KZ-43, not received yet: in transit once.
    expect(totals([region("KZ-75", 8, [out("KZ-43", 12)]), region("KZ-43", 0, [inc(12)]), region("KZ-11", 0)])).toMatchObject({
      held: 8,
      inTransit: 12,
    });
    // Cancelled at KZ-43 (it says nothing more), the source not told yet: the stock is coming back.
    expect(totals([region("KZ-75", 8, [out("KZ-43", 12)]), region("KZ-43", 0), region("KZ-11", 0)])).toMatchObject({
      held: 8,
      inTransit: 12,
    });
  });

  it("leaves a region that did not answer out whole: its stock and the transfers touching it", () => {
    const missing = { code: "KZ-43", stock: null, transferPositions: null };
    expect(totals([region("KZ-75", 8, [out("KZ-43", 12)]), missing, region("KZ-11", 5)])).toEqual({
      item: "FOOD_KIT",
      held: 13,
      inTransit: 0,
      regionsMissing: ["KZ-43"],
    });
    // One field missing is the region missing: its stock without its transfers would not add up.
    expect(totals([region("KZ-75", 8), { code: "KZ-43", stock: food(3), transferPositions: null }, region("KZ-11", 0)])).toMatchObject({
      held: 8,
      regionsMissing: ["KZ-43"],
    });
    // A region absent from the answer altogether is missing too.
    expect(totals([region("KZ-75", 8)]).regionsMissing).toEqual(["KZ-11", "KZ-43"]);
  });

  it("takes a region's word only for its own side of a transfer", () => {
    // KZ-11 claims to have received KZ-75's transfer to KZ-43, and KZ-43 claims to be its source.
    const regions = [
      region("KZ-75", 8, [out("KZ-43", 12)]),
      region("KZ-43", 0, [inc(12), out("KZ-75", 0)]),
      region("KZ-11", 0, [inc(0), inc(0, T, "KZ-11")]),
    ];
    expect(totals(regions)).toMatchObject({ held: 8, inTransit: 12 });
  });

  it("a transfer between two warehouses of one region: its incoming record decides", () => {
    expect(totals([region("KZ-75", 20, [out("KZ-75", 12), inc(0, T, "KZ-75")]), region("KZ-43", 0), region("KZ-11", 0)])).toMatchObject({
      held: 20,
      inTransit: 0,
    });
  });
});

describe("households in two regions, counted per pair", () => {
  const known = new Set(["KZ-75", "KZ-43", "KZ-11"]);
  it("takes a pair from whichever side answered, the larger count when both did, and only known regions", () => {
    expect(
      mergeDuplicates(
        [
          {
            code: "KZ-75",
            duplicateHouseholds: [
              { region: "KZ-11", households: 2 },
              { region: "KZ-43", households: 1 },
              { region: "XX-1", households: 9 },
            ],
          },
          {
            code: "KZ-43",
            duplicateHouseholds: [
              { region: "KZ-75", households: 3 },
              { region: "KZ-43", households: 4 },
            ],
          },
        ],
        known,
      ),
    ).toEqual([
      { regions: ["KZ-43", "KZ-75"], households: 3 },
      { regions: ["KZ-11", "KZ-75"], households: 2 },
    ]);
    expect(mergeDuplicates([{ code: "KZ-11", duplicateHouseholds: null }], known)).toEqual([]);
  });
});
