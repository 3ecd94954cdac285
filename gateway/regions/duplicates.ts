// Households enrolled in more than one region, counted per pair of regions: all a
// coordinator sees of them. Each region counts its own households flagged with another
// (Region.duplicateHouseholds); a check flags both sides, so a pair's count is known when
// either of its regions answers. Regions that do not answer are named in a notice.
import { forbidden, unauthenticated } from "../../subgraphs/kernel/errors.js";
import { readRegions, type GatewayContext } from "../context.js";
import type { DuplicatePair } from "./types.js";

export const DUPLICATES_QUERY = `query NationalDuplicates { regions { code duplicateHouseholds { region households } } }`;

interface RegionCounts {
  code: string;
  duplicateHouseholds: Array<{ region: string; households: number }> | null;
}

/** Per pair of regions, the households flagged: the larger of the two sides' counts (they differ only while a check is under way). */
export function mergeDuplicates(regions: RegionCounts[], known: ReadonlySet<string>): DuplicatePair[] {
  const pairs = new Map<string, DuplicatePair>();
  for (const r of regions) {
    for (const { region: other, households } of r.duplicateHouseholds ?? []) {
      if (!known.has(other) || other === r.code) continue;
      const codes = [r.code, other].sort();
      const key = codes.join("|");
      const pair = pairs.get(key);
      if (!pair || pair.households < households) pairs.set(key, { regions: codes, households });
    }
  }
  return [...pairs.values()].sort((a, b) => b.households - a.households || a.regions.join().localeCompare(b.regions.join()));
}

export async function nationalDuplicates(ctx: GatewayContext): Promise<DuplicatePair[]> {
  // Refused before anything fans out.
  if (!ctx.caller) throw unauthenticated("nationalDuplicates needs authentication");
  if (ctx.caller.role !== "NATIONAL_COORDINATOR")
    throw forbidden("nationalDuplicates: households enrolled in several regions are counted for coordinators");
  const regions = await readRegions<RegionCounts>(ctx, "nationalDuplicates", DUPLICATES_QUERY);
  const answered = regions.filter((r) => Array.isArray(r.duplicateHouseholds));
  const codes = new Set(answered.map((r) => r.code));
  for (const region of ctx.registry.regions) {
    if (codes.has(region.code)) continue;
    ctx.notices.push({
      code: "REGION_UNAVAILABLE",
      message: `${region.code} did not answer: pairs of ${region.code} with regions that did are counted from their side; pairs of two regions that did not answer are missing`,
      path: ["nationalDuplicates"],
      region: region.code,
    });
  }
  return mergeDuplicates(answered, new Set(ctx.registry.regions.map((r) => r.code)));
}
