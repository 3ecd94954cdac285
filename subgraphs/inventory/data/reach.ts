// Who reached how many, in which sector: the rows of a region's 3W report. A distribution
// counts for the organisation that runs its warehouse, in the sector of each item handed
// out; a fulfilled help request for the organisation of the volunteer it was assigned to
// (their group's), in the sector of its need (kernel/sectors.ts). Each household counts
// once per organisation and sector, however often it was reached; a caller who is not an
// enrolled household counts as a household of one, once however often they called (by phone).
import type { SubgraphContext } from "../../kernel/context.js";
import { encodeId } from "../../kernel/ids.js";
import { instantsOf, type Period } from "../../kernel/periods.js";
import { helpFulfilledIn } from "../../kernel/region-records.js";
import { compareSectors, type Sector, sectorOfItem, sectorOfNeed } from "../../kernel/sectors.js";
import { distributionsIn, Households, sizesOfUnknown } from "./activity.js";
import { warehousesOf } from "./warehouses.js";

export interface ReachRow {
  organisationId: string | null;
  sector: Sector;
  householdsReached: number;
  individualsReached: number;
}

/** The keyed hash's purpose for callers' phones: in memory only, to count each caller once. */
const CALLER_PURPOSE = "3w-caller";

/** A 3W report covers a year at most (a quarter or a month is usual). */
export const MAX_REACH_DAYS = 366;

export async function regionReach(ctx: SubgraphContext, period: Period): Promise<ReachRow[]> {
  const groups = new Map<string, { organisationId: string | null; sector: Sector; households: Households }>();
  const group = (organisationId: string | null, sector: Sector) => {
    const key = `${organisationId ?? ""}\u0000${sector}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { organisationId, sector, households: new Households() }));
    return g.households;
  };
  const runBy = new Map(
    (
      await warehousesOf(ctx.db)
        .find({}, { projection: { organisationId: 1 } })
        .toArray()
    ).map((w) => [w._id.toHexString(), w.organisationId ?? null]),
  );
  for await (const op of distributionsIn(ctx, [period])) {
    // As recorded with the distribution; records from before it was: the warehouse's now.
    const organisationId = op.organisationId !== undefined ? op.organisationId : (runBy.get(op.warehouseId.toHexString()) ?? null);
    for (const sector of new Set(op.lines.map((l) => sectorOfItem(l.item)))) {
      if (sector) group(organisationId, sector).add(op.beneficiaryId, op.householdSize);
    }
  }
  const { from, to } = instantsOf(period);
  for await (const help of helpFulfilledIn(ctx.db, from, to, (phone) => ctx.keyedHash(CALLER_PURPOSE, phone))) {
    const sector = sectorOfNeed(help.need);
    if (!sector) continue;
    const households = group(help.organisationId, sector);
    if (help.beneficiaryId) households.add(encodeId("Beneficiary", ctx.region.code, help.beneficiaryId), undefined);
    // A caller who called five times is one household: by (a keyed hash of) their phone; callers who left none, one.
    else households.add(`caller:${help.caller ?? "unknown"}`, 1);
  }
  const current = await sizesOfUnknown(
    ctx,
    [...groups.values()].map((g) => g.households),
  );
  return [...groups.values()]
    .map((g) => ({
      organisationId: g.organisationId,
      sector: g.sector,
      householdsReached: g.households.count,
      individualsReached: g.households.individuals(current),
    }))
    .sort((a, b) => (a.organisationId ?? "").localeCompare(b.organisationId ?? "") || compareSectors(a.sector, b.sector));
}
