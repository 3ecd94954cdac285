// The inventory invariant tests keep coming back to: every warehouse's stock equals the
// sum of its ledger movements, item by item, with no operation's reservation left behind.
import type { Db } from "mongodb";
import { expect } from "vitest";

export async function expectLedgerMatchesStock(db: Db): Promise<void> {
  const sums = await db
    .collection("stock_movements")
    .aggregate<{ _id: { w: unknown; item: string }; total: number }>([
      { $group: { _id: { w: "$warehouseId", item: "$item" }, total: { $sum: "$quantity" } } },
    ])
    .toArray();
  const fromLedger = new Map(sums.map((s) => [`${String(s._id.w)}:${s._id.item}`, s.total]));
  for (const w of await db.collection("warehouses").find().toArray()) {
    expect(w.pendingOps).toEqual([]);
    const stock = w.stock as Record<string, number>;
    const items = new Set([...Object.keys(stock), ...sums.filter((s) => String(s._id.w) === String(w._id)).map((s) => s._id.item)]);
    for (const item of items) {
      expect({ item, quantity: fromLedger.get(`${String(w._id)}:${item}`) ?? 0 }).toEqual({ item, quantity: stock[item] ?? 0 });
    }
  }
}
