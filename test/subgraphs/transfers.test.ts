// Transfers between two regions, each on its own region host, its own MongoDB and its own
// signing key, over real HTTP: regions that go down and come back, a source restarted
// mid-flight, deliveries sent twice, cancellations racing receipts, forged messages.
// Every scenario ends with the stock of both regions (plus what is in transit) equal to
// everything ever donated, and each region's stock equal to its ledger.
import { ObjectId } from "bson";
import type { JWK } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config } from "../../subgraphs/shared/auth.js";
import { encodeId } from "../../subgraphs/shared/ids.js";
import { generatePrivateJwk, publicPart, RegionLink } from "../../subgraphs/shared/link.js";
import { regionDbName } from "../../subgraphs/shared/mongo.js";
import { postGraphQL, randomSuffix, startTestHost, TEST_SECRET, type TestHost } from "../support/host.js";
import { connect, randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";
import { expectLedgerMatchesStock } from "../support/ledger.js";
import { eventually, freePort } from "../support/wait.js";

const RETRY = { baseMs: 20, maxMs: 250, idleMs: 250, timeoutMs: 3000 };
const silent = pino({ level: "silent" });

interface Side {
  code: string;
  key: JWK;
  mongo: TestMongo;
  dbPrefix: string;
  port: number;
  host?: TestHost;
}

let A: Side; // the source, KZ-75
let B: Side; // the destination, KZ-43
const tokens: Record<string, string> = {};

/** Starts a side's region host on its own port and database; it knows the other side's address and public key. */
async function up(side: Side): Promise<void> {
  const peer = side === A ? B : A;
  const link = await RegionLink.create({ [side.code]: side.key });
  await link.setPeer(peer.code, { baseUrl: `http://127.0.0.1:${peer.port}` }, publicPart(peer.key));
  side.host = await startTestHost(await buildSubgraphs(["inventory"]), [side.code], hs256Config(TEST_SECRET), silent, {
    mongoUri: side.mongo.uri,
    dbPrefix: side.dbPrefix,
    link,
    retry: RETRY,
    port: side.port,
    keepData: true,
  });
}

async function down(side: Side): Promise<void> {
  await side.host!.stop();
  side.host = undefined;
}

beforeAll(async () => {
  const make = async (code: string): Promise<Side> => ({ code, key: await generatePrivateJwk(), mongo: await startTestMongo(), dbPrefix: randomDbName("aidgraph_trf"), port: await freePort() });
  A = await make("KZ-75");
  B = await make("KZ-43");
  await up(A);
  await up(B);
  const host = A.host!;
  tokens.staffA = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staffB = await host.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  tokens.coordinator = await host.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  tokens.volunteer = await host.token({ sub: "vol-1", role: "VOLUNTEER" });
});

afterAll(async () => {
  for (const side of [A, B]) {
    if (!side) continue;
    if (!side.host) await up(side);
    await side.host!.db(side.code).dropDatabase();
    await down(side);
    await side.mongo.stop();
  }
});

const db = (side: Side) => side.host!.db(side.code);

function gql<T = Record<string, unknown>>(side: Side, query: string, variables: Record<string, unknown> = {}, token = side === A ? tokens.staffA : tokens.staffB) {
  return postGraphQL<T>(side.host!.url(side.code, "inventory"), query, variables, token);
}

async function warehouse(side: Side, stock: Record<string, number> = {}): Promise<string> {
  const res = await gql<{ addWarehouse: { id: string } }>(side, `mutation ($input: AddWarehouseInput!) { addWarehouse(input: $input) { id } }`, {
    input: { region: side.code, name: `Warehouse ${randomSuffix()}` },
  });
  expect(res.errors).toBeUndefined();
  const id = res.data!.addWarehouse.id;
  const items = Object.entries(stock).map(([item, quantity]) => ({ item, quantity }));
  if (items.length) {
    const donation = await gql(side, `mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id } }`, {
      input: { warehouseId: id, donor: "donors", items, idempotencyKey: `seed-${randomSuffix()}` },
    });
    expect(donation.errors).toBeUndefined();
  }
  return id;
}

const TRANSFER_FIELDS = `id status from { region { code } warehouseId warehouseName } to { region { code } warehouseId warehouseName }
  items { item quantity } requestedBy inTransitAt receivedAt receivedBy cancelRequestedAt cancelledAt cancelReason delivery { attempts lastError }`;

interface TransferResult {
  id: string;
  status: string;
  to: { warehouseName: string | null };
  items: Array<{ item: string; quantity: number }>;
  cancelRequestedAt: string | null;
  cancelReason: string | null;
  delivery: { attempts: number; lastError: string | null } | null;
}

const TRANSFER = `mutation ($input: TransferStockInput!) { transferStock(input: $input) { ${TRANSFER_FIELDS} } }`;
const RECEIVE = `mutation ($region: String!, $id: ID!) { receiveTransfer(region: $region, id: $id) { ${TRANSFER_FIELDS} } }`;
const CANCEL = `mutation ($id: ID!) { cancelTransfer(id: $id) { ${TRANSFER_FIELDS} } }`;
const GET = `query ($id: ID!) { transfer(id: $id) { ${TRANSFER_FIELDS} } }`;

async function transfer(from: string, to: string, items: Record<string, number>, token = tokens.staffA, key = `trf-${randomSuffix()}`) {
  return gql<{ transferStock: TransferResult | null }>(A, TRANSFER, {
    input: { fromWarehouseId: from, toWarehouseId: to, items: Object.entries(items).map(([item, quantity]) => ({ item, quantity })), idempotencyKey: key },
  }, token);
}

async function started(from: string, to: string, items: Record<string, number>): Promise<TransferResult> {
  const res = await transfer(from, to, items);
  expect(res.errors).toBeUndefined();
  return res.data!.transferStock!;
}

const receive = (id: string, token = tokens.staffB) => gql<{ receiveTransfer: TransferResult | null }>(B, RECEIVE, { region: "KZ-43", id }, token);
const cancel = (id: string, token = tokens.staffA) => gql<{ cancelTransfer: TransferResult | null }>(A, CANCEL, { id }, token);

async function atSource(id: string): Promise<TransferResult> {
  const res = await gql<{ transfer: TransferResult }>(A, GET, { id }, tokens.coordinator);
  expect(res.errors).toBeUndefined();
  return res.data!.transfer;
}

const settled = (id: string, status: string) => eventually(() => atSource(id), (t) => t.status === status, `${id} ${status} at the source`);

async function stockOf(side: Side, warehouseId: string): Promise<Record<string, number>> {
  const doc = await db(side).collection("warehouses").findOne({ _id: new ObjectId(warehouseId.slice(-24)) });
  return Object.fromEntries(Object.entries(doc!.stock as Record<string, number>).filter(([, q]) => q !== 0));
}

const movements = (side: Side, transferId: string, kind: string) => db(side).collection("stock_movements").countDocuments({ transferId, kind });
const incomingCount = (transferId: string) => db(B).collection("transfers_in").countDocuments({ _id: new ObjectId(transferId.slice(-24)) });

/**
 * What both regions hold plus what is in transit equals everything ever donated, per item;
 * and each region's stock equals its ledger with no operation left half-done.
 */
async function expectConserved(): Promise<void> {
  const totals = new Map<string, number>();
  const add = (item: string, q: number) => totals.set(item, (totals.get(item) ?? 0) + q);
  const donated = new Map<string, number>();
  for (const side of [A, B]) {
    const d = db(side);
    await expectLedgerMatchesStock(d);
    for (const w of await d.collection("warehouses").find().toArray()) {
      for (const [item, q] of Object.entries(w.stock as Record<string, number>)) add(item, q);
    }
    for (const t of await d.collection("transfers_out").find({ status: { $in: ["REQUESTED", "IN_TRANSIT"] } }).toArray()) {
      for (const { item, quantity } of t.items as Array<{ item: string; quantity: number }>) add(item, quantity);
    }
    for (const m of await d.collection("stock_movements").find({ kind: "DONATION_IN" }).toArray()) {
      donated.set(m.item as string, (donated.get(m.item as string) ?? 0) + (m.quantity as number));
    }
    expect(await d.collection("stock_operations").countDocuments({ status: "PENDING" })).toBe(0);
  }
  expect(Object.fromEntries([...totals].filter(([, q]) => q !== 0))).toEqual(Object.fromEntries(donated));
}

describe("a transfer between two regions", () => {
  it("takes the stock out at once, announces it to the destination, and adds it there on receipt, once", async () => {
    const from = await warehouse(A, { FOOD_KIT: 100, BLANKET: 20 });
    const to = await warehouse(B);
    const key = `trf-${randomSuffix()}`;
    const res = await transfer(from, to, { FOOD_KIT: 30, BLANKET: 5 }, tokens.staffA, key);
    expect(res.errors).toBeUndefined();
    const t = res.data!.transferStock!;
    expect(t.id).toMatch(/^KZ-75:trf:[0-9a-f]{24}$/);
    expect(["REQUESTED", "IN_TRANSIT"]).toContain(t.status);
    expect(t.items).toEqual([{ item: "FOOD_KIT", quantity: 30 }, { item: "BLANKET", quantity: 5 }]);
    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 70, BLANKET: 15 });

    // A retry with the same key is the same transfer: nothing more leaves.
    const retry = await transfer(from, to, { FOOD_KIT: 30, BLANKET: 5 }, tokens.staffA, key);
    expect(retry.data!.transferStock!.id).toBe(t.id);
    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 70, BLANKET: 15 });

    const inTransit = await settled(t.id, "IN_TRANSIT");
    expect(inTransit.to.warehouseName).toMatch(/^Warehouse /);
    expect(inTransit.delivery).toBeNull();
    const views = await gql<{ _entities: unknown }>(
      B,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Region { incomingTransfers(status: [IN_TRANSIT]) { totalCount nodes { id status } } } } }`,
      { reps: [{ __typename: "Region", code: "KZ-43" }] },
    );
    expect(views.data!._entities).toEqual([{ incomingTransfers: { totalCount: 1, nodes: [{ id: t.id, status: "IN_TRANSIT" }] } }]);
    const inTransitStock = await gql<{ _entities: Array<{ stockInTransit: Array<{ item: string; quantity: number }> }> }>(
      A,
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Region { stockInTransit { item quantity } } } }`,
      { reps: [{ __typename: "Region", code: "KZ-75" }] },
      tokens.coordinator,
    );
    expect(inTransitStock.data!._entities[0]!.stockInTransit.filter((i) => i.quantity)).toEqual([{ item: "FOOD_KIT", quantity: 30 }, { item: "BLANKET", quantity: 5 }]);
    await expectConserved();

    const received = await receive(t.id);
    expect(received.errors).toBeUndefined();
    expect(received.data!.receiveTransfer).toMatchObject({ id: t.id, status: "RECEIVED" });
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 30, BLANKET: 5 });
    const again = await receive(t.id);
    expect(again.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", status: "RECEIVED" });
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 30, BLANKET: 5 });

    await settled(t.id, "RECEIVED");
    expect(await movements(A, t.id, "TRANSFER_OUT")).toBe(2);
    expect(await movements(B, t.id, "TRANSFER_IN")).toBe(2);
    const ledger = await gql<{ warehouse: { movements: { nodes: Array<{ kind: string; quantity: number; operationId: string }> } } }>(
      B,
      `query ($id: ID!) { warehouse(id: $id) { movements { nodes { kind quantity operationId } } } }`,
      { id: to },
    );
    expect(ledger.data!.warehouse.movements.nodes.map((m) => m.operationId)).toEqual([t.id, t.id]);
    await expectConserved();
  });

  it("refuses what it must, naming the problem, and then stores nothing", async () => {
    const from = await warehouse(A, { FOOD_KIT: 10 });
    const to = await warehouse(B);
    const before = { out: await db(A).collection("transfers_out").countDocuments(), outbox: await db(A).collection("outbox").countDocuments() };

    const tooMuch = await transfer(from, to, { FOOD_KIT: 11 });
    expect(tooMuch.errors![0]!.extensions).toMatchObject({ code: "INSUFFICIENT_STOCK", item: "FOOD_KIT", requested: 11, available: 10 });
    const wrongStaff = await transfer(from, to, { FOOD_KIT: 1 }, tokens.staffB);
    expect(wrongStaff.errors![0]!.extensions!.code).toBe("FORBIDDEN");
    const volunteer = await transfer(from, to, { FOOD_KIT: 1 }, tokens.volunteer);
    expect(volunteer.errors![0]!.extensions!.code).toBe("FORBIDDEN");
    const malformed = await transfer(from, "KZ-43:wh:nope", { FOOD_KIT: 1 });
    expect(malformed.errors![0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "input.toWarehouseId" } });
    const itself = await transfer(from, from, { FOOD_KIT: 1 });
    expect(itself.errors![0]!.message).toContain("input.toWarehouseId: must be another warehouse");
    const unknownRegion = await transfer(from, encodeId("Warehouse", "XX-1", new ObjectId()), { FOOD_KIT: 1 });
    expect(unknownRegion.errors![0]!.message).toContain('unknown region "XX-1"');
    const unlinked = await transfer(from, encodeId("Warehouse", "KZ-11", new ObjectId()), { FOOD_KIT: 1 });
    expect(unlinked.errors![0]).toMatchObject({ extensions: { code: "REGION_UNAVAILABLE", region: "KZ-11" } });
    expect(unlinked.errors![0]!.message).toContain("KZ-75 cannot send transfers to KZ-11");
    const zero = await transfer(from, to, { FOOD_KIT: 0 });
    expect(zero.errors![0]!.extensions!.code).toBe("BAD_USER_INPUT");

    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 10 });
    expect(await db(A).collection("transfers_out").countDocuments()).toBe(before.out);
    expect(await db(A).collection("outbox").countDocuments()).toBe(before.outbox);

    // Receiving is for the destination's staff; cancelling for the source's or a coordinator.
    const t = await started(from, to, { FOOD_KIT: 4 });
    await settled(t.id, "IN_TRANSIT");
    expect((await receive(t.id, tokens.staffA)).errors![0]!.extensions!.code).toBe("FORBIDDEN");
    expect((await receive(t.id, tokens.coordinator)).errors![0]!.extensions!.code).toBe("FORBIDDEN");
    expect((await cancel(t.id, tokens.staffB)).errors![0]!.extensions!.code).toBe("FORBIDDEN");
    const wrongRegion = await gql(B, RECEIVE, { region: "KZ-75", id: t.id });
    expect(wrongRegion.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "region" });
    const unknownTransfer = await receive(encodeId("Transfer", "KZ-75", new ObjectId()));
    expect(unknownTransfer.errors![0]!.extensions!.code).toBe("NOT_FOUND");
    expect(await stockOf(B, to)).toEqual({});
    await expectConserved();
  });

  it("goes back to the source when the destination has no such warehouse", async () => {
    const from = await warehouse(A, { WATER: 50 });
    const missing = encodeId("Warehouse", "KZ-43", new ObjectId());
    const t = await started(from, missing, { WATER: 20 });
    const back = await settled(t.id, "CANCELLED");
    expect(back.cancelReason).toBe(`refused by the destination: KZ-43 has no warehouse ${missing}`);
    expect(await stockOf(A, from)).toEqual({ WATER: 50 });
    expect(await movements(A, t.id, "TRANSFER_IN")).toBe(1);
    expect(await incomingCount(t.id)).toBe(0);
    await expectConserved();
  });
});

describe("a region that is down", () => {
  it("destination down when the transfer is made: retried with back-off, delivered once when it is back", async () => {
    const from = await warehouse(A, { MEDICINE: 40 });
    const to = await warehouse(B);
    await down(B);
    const t = await started(from, to, { MEDICINE: 15 });
    expect(t.status).toBe("REQUESTED");
    expect(await stockOf(A, from)).toEqual({ MEDICINE: 25 });
    const retrying = await eventually(() => atSource(t.id), (x) => (x.delivery?.attempts ?? 0) >= 3, "several delivery attempts");
    expect(retrying.status).toBe("REQUESTED");
    expect(retrying.delivery!.lastError).toBeTruthy();

    await up(B);
    const delivered = await settled(t.id, "IN_TRANSIT");
    expect(delivered.delivery).toBeNull();
    expect(await incomingCount(t.id)).toBe(1);
    expect((await receive(t.id)).errors).toBeUndefined();
    expect(await stockOf(B, to)).toEqual({ MEDICINE: 15 });
    expect(await movements(B, t.id, "TRANSFER_IN")).toBe(1);
    await settled(t.id, "RECEIVED");
    await expectConserved();
  });

  it("source restarted mid-flight: the outbox resumes where it stopped", async () => {
    const from = await warehouse(A, { CLOTHING: 30 });
    const to = await warehouse(B);
    await down(B);
    const t = await started(from, to, { CLOTHING: 12 });
    await eventually(() => atSource(t.id), (x) => (x.delivery?.attempts ?? 0) >= 1, "a failed delivery attempt");
    await down(A);
    await up(A);
    await up(B);
    await settled(t.id, "IN_TRANSIT");
    expect(await incomingCount(t.id)).toBe(1);
    await expectConserved();
  });

  it("source crashed right after the stock left: start-up records the transfer and delivers it", async () => {
    const from = await warehouse(A, { HYGIENE_KIT: 30 });
    const to = await warehouse(B);
    await down(B);
    const t = await started(from, to, { HYGIENE_KIT: 9 });
    await down(A);
    // What a crash between the ledger's commit and the transfer record leaves behind.
    const oid = new ObjectId(t.id.slice(-24));
    const client = await connect(A.mongo.uri);
    const d = client.db(regionDbName(A.dbPrefix, "KZ-75"));
    await d.collection("transfers_out").deleteOne({ _id: oid });
    await d.collection("outbox").deleteMany({});
    await d.collection("stock_operations").updateOne({ _id: oid }, { $unset: { transferRecorded: "" } });
    await client.close();

    await up(A);
    await up(B);
    const delivered = await settled(t.id, "IN_TRANSIT");
    expect(delivered.items).toEqual([{ item: "HYGIENE_KIT", quantity: 9 }]);
    expect(await stockOf(A, from)).toEqual({ HYGIENE_KIT: 21 });
    expect(await incomingCount(t.id)).toBe(1);
    await expectConserved();
  });
});

describe("exactly once", () => {
  it("the same delivery sent twice (and five times at once) is one incoming transfer and one TRANSFER_IN", async () => {
    const from = await warehouse(A, { FOOD_KIT: 20 });
    const to = await warehouse(B);
    const t = await started(from, to, { FOOD_KIT: 7 });
    await settled(t.id, "IN_TRANSIT");
    const doc = await db(A).collection("outbox").findOne({});
    expect(doc).toBeNull();

    // The source's own key signs a replay of its delivery message.
    const link = await RegionLink.create({ "KZ-75": A.key });
    const out = await db(A).collection("transfers_out").findOne({ _id: new ObjectId(t.id.slice(-24)) });
    const body = { id: t.id, from: out!.from, to: { ...out!.to, warehouseName: null }, items: out!.items, requestedAt: out!.requestedAt, requestedBy: out!.requestedBy };
    const send = async () => {
      const jws = await link.sign({ from: "KZ-75", to: "KZ-43", subgraph: "inventory", id: `transfer.deliver:${t.id}`, type: "transfer.deliver", body });
      const res = await fetch(`${B.host!.baseUrl}/KZ-43/inventory/messages`, { method: "POST", headers: { "content-type": "application/jose" }, body: jws });
      return { status: res.status, body: (await res.json()) as { reply: { status: string } } };
    };
    const replies = [await send(), ...(await Promise.all(Array.from({ length: 5 }, send)))];
    expect(replies.map((r) => [r.status, r.body.reply.status])).toEqual(Array(6).fill([200, "IN_TRANSIT"]));
    expect(await incomingCount(t.id)).toBe(1);

    const receipts = await Promise.all(Array.from({ length: 5 }, () => receive(t.id)));
    expect(receipts.filter((r) => !r.errors).length).toBe(1);
    expect(receipts.filter((r) => r.errors?.[0]?.extensions?.code === "CONFLICT").length).toBe(4);
    expect(await movements(B, t.id, "TRANSFER_IN")).toBe(1);
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 7 });
    expect((await send()).body.reply.status).toBe("RECEIVED");
    expect(await incomingCount(t.id)).toBe(1);
    await settled(t.id, "RECEIVED");
    await expectConserved();
  });

  it("cancel racing receive: exactly one wins, every time, and the stock ends on one side only", async () => {
    const from = await warehouse(A, { FOOD_KIT: 100 });
    const to = await warehouse(B);
    const outcomes: string[] = [];
    for (let round = 0; round < 8; round++) {
      const t = await started(from, to, { FOOD_KIT: 10 });
      await settled(t.id, "IN_TRANSIT");
      // The cancellation travels further (source, then destination), so the receipt gets a
      // head start of 0–28 ms: both orders happen, and neither may matter.
      const [cancelled, received] = await Promise.all([cancel(t.id), new Promise((r) => setTimeout(r, round * 4)).then(() => receive(t.id))]);
      const cancelWon = !cancelled.errors && cancelled.data!.cancelTransfer!.status === "CANCELLED";
      const receiveWon = !received.errors;
      expect([cancelWon, receiveWon]).toContainEqual(true);
      expect(cancelWon && receiveWon).toBe(false);
      const loser = cancelWon ? received : cancelled;
      expect(loser.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", status: cancelWon ? "CANCELLED" : "RECEIVED" });
      const final = await settled(t.id, cancelWon ? "CANCELLED" : "RECEIVED");
      expect(final.status).toBe(cancelWon ? "CANCELLED" : "RECEIVED");
      expect(await movements(A, t.id, "TRANSFER_IN")).toBe(cancelWon ? 1 : 0);
      expect(await movements(B, t.id, "TRANSFER_IN")).toBe(cancelWon ? 0 : 1);
      outcomes.push(cancelWon ? "cancel" : "receive");
    }
    const received = outcomes.filter((o) => o === "receive").length;
    expect(await stockOf(B, to)).toEqual(received ? { FOOD_KIT: 10 * received } : {});
    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 100 - 10 * received });
    await expectConserved();
  });

  it("a cancellation while the destination is down waits for it; the stock comes back once", async () => {
    const from = await warehouse(A, { BLANKET: 40 });
    const to = await warehouse(B);
    const t = await started(from, to, { BLANKET: 25 });
    await settled(t.id, "IN_TRANSIT");
    // Not yet delivered at all when cancelled, too: the destination learns both at once.
    await down(B);
    const early = await started(from, to, { BLANKET: 5 });

    for (const id of [t.id, early.id]) {
      const pending = await cancel(id);
      expect(pending.errors).toBeUndefined();
      expect(pending.data!.cancelTransfer!.cancelRequestedAt).toBeTruthy();
      expect(["REQUESTED", "IN_TRANSIT"]).toContain(pending.data!.cancelTransfer!.status);
    }
    expect(await stockOf(A, from)).toEqual({ BLANKET: 10 });

    await up(B);
    await settled(t.id, "CANCELLED");
    await settled(early.id, "CANCELLED");
    expect(await stockOf(A, from)).toEqual({ BLANKET: 40 });
    expect(await movements(A, t.id, "TRANSFER_IN")).toBe(1);
    expect(await movements(A, early.id, "TRANSFER_IN")).toBe(1);
    const late = await receive(t.id);
    expect(late.errors![0]!.extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
    expect((await receive(early.id)).errors![0]!.extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
    expect((await cancel(t.id)).errors![0]!.extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
    expect(await stockOf(B, to)).toEqual({});
    await expectConserved();
  });

  it("a crash between moving the stock and marking it moved does not move it twice", async () => {
    const from = await warehouse(A, { WATER: 30 });
    const to = await warehouse(B);
    const kept = await started(from, to, { WATER: 10 });
    const returned = await started(from, to, { WATER: 5 });
    await settled(kept.id, "IN_TRANSIT");
    await settled(returned.id, "IN_TRANSIT");
    expect((await receive(kept.id)).errors).toBeUndefined();
    expect((await cancel(returned.id)).data!.cancelTransfer!.status).toBe("CANCELLED");
    await settled(kept.id, "RECEIVED");
    // Both regions stop and come back believing the stock has still to be moved.
    await down(A);
    await down(B);
    for (const [side, collection, id] of [[A, "transfers_out", returned.id], [B, "transfers_in", kept.id]] as const) {
      const client = await connect(side.mongo.uri);
      await client.db(regionDbName(side.dbPrefix, side.code)).collection(collection).updateOne({ _id: new ObjectId(id.slice(-24)) }, { $set: { stockSettled: false } });
      await client.close();
    }
    await up(A);
    await up(B);
    expect(await stockOf(A, from)).toEqual({ WATER: 20 });
    expect(await stockOf(B, to)).toEqual({ WATER: 10 });
    expect(await movements(A, returned.id, "TRANSFER_IN")).toBe(1);
    expect(await movements(B, kept.id, "TRANSFER_IN")).toBe(1);
    expect(await db(A).collection("transfers_out").countDocuments({ stockSettled: false })).toBe(0);
    expect(await db(B).collection("transfers_in").countDocuments({ stockSettled: false })).toBe(0);
    await expectConserved();
  });
});

describe("service-to-service authentication", () => {
  async function post(jws: string) {
    const res = await fetch(`${B.host!.baseUrl}/KZ-43/inventory/messages`, { method: "POST", headers: { "content-type": "application/jose" }, body: jws });
    return { status: res.status, body: (await res.json()) as { errors?: Array<{ message: string }> } };
  }

  it("accepts only what the source region really signed, about its own transfers, for this region", async () => {
    const before = await db(B).collection("transfers_in").countDocuments();
    const to = await warehouse(B);
    const id = encodeId("Transfer", "KZ-75", new ObjectId());
    const body = (transferId: string, region = "KZ-75") => ({
      id: transferId,
      from: { region, warehouseId: encodeId("Warehouse", region, new ObjectId()), warehouseName: "x" },
      to: { region: "KZ-43", warehouseId: to, warehouseName: null },
      items: [{ item: "FOOD_KIT", quantity: 1000 }],
      requestedAt: new Date(),
      requestedBy: "forger",
    });
    const envelope = (b: unknown, to = "KZ-43") => ({ from: "KZ-75", to, subgraph: "inventory" as const, id: `m-${randomSuffix()}`, type: "transfer.deliver", body: b });

    // A key that is not KZ-75's, claiming to be KZ-75.
    const impostor = await RegionLink.create({ "KZ-75": await generatePrivateJwk() });
    const forged = await post(await impostor.sign(envelope(body(id))));
    expect(forged.status).toBe(401);
    expect(forged.body.errors![0]!.message).toBe("the message signature is invalid");

    // KZ-75's real key, but speaking for another region's transfer.
    const real = await RegionLink.create({ "KZ-75": A.key });
    const foreign = await post(await real.sign(envelope(body(encodeId("Transfer", "KZ-11", new ObjectId()), "KZ-11"))));
    expect(foreign.status).toBe(403);
    // KZ-75's real key, addressed to another region.
    expect((await post(await real.sign(envelope(body(id), "KZ-11")))).status).toBe(400);
    // No signature at all.
    expect((await post(JSON.stringify(envelope(body(id))))).status).toBe(401);
    // A region the registry does not know.
    const unknown = await RegionLink.create({ "KZ-11": await generatePrivateJwk() });
    expect((await post(await unknown.sign({ ...envelope(body(id)), from: "KZ-11" }))).status).toBe(401);

    expect(await db(B).collection("transfers_in").countDocuments()).toBe(before);
    expect(await stockOf(B, to)).toEqual({});
  });
});
