// Distributions per interval of a report: read once per batch, only the records of the
// intervals' dates (the `type_time` index), and added up here per interval.
import type { SubgraphContext } from "../../kernel/context.js";
import { decodeId } from "../../kernel/ids.js";
import { coveringRanges, periodIndex, type Period } from "../../kernel/periods.js";
import { householdSizes } from "../../kernel/region-records.js";
import { Item } from "../types/enums.js";
import type { ItemQuantity } from "../types/warehouse.js";
import { operationsOf, type OperationDoc } from "./ledger.js";

export interface DistributionActivity {
  householdsServed: number;
  individualsReached: number;
  distributions: number;
  items: ItemQuantity[];
}

type Distribution = Pick<OperationDoc, "createdAt" | "beneficiaryId" | "householdSize" | "lines" | "warehouseId" | "organisationId">;

/** Every completed distribution recorded within these periods' dates, oldest first. */
export async function* distributionsIn(ctx: SubgraphContext, periods: Period[]): AsyncGenerator<Distribution> {
  for (const range of coveringRanges(periods)) {
    yield* operationsOf(ctx.db)
      .find(
        { type: "DISTRIBUTION", status: "COMPLETED", createdAt: { $gte: range.from, $lt: range.to } },
        {
          projection: { _id: 0, createdAt: 1, beneficiaryId: 1, householdSize: 1, lines: 1, warehouseId: 1, organisationId: 1 },
          sort: { createdAt: 1 },
        },
      )
      .batchSize(5000);
  }
}

/**
 * Households counted once per group, with the size each had at its latest distribution
 * (older records without one: its size now, as Region.distributionStats does).
 */
export class Households {
  private readonly sizes = new Map<string, number | null>();

  add(beneficiaryId: string | undefined, size: number | undefined): void {
    if (beneficiaryId) this.sizes.set(beneficiaryId, size ?? this.sizes.get(beneficiaryId) ?? null);
  }

  get count(): number {
    return this.sizes.size;
  }

  /** Ids whose size no distribution recorded. */
  unknown(): string[] {
    return [...this.sizes].filter(([, s]) => s === null).map(([id]) => id);
  }

  individuals(current: Map<string, number>): number {
    let sum = 0;
    for (const [id, size] of this.sizes) sum += size ?? current.get(decodeId(id, "Beneficiary").objectId.toHexString()) ?? 0;
    return sum;
  }
}

/** Current sizes of the households no distribution recorded a size for, in one read. */
export async function sizesOfUnknown(ctx: SubgraphContext, groups: Iterable<Households>): Promise<Map<string, number>> {
  const ids = new Set<string>();
  for (const g of groups) for (const id of g.unknown()) ids.add(id);
  if (!ids.size) return new Map();
  return householdSizes(
    ctx.db,
    [...ids].map((id) => decodeId(id, "Beneficiary").objectId),
  );
}

export async function distributionActivity(ctx: SubgraphContext, periods: Period[]): Promise<DistributionActivity[]> {
  const which = periodIndex(periods);
  const acc = periods.map(() => ({ households: new Households(), distributions: 0, items: new Map<Item, number>() }));
  for await (const op of distributionsIn(ctx, periods)) {
    for (const i of which(op.createdAt)) {
      const a = acc[i];
      a.distributions++;
      a.households.add(op.beneficiaryId, op.householdSize);
      for (const line of op.lines) a.items.set(line.item, (a.items.get(line.item) ?? 0) + Math.abs(line.delta));
    }
  }
  const current = await sizesOfUnknown(
    ctx,
    acc.map((a) => a.households),
  );
  return acc.map((a) => ({
    householdsServed: a.households.count,
    individualsReached: a.households.individuals(current),
    distributions: a.distributions,
    items: Object.values(Item).map((item) => ({ item, quantity: a.items.get(item) ?? 0 })),
  }));
}
