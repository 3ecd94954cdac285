// The ledger's leases, state by state: what recovery does with a rollback a recoverer left
// half-done, with reservations of operations no longer running, with a system operation
// rolled back (its next attempt runs under a new id), and a refused request's retry after
// the key's later request was rolled back. (test/e2e/replicas.e2e.ts does it with processes.)
import { ObjectId } from "bson";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { beneficiariesSubgraph } from "../../subgraphs/beneficiaries/schema.js";
import { currentOperationId, recoverOperations, runOperation, type OperationDoc } from "../../subgraphs/inventory/data/ledger.js";
import { inventorySubgraph } from "../../subgraphs/inventory/schema.js";
import { Item } from "../../subgraphs/inventory/types/enums.js";
import { postGraphQL, startTestHost, type TestHost } from "../support/host.js";
import { expectLedgerMatchesStock } from "../support/ledger.js";

let host: TestHost;
let staff: string;
const db = () => host.db("KZ-75");
const silent = pino({ level: "silent" });
const recoverer = { owner: "replica-b", ms: 1000 };
const past = () => new Date(Date.now() - 60_000);

beforeAll(async () => {
  // Its own recovery passes are far apart: the states below are the tests' to move.
  host = await startTestHost([await beneficiariesSubgraph(), await inventorySubgraph()], ["KZ-75"], undefined, undefined, {
    leaseMs: 600_000,
  });
  staff = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(async () => {
  for (const c of ["warehouses", "stock_operations", "stock_movements"]) await db().collection(c).deleteMany({});
});

async function warehouse(stock: Record<string, number>): Promise<ObjectId> {
  const url = host.url("KZ-75", "inventory");
  const added = await postGraphQL<{ addWarehouse: { id: string } }>(
    url,
    `mutation { addWarehouse(input: { region: "KZ-75", name: "W" }) { id } }`,
    {},
    staff,
  );
  const id = added.data!.addWarehouse.id;
  const items = Object.entries(stock).map(([item, quantity]) => ({ item, quantity }));
  await postGraphQL(
    url,
    `mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id } }`,
    { input: { warehouseId: id, donor: "Bank", donorKind: "ORGANISATION", items, idempotencyKey: `don-${Math.random()}` } },
    staff,
  );
  return new ObjectId(id.slice(-24));
}

const stockOf = async (w: ObjectId) => ((await db().collection("warehouses").findOne({ _id: w }))!.stock ?? {}) as Record<string, number>;

/** A distribution as a replica that stalled or died left it. */
function operation(w: ObjectId, over: Partial<OperationDoc> = {}): OperationDoc {
  return {
    _id: new ObjectId(),
    type: "DISTRIBUTION",
    idempotencyKey: `k-${Math.random()}`,
    payloadHash: "h",
    warehouseId: w,
    lines: [
      { item: Item.FOOD_KIT, delta: -2 },
      { item: Item.WATER, delta: -3 },
    ],
    status: "PENDING",
    error: null,
    actor: "REGIONAL_STAFF:s",
    createdAt: past(),
    completedAt: null,
    owner: "replica-a#1",
    leaseUntil: past(),
    ...over,
  };
}

/** Reserves line `i` of `op` as its owner would have (marker and stock in one update). */
async function reserved(op: OperationDoc, i: number): Promise<void> {
  const { item, delta } = op.lines[i];
  await db()
    .collection<{ _id: ObjectId; pendingOps: string[] }>("warehouses")
    .updateOne({ _id: op.warehouseId }, { $inc: { [`stock.${item}`]: delta }, $push: { pendingOps: `${op._id.toHexString()}:${i}` } });
}

describe("recovery, state by state", () => {
  it("finishes a rollback its recoverer left half-done, never completing it, and gives back a stalled owner's late reservation", async () => {
    const w = await warehouse({ FOOD_KIT: 10, WATER: 10 });
    // The recoverer decided to roll back (line 1 not reserved then), and stalled; the stalled
    // owner then reserved line 1 all the same.
    const op = operation(w, { status: "ROLLING_BACK", owner: "replica-c#1" });
    await db().collection<OperationDoc>("stock_operations").insertOne(op);
    await reserved(op, 0);
    await reserved(op, 1);
    await recoverOperations(db(), recoverer, silent);
    const after = await db().collection<OperationDoc>("stock_operations").findOne({ _id: op._id });
    expect(after).toMatchObject({ status: "ROLLED_BACK", rolledBackKey: op.idempotencyKey });
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 10, WATER: 10 });
    await expectLedgerMatchesStock(db());
  });

  it("a reservation made for an operation no longer running is given back; a completed one's marker only dropped", async () => {
    const w = await warehouse({ FOOD_KIT: 10, WATER: 10 });
    const rolledBack = operation(w, { status: "ROLLED_BACK", idempotencyKey: undefined, completedAt: new Date() });
    await db().collection<OperationDoc>("stock_operations").insertOne(rolledBack);
    await reserved(rolledBack, 0);
    // A completed operation whose markers a crash left: its movement is recorded, its stock moved.
    const completed = operation(w, { status: "COMPLETED", lines: [{ item: Item.WATER, delta: -1 }], completedAt: new Date() });
    await db().collection<OperationDoc>("stock_operations").insertOne(completed);
    await reserved(completed, 0);
    await db()
      .collection("stock_movements")
      .insertOne({
        _id: new ObjectId(),
        warehouseId: w,
        item: "WATER",
        quantity: -1,
        kind: "DISTRIBUTION_OUT",
        at: new Date(),
        actor: "s",
        reason: null,
        operationId: completed._id,
        operationType: "DISTRIBUTION",
        line: `${completed._id.toHexString()}:0`,
      });
    await recoverOperations(db(), recoverer, silent);
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 10, WATER: 9 });
    await expectLedgerMatchesStock(db());
  });

  it("a retry of a request refused under a key gets its refusal, after a later request under the key was rolled back", async () => {
    const w = await warehouse({ FOOD_KIT: 1 });
    const lease = { owner: "replica-a", ms: 1000 };
    const lines = [{ item: Item.FOOD_KIT, delta: -5 }];
    const request = (payloadHash: string): OperationDoc =>
      operation(w, { idempotencyKey: "K", payloadHash, lines, createdAt: new Date(), leaseUntil: undefined });
    await expect(runOperation(db(), request("p1"), "W", lease)).rejects.toThrow(/insufficient stock/);
    // A correction takes the key over; its replica dies, and recovery rolls it back.
    await db()
      .collection("stock_operations")
      .updateOne({ idempotencyKey: "K" }, { $unset: { idempotencyKey: "" }, $set: { refusedKey: "K" } });
    await db()
      .collection<OperationDoc>("stock_operations")
      .insertOne(operation(w, { idempotencyKey: "K", payloadHash: "p2", lines }));
    await recoverOperations(db(), recoverer, silent);
    await db()
      .collection("warehouses")
      .updateOne({ _id: w }, { $inc: { "stock.FOOD_KIT": 10 } });
    await db()
      .collection("stock_movements")
      .insertOne({ _id: new ObjectId(), warehouseId: w, item: "FOOD_KIT", quantity: 10, line: "extra" });
    await expect(runOperation(db(), request("p1"), "W", lease)).rejects.toThrow(
      /insufficient stock of FOOD_KIT in W: requested 5, available 1/,
    );
    expect(await db().collection("stock_operations").countDocuments({ status: "COMPLETED", type: "DISTRIBUTION" })).toBe(0);
  });

  it("a retry in the same replica of an operation whose lease lapsed takes it over and runs it once", async () => {
    const w = await warehouse({ FOOD_KIT: 10, WATER: 10 });
    const lease = { owner: "replica-a", ms: 1000 };
    // Its own earlier attempt, which stalled past its lease with line 0 reserved.
    const stalled = operation(w, { idempotencyKey: "same", payloadHash: "same", owner: "replica-a#first" });
    await db().collection<OperationDoc>("stock_operations").insertOne(stalled);
    await reserved(stalled, 0);
    const done = await runOperation(
      db(),
      operation(w, { idempotencyKey: "same", payloadHash: "same", owner: undefined, leaseUntil: undefined }),
      "W",
      lease,
    );
    expect(done.status).toBe("COMPLETED");
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 8, WATER: 7 });
    expect(await db().collection("stock_operations").countDocuments({ status: "COMPLETED", type: "DISTRIBUTION" })).toBe(1);
    await expectLedgerMatchesStock(db());
  });

  it("an operation the system makes runs under a new id once an attempt was rolled back: an id never runs twice", async () => {
    const first = await currentOperationId(db(), "transfer-in:KZ-75:trf:x");
    expect(await currentOperationId(db(), "transfer-in:KZ-75:trf:x")).toEqual(first);
    await db()
      .collection<OperationDoc>("stock_operations")
      .insertOne(operation(await warehouse({}), { _id: first, status: "ROLLED_BACK", idempotencyKey: undefined }));
    const next = await currentOperationId(db(), "transfer-in:KZ-75:trf:x");
    expect(next).not.toEqual(first);
    expect(await currentOperationId(db(), "transfer-in:KZ-75:trf:x")).toEqual(next);
  });

  it("a distribution waiting on a grant whose operation's recoverer died recovers it, and gets the grant", async () => {
    const w = await warehouse({ FOOD_KIT: 10 });
    const household = new ObjectId();
    const account = `${household.toHexString()}:FOOD_KIT`;
    const entitlement = { account, allowed: 1, periodDays: 30, override: false };
    const lines = [{ item: Item.FOOD_KIT, delta: -1, entitlement }];
    // Its recoverer decided to roll it back and died, holding the household's one kit.
    const dead = operation(w, { status: "ROLLING_BACK", owner: "replica-c#1", lines });
    await db().collection<OperationDoc>("stock_operations").insertOne(dead);
    await reserved(dead, 0);
    await db()
      .collection<{ _id: string }>("entitlement_usage")
      .insertOne({
        _id: account,
        beneficiaryId: household,
        item: "FOOD_KIT",
        grants: [{ key: `${dead._id.toHexString()}:0`, quantity: 1, at: new Date(), override: false }],
      } as never);
    const op = operation(w, { idempotencyKey: "next", lines, createdAt: new Date(), owner: undefined, leaseUntil: undefined });
    const done = await runOperation(db(), op, "W", { owner: "replica-a", ms: 1000 });
    expect(done.status).toBe("COMPLETED");
    expect((await db().collection<OperationDoc>("stock_operations").findOne({ _id: dead._id }))!.status).toBe("ROLLED_BACK");
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 9 });
    await expectLedgerMatchesStock(db());
  });
});
