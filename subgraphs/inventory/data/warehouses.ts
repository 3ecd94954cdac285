// Warehouses as stored. Stock levels live in the warehouse document so that every change
// is one conditional single-document update (see ledger.ts).
import { ObjectId } from "bson";
import type { Collection, Db } from "mongodb";
import { encodeId } from "../../kernel/ids.js";
import { insertNamed, type IndexPlan } from "../../kernel/mongo.js";
import { regionRef } from "../../kernel/region-entity.js";
import { searchKey } from "../../kernel/text.js";
import { Item } from "../types/enums.js";
import type { ItemQuantity, Warehouse } from "../types/warehouse.js";
import type { Keyed } from "../../kernel/idempotency.js";
import type { CombinedReads } from "../../kernel/reads.js";

export interface WarehouseDoc extends Keyed {
  _id: ObjectId;
  name: string;
  nameKey: string;
  address: string | null;
  /** The Organisation (of this region) that runs it: whom its distributions count for in 3W reports. */
  organisationId?: string | null;
  /** item → quantity on hand */
  stock: Partial<Record<Item, number>>;
  /** item → low-stock threshold */
  thresholds: Partial<Record<Item, number>>;
  /** Lines reserved by operations still in flight (`<operation id>:<line>`). */
  pendingOps: string[];
  createdAt: Date;
}

const WAREHOUSES = "warehouses";

export const warehouseIndexes: IndexPlan = {
  [WAREHOUSES]: [
    { key: { nameKey: 1 }, name: "name_unique", unique: true },
    { key: { pendingOps: 1 }, name: "pending_ops" },
  ],
};

export const warehousesOf = (db: Db): Collection<WarehouseDoc> => db.collection<WarehouseDoc>(WAREHOUSES);

/** Items in the enum's order, for stable output. */
function itemList(map: Partial<Record<Item, number>>, keepZero = false): ItemQuantity[] {
  return Object.values(Item)
    .filter((item) => map[item] !== undefined && (keepZero || map[item] !== 0))
    .map((item) => ({ item, quantity: map[item]! }));
}

export function toWarehouse(doc: WarehouseDoc, region: string): Warehouse {
  return {
    id: encodeId("Warehouse", region, doc._id),
    region: regionRef(region),
    name: doc.name,
    address: doc.address,
    organisation: doc.organisationId ? { id: doc.organisationId } : null,
    stock: itemList(doc.stock, true),
    thresholds: itemList(doc.thresholds, true),
    lowStock: Object.values(Item)
      .filter((item) => doc.thresholds[item] !== undefined && (doc.stock[item] ?? 0) < doc.thresholds[item])
      .map((item) => ({ item, quantity: doc.stock[item] ?? 0, threshold: doc.thresholds[item]! })),
    createdAt: doc.createdAt,
  };
}

export function insertWarehouse(
  db: Db,
  region: string,
  fields: Pick<WarehouseDoc, "name" | "address" | "organisationId" | "thresholds" | "idempotencyHash">,
  _id = new ObjectId(),
): Promise<WarehouseDoc> {
  const doc: WarehouseDoc = { _id, ...fields, nameKey: searchKey(fields.name), stock: {}, pendingOps: [], createdAt: new Date() };
  return insertNamed(warehousesOf(db), doc, "Warehouse", region);
}

/** Every item, in the enum's order, with the sum of its quantities in `entries` (0 when none). */
export function totalsPerItem(entries: Iterable<{ item: Item; quantity: number }>): ItemQuantity[] {
  const totals = new Map<Item, number>();
  for (const { item, quantity } of entries) totals.set(item, (totals.get(item) ?? 0) + quantity);
  return Object.values(Item).map((item) => ({ item, quantity: totals.get(item) ?? 0 }));
}

/** Totals over all of a region's warehouses, every item listed. */
export async function regionStock(db: Db, reads: CombinedReads): Promise<ItemQuantity[]> {
  const warehouses = await reads.aggregate<Pick<WarehouseDoc, "stock">, WarehouseDoc>(warehousesOf(db), [
    { $project: { _id: 0, stock: 1 } },
  ]);
  return totalsPerItem(
    warehouses.flatMap((w) => Object.entries(w.stock).map(([item, quantity]) => ({ item: item as Item, quantity: quantity ?? 0 }))),
  );
}
