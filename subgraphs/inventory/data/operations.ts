// Donations and distributions as graph objects, from their operation documents.
import type { ObjectId } from "bson";
import { badInput } from "../../kernel/errors.js";
import { DonorKind, type Item } from "../types/enums.js";
import type { ItemQuantityInput } from "../types/inputs.js";
import { operationId, type OperationDoc, type OperationLine } from "./ledger.js";

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
