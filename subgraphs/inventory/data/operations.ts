// Donations and distributions as graph objects, from their operation documents.
import type { ObjectId } from "bson";
import type { Db } from "mongodb";
import { badInput } from "../../kernel/errors.js";
import { decodeId } from "../../kernel/ids.js";
import { householdSizes } from "../../kernel/region-records.js";
import type { DistributionStats } from "../types/entitlement.js";
import { DonorKind, Item } from "../types/enums.js";
import type { ItemQuantityInput } from "../types/inputs.js";
import { operationId, operationsOf, type OperationDoc, type OperationLine } from "./ledger.js";

export interface DonationView {
  id: string;
  region: string;
  warehouseId: ObjectId;
  donor: string;
  donorKind: DonorKind;
  items: Array<{ item: Item; quantity: number }>;
  receivedAt: Date;
  receivedBy: string;
}

export interface DistributionView {
  id: string;
  warehouseId: ObjectId;
  items: Array<{ item: Item; quantity: number }>;
  beneficiary: { id: string };
  deliveredBy: { id: string } | null;
  distributedAt: Date;
}

const items = (op: OperationDoc) => op.lines.map((l) => ({ item: l.item, quantity: Math.abs(l.delta) }));

export function toDonation(op: OperationDoc, region: string): DonationView {
  return {
    id: operationId(op, region),
    region,
    warehouseId: op.warehouseId,
    donor: op.donor ?? "",
    donorKind: op.donorKind ?? DonorKind.PERSON,
    items: items(op),
    receivedAt: op.createdAt,
    receivedBy: op.actor,
  };
}

export function toDistribution(op: OperationDoc, region: string): DistributionView {
  return {
    id: operationId(op, region),
    warehouseId: op.warehouseId,
    items: items(op),
    beneficiary: { id: op.beneficiaryId ?? "" },
    deliveredBy: op.deliveredBy ? { id: op.deliveredBy } : null,
    distributedAt: op.createdAt,
  };
}

/** Operation lines from input items: each item at most once per request. */
export function toLines(input: ItemQuantityInput[], sign: 1 | -1, field = "input.items"): OperationLine[] {
  const seen = new Set<Item>();
  return input.map(({ item, quantity }) => {
    if (seen.has(item)) throw badInput(`${field}: ${item} is listed twice; list each item once`, { field });
    seen.add(item);
    return { item, delta: sign * quantity };
  });
}

/** The longest period statistics cover in one request: their cost grows with it. */
export const MAX_STATS_DAYS = 366;

/** Distributions made in [from, to): served, handed out, overridden, refused (from the ledger alone). */
export async function distributionStats(db: Db, from: Date, to: Date): Promise<Omit<DistributionStats, "from" | "to">> {
  interface Served {
    households: number;
    distributions: number;
    individuals: number;
    overrides: number;
    /** Households served only by distributions recorded before sizes were kept with them (and null). */
    sizeUnknown: Array<string | null>;
  }
  const [row] = await operationsOf(db)
    .aggregate<{
      served: Served[];
      items: Array<{ _id: Item; quantity: number }>;
      refusals: Array<{ _id: string | null; count: number }>;
    }>([
      { $match: { type: "DISTRIBUTION", createdAt: { $gte: from, $lt: to } } },
      {
        $facet: {
          // Added up in the database: one row, however many households.
          served: [
            { $match: { status: "COMPLETED" } },
            { $sort: { createdAt: 1 } },
            {
              $group: {
                _id: "$beneficiaryId",
                n: { $sum: 1 },
                size: { $last: { $ifNull: ["$householdSize", null] } },
                overrides: { $sum: { $cond: [{ $eq: ["$overridden", true] }, 1, 0] } },
              },
            },
            {
              $group: {
                _id: null,
                households: { $sum: 1 },
                distributions: { $sum: "$n" },
                individuals: { $sum: { $ifNull: ["$size", 0] } },
                overrides: { $sum: "$overrides" },
                sizeUnknown: { $addToSet: { $cond: [{ $eq: ["$size", null] }, "$_id", null] } },
              },
            },
          ],
          items: [
            { $match: { status: "COMPLETED" } },
            { $unwind: "$lines" },
            { $group: { _id: "$lines.item", quantity: { $sum: { $abs: "$lines.delta" } } } },
          ],
          refusals: [{ $match: { status: "FAILED" } }, { $group: { _id: "$error.extensions.code", count: { $sum: 1 } } }],
        },
      },
    ])
    .toArray();
  const served: Served = row?.served[0] ?? { households: 0, distributions: 0, individuals: 0, overrides: 0, sizeUnknown: [] };
  const unknown = served.sizeUnknown.filter((id): id is string => typeof id === "string").map((id) => decodeId(id, "Beneficiary").objectId);
  // Their size now: the best there is.
  const sizes = unknown.length ? await householdSizes(db, unknown) : new Map<string, number>();
  const handedOut = new Map((row?.items ?? []).map((i) => [i._id, i.quantity]));
  return {
    householdsServed: served.households,
    individuals: served.individuals + [...sizes.values()].reduce((a, b) => a + b, 0),
    distributions: served.distributions,
    overrides: served.overrides,
    items: Object.values(Item).map((item) => ({ item, quantity: handedOut.get(item) ?? 0 })),
    refusals: (row?.refusals ?? [])
      .map((r) => ({ reason: r._id ?? "UNKNOWN", count: r.count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
