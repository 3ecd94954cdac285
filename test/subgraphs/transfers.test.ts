// Transfers between two regions, each on its own region host, its own MongoDB and its own
// signing key, over real HTTP: regions that go down and come back, a source restarted
// mid-flight, deliveries sent twice, cancellations racing receipts, forged messages, a
// region speaking for another's transfer, replies tampered with on the way.
// Every scenario ends with the stock of both regions (plus what is in transit) equal to
// everything ever donated, and each region's stock equal to its ledger.
import type http from "node:http";
import { ObjectId } from "bson";
import { CompactSign, importJWK, type JWK } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { stockInTransit, type TransferDoc } from "../../subgraphs/inventory/data/transfers.js";
import { listen, type Listening } from "../../subgraphs/kernel/http.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { generatePrivateJwk, publicPart } from "../../subgraphs/kernel/keys.js";
import { digestOf, RegionLink, type Envelope } from "../../subgraphs/host/link.js";
import { waitWithin } from "../../subgraphs/host/outbox.js";
import { regionDbName } from "../../subgraphs/kernel/mongo.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { postGraphQL, randomSuffix } from "../support/host.js";
import { connect } from "../support/mongo.js";
import { makeSide, startSide, stopSide, type Side } from "../support/pair.js";
import { expectLedgerMatchesStock } from "../support/ledger.js";
import { eventually } from "../support/wait.js";

/** As a host whose gateway gives a region REGION_TIMEOUT_MS = 2000 would run: it waits at most 800 ms on another region. */
const REGION_TIMEOUT_MS = 2000;
const RETRY = { baseMs: 20, maxMs: 250, idleMs: 250, timeoutMs: 3000, waitMs: waitWithin(REGION_TIMEOUT_MS) };
const silent = pino({ level: "silent" });
const LEASE_MS = 1000;

let A: Side; // the source, KZ-75
let B: Side; // the destination, KZ-43
const tokens: Record<string, string> = {};

/** Starts a side's region host on its own port and database; it knows the other side's address and public key. */
async function up(side: Side): Promise<void> {
  await startSide(side, side === A ? B : A, await buildSubgraphs(["inventory"]), silent, {
    retry: RETRY,
    // What a crash left is finished a lease after it began (and continuously after).
    leaseMs: LEASE_MS,
  });
}

const down = stopSide;

beforeAll(async () => {
  A = await makeSide("KZ-75", "aidgraph_trf");
  B = await makeSide("KZ-43", "aidgraph_trf");
  await up(A);
  await up(B);
  const host = A.host!;
  tokens.staffA = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staffB = await host.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  tokens.coordinator = await host.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  // A volunteer token names a volunteer record (its id).
  tokens.volunteer = await host.token({ sub: encodeId("Volunteer", "KZ-75", new ObjectId()), role: "VOLUNTEER" });
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

function gql<T = Record<string, unknown>>(
  side: Side,
  query: string,
  variables: Record<string, unknown> = {},
  token = side === A ? tokens.staffA : tokens.staffB,
) {
  return postGraphQL<T>(side.host!.url(side.code, "inventory"), query, variables, token);
}

async function warehouse(side: Side, stock: Record<string, number> = {}): Promise<string> {
  const res = await gql<{ addWarehouse: { id: string } }>(
    side,
    `mutation ($input: AddWarehouseInput!) { addWarehouse(input: $input) { id } }`,
    {
      input: { region: side.code, name: `Warehouse ${randomSuffix()}` },
    },
  );
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
  return gql<{ transferStock: TransferResult | null }>(
    A,
    TRANSFER,
    {
      input: {
        fromWarehouseId: from,
        toWarehouseId: to,
        items: Object.entries(items).map(([item, quantity]) => ({ item, quantity })),
        idempotencyKey: key,
      },
    },
    token,
  );
}

async function started(from: string, to: string, items: Record<string, number>): Promise<TransferResult> {
  const res = await transfer(from, to, items);
  expect(res.errors).toBeUndefined();
  return res.data!.transferStock!;
}

const receive = (id: string, token = tokens.staffB) =>
  gql<{ receiveTransfer: TransferResult | null }>(B, RECEIVE, { region: "KZ-43", id }, token);
const cancel = (id: string, token = tokens.staffA) => gql<{ cancelTransfer: TransferResult | null }>(A, CANCEL, { id }, token);

async function atSource(id: string): Promise<TransferResult> {
  const res = await gql<{ transfer: TransferResult }>(A, GET, { id }, tokens.coordinator);
  expect(res.errors).toBeUndefined();
  return res.data!.transfer;
}

async function settled(id: string, status: string) {
  const found = await eventually(
    () => atSource(id),
    (t) => t.status === status,
    `${id} ${status} at the source`,
  );
  // A cancellation's stock comes back right after its record says so (counted in transit until then).
  if (status === "CANCELLED") {
    await eventually(
      () =>
        db(A)
          .collection("transfers_out")
          .findOne({ _id: new ObjectId(id.slice(-24)) }),
      (doc) => doc?.stockSettled === true,
      `${id}'s stock back at the source`,
    );
  }
  return found;
}

async function stockOf(side: Side, warehouseId: string): Promise<Record<string, number>> {
  const doc = await db(side)
    .collection("warehouses")
    .findOne({ _id: new ObjectId(warehouseId.slice(-24)) });
  return Object.fromEntries(Object.entries(doc!.stock as Record<string, number>).filter(([, q]) => q !== 0));
}

const movements = (side: Side, transferId: string, kind: string) =>
  db(side).collection("stock_movements").countDocuments({ transferId, kind });
/** A link signing as `code` with `key`, which checks KZ-43's replies. */
async function signer(code: string, key: JWK): Promise<RegionLink> {
  const link = await RegionLink.create({ [code]: key });
  await link.setPeer("KZ-43", undefined, publicPart(B.key));
  return link;
}

const envelope = (from: string, type: string, body: unknown, id = `${type}:${String((body as { id: string }).id)}`): Envelope => ({
  from,
  to: "KZ-43",
  subgraph: "inventory",
  id,
  type,
  body,
});

/** Posts a message to KZ-43 signed by `link`; a 200's reply must be KZ-43's signed answer to that very message. */
async function sendToB(
  link: RegionLink,
  message: Envelope,
): Promise<{ status: number; reply?: { status: string; at?: string }; errors?: Array<{ message: string }> }> {
  const jws = await link.sign(message);
  const res = await fetch(`${B.host!.baseUrl}/KZ-43/inventory/messages`, {
    method: "POST",
    headers: { "content-type": "application/jose" },
    body: jws,
  });
  const body = (await res.json()) as { reply?: unknown; errors?: Array<{ message: string }> };
  if (res.status !== 200) return { status: res.status, errors: body.errors };
  expect(typeof body.reply).toBe("string");
  return { status: res.status, reply: (await link.verifyReply(body.reply, { ...message, digest: digestOf(jws) })) as { status: string } };
}

/** The transfer as the destination shows it (`Region.incomingTransfers`), or undefined. */
async function atDestination(id: string): Promise<Record<string, unknown> | undefined> {
  const res = await gql<{ _entities: Array<{ incomingTransfers: { nodes: Array<Record<string, unknown>> } }> }>(
    B,
    `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Region { incomingTransfers(first: 100) { nodes { ${TRANSFER_FIELDS} } } } } }`,
    { reps: [{ __typename: "Region", code: "KZ-43" }] },
  );
  expect(res.errors).toBeUndefined();
  return res.data!._entities[0].incomingTransfers.nodes.find((n) => n.id === id);
}

/** The destination keys its record by the whole transfer id, source region included. */
const incomingCount = (transferId: string) => db(B).collection<{ _id: string }>("transfers_in").countDocuments({ _id: transferId });

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
    // In transit as the national view counts it: each transfer once, by one side.
    for (const { item, quantity } of await stockInTransit(d)) add(item, quantity);
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
    expect(t.items).toEqual([
      { item: "FOOD_KIT", quantity: 30 },
      { item: "BLANKET", quantity: 5 },
    ]);
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
    // Recorded at the destination: the destination counts it in transit, the source no longer does.
    const inTransitAt = async (side: typeof A, code: string) =>
      (
        await gql<{ _entities: Array<{ stockInTransit: Array<{ item: string; quantity: number }> }> }>(
          side,
          `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Region { stockInTransit { item quantity } } } }`,
          { reps: [{ __typename: "Region", code }] },
          tokens.coordinator,
        )
      ).data!._entities[0].stockInTransit.filter((i) => i.quantity);
    expect(await inTransitAt(B, "KZ-43")).toEqual([
      { item: "FOOD_KIT", quantity: 30 },
      { item: "BLANKET", quantity: 5 },
    ]);
    expect(await inTransitAt(A, "KZ-75")).toEqual([]);
    await expectConserved();

    const received = await receive(t.id);
    expect(received.errors).toBeUndefined();
    expect(received.data!.receiveTransfer).toMatchObject({ id: t.id, status: "RECEIVED" });
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 30, BLANKET: 5 });
    const again = await receive(t.id);
    expect(again.errors![0].extensions).toMatchObject({ code: "CONFLICT", status: "RECEIVED" });
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
    const before = {
      out: await db(A).collection("transfers_out").countDocuments(),
      outbox: await db(A).collection("outbox").countDocuments(),
    };

    const tooMuch = await transfer(from, to, { FOOD_KIT: 11 });
    expect(tooMuch.errors![0].extensions).toMatchObject({ code: "INSUFFICIENT_STOCK", item: "FOOD_KIT", requested: 11, available: 10 });
    const wrongStaff = await transfer(from, to, { FOOD_KIT: 1 }, tokens.staffB);
    expect(wrongStaff.errors![0].extensions!.code).toBe("FORBIDDEN");
    const volunteer = await transfer(from, to, { FOOD_KIT: 1 }, tokens.volunteer);
    expect(volunteer.errors![0].extensions!.code).toBe("FORBIDDEN");
    const malformed = await transfer(from, "KZ-43:wh:nope", { FOOD_KIT: 1 });
    expect(malformed.errors![0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "input.toWarehouseId" } });
    const itself = await transfer(from, from, { FOOD_KIT: 1 });
    expect(itself.errors![0].message).toContain("input.toWarehouseId: must be another warehouse");
    const unknownRegion = await transfer(from, encodeId("Warehouse", "XX-1", new ObjectId()), { FOOD_KIT: 1 });
    expect(unknownRegion.errors![0].message).toContain('unknown region "XX-1"');
    const unlinked = await transfer(from, encodeId("Warehouse", "KZ-11", new ObjectId()), { FOOD_KIT: 1 });
    expect(unlinked.errors![0]).toMatchObject({ extensions: { code: "REGION_UNAVAILABLE", region: "KZ-11" } });
    expect(unlinked.errors![0].message).toContain("KZ-75 cannot send transfers to KZ-11");
    const zero = await transfer(from, to, { FOOD_KIT: 0 });
    expect(zero.errors![0].extensions!.code).toBe("BAD_USER_INPUT");

    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 10 });
    expect(await db(A).collection("transfers_out").countDocuments()).toBe(before.out);
    expect(await db(A).collection("outbox").countDocuments()).toBe(before.outbox);

    // Receiving is for the destination's staff; cancelling for the source's or a coordinator.
    const t = await started(from, to, { FOOD_KIT: 4 });
    await settled(t.id, "IN_TRANSIT");
    expect((await receive(t.id, tokens.staffA)).errors![0].extensions!.code).toBe("FORBIDDEN");
    expect((await receive(t.id, tokens.coordinator)).errors![0].extensions!.code).toBe("FORBIDDEN");
    expect((await cancel(t.id, tokens.staffB)).errors![0].extensions!.code).toBe("FORBIDDEN");
    const wrongRegion = await gql(B, RECEIVE, { region: "KZ-75", id: t.id });
    expect(wrongRegion.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "region" });
    const unknownTransfer = await receive(encodeId("Transfer", "KZ-75", new ObjectId()));
    expect(unknownTransfer.errors![0].extensions!.code).toBe("NOT_FOUND");
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
    const retrying = await eventually(
      () => atSource(t.id),
      (x) => (x.delivery?.attempts ?? 0) >= 3,
      "several delivery attempts",
    );
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
    await eventually(
      () => atSource(t.id),
      (x) => (x.delivery?.attempts ?? 0) >= 1,
      "a failed delivery attempt",
    );
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
    await d.collection("stock_operations").updateOne({ _id: oid }, { $set: { transferRecorded: false } });
    // Meanwhile the stock that left is in transit all the same: nothing is unaccounted for.
    expect((await stockInTransit(d)).filter((i) => i.quantity)).toEqual([{ item: "HYGIENE_KIT", quantity: 9 }]);
    await client.close();

    await up(A);
    await up(B);
    // Within a lease of the step (another replica may have been finishing it), recovery does.
    await eventually(
      () => db(A).collection("transfers_out").countDocuments({ _id: oid }),
      (n) => n === 1,
      "recovery records the transfer",
    );
    const delivered = await settled(t.id, "IN_TRANSIT");
    expect(delivered.items).toEqual([{ item: "HYGIENE_KIT", quantity: 9 }]);
    expect(await stockOf(A, from)).toEqual({ HYGIENE_KIT: 21 });
    expect(await incomingCount(t.id)).toBe(1);
    await expectConserved();
  });
});

describe("a failure between the stock leaving and its record (no crash)", () => {
  it("keeps the stock in transit, and a retry with the same key stores the record and delivers it", async () => {
    const from = await warehouse(A, { CLOTHING: 14 });
    const to = await warehouse(B);
    await down(B);
    const key = `trf-${randomSuffix()}`;
    const t = (await transfer(from, to, { CLOTHING: 5 }, tokens.staffA, key)).data!.transferStock!;
    const oid = new ObjectId(t.id.slice(-24));
    await db(A).collection("transfers_out").deleteOne({ _id: oid });
    await db(A).collection("outbox").deleteMany({});
    await db(A)
      .collection("stock_operations")
      .updateOne({ _id: oid }, { $set: { transferRecorded: false } });
    const clothing = async () => (await stockInTransit(db(A))).find((i) => String(i.item) === "CLOTHING")!.quantity;
    expect(await clothing()).toBeGreaterThanOrEqual(5);
    const before = await clothing();
    const retry = await transfer(from, to, { CLOTHING: 5 }, tokens.staffA, key);
    expect(retry.data!.transferStock!.id).toBe(t.id);
    expect(await clothing()).toBe(before);
    await up(B);
    await settled(t.id, "IN_TRANSIT");
    expect(await stockOf(A, from)).toEqual({ CLOTHING: 9 });
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
    const link = await signer("KZ-75", A.key);
    const out = await db(A)
      .collection<TransferDoc>("transfers_out")
      .findOne({ _id: new ObjectId(t.id.slice(-24)) });
    const body = {
      id: t.id,
      from: out!.from,
      to: { ...out!.to, warehouseName: null },
      items: out!.items,
      requestedAt: out!.requestedAt,
      requestedBy: out!.requestedBy,
    };
    const send = () => sendToB(link, envelope("KZ-75", "transfer.deliver", body));
    const replies = [await send(), ...(await Promise.all(Array.from({ length: 5 }, send)))];
    expect(replies.map((r) => [r.status, r.reply!.status])).toEqual(Array(6).fill([200, "IN_TRANSIT"]));
    expect(await incomingCount(t.id)).toBe(1);

    const receipts = await Promise.all(Array.from({ length: 5 }, () => receive(t.id)));
    expect(receipts.filter((r) => !r.errors).length).toBe(1);
    expect(receipts.filter((r) => r.errors?.[0]?.extensions?.code === "CONFLICT").length).toBe(4);
    expect(await movements(B, t.id, "TRANSFER_IN")).toBe(1);
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 7 });
    expect((await send()).reply!.status).toBe("RECEIVED");
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
      const [cancelled, received] = await Promise.all([
        cancel(t.id),
        new Promise((r) => setTimeout(r, round * 4)).then(() => receive(t.id)),
      ]);
      const cancelWon = !cancelled.errors && cancelled.data!.cancelTransfer!.status === "CANCELLED";
      const receiveWon = !received.errors;
      expect([cancelWon, receiveWon]).toContainEqual(true);
      expect(cancelWon && receiveWon).toBe(false);
      const loser = cancelWon ? received : cancelled;
      expect(loser.errors![0].extensions).toMatchObject({ code: "CONFLICT", status: cancelWon ? "CANCELLED" : "RECEIVED" });
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
    expect(late.errors![0].extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
    expect((await receive(early.id)).errors![0].extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
    expect((await cancel(t.id)).errors![0].extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
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
    for (const [side, collection, key] of [
      [A, "transfers_out", new ObjectId(returned.id.slice(-24))],
      [B, "transfers_in", kept.id],
    ] as const) {
      const client = await connect(side.mongo.uri);
      await client
        .db(regionDbName(side.dbPrefix, side.code))
        .collection<{ _id: ObjectId | string }>(collection)
        .updateOne({ _id: key }, { $set: { stockSettled: false } });
      await client.close();
    }
    await up(A);
    await up(B);
    await eventually(
      async () =>
        (await db(A).collection("transfers_out").countDocuments({ stockSettled: false })) +
        (await db(B).collection("transfers_in").countDocuments({ stockSettled: false })),
      (n) => n === 0,
      "recovery settles both transfers' stock",
    );
    expect(await stockOf(A, from)).toEqual({ WATER: 20 });
    expect(await stockOf(B, to)).toEqual({ WATER: 10 });
    expect(await movements(A, returned.id, "TRANSFER_IN")).toBe(1);
    expect(await movements(B, kept.id, "TRANSFER_IN")).toBe(1);
    expect(await db(A).collection("transfers_out").countDocuments({ stockSettled: false })).toBe(0);
    expect(await db(B).collection("transfers_in").countDocuments({ stockSettled: false })).toBe(0);
    await expectConserved();
  });
});

describe("a partition: the other region hangs, or the source is down", () => {
  /** KZ-43's port taken by a server that accepts every connection and never answers. */
  async function hangB(): Promise<Listening> {
    await down(B);
    return listen(() => {
      /* never answers */
    }, B.port);
  }

  it("cancel with a hanging destination answers within the region timeout: the recorded state, and a notice naming the destination", async () => {
    const from = await warehouse(A, { MASK: 12 });
    const to = await warehouse(B);
    const t = await started(from, to, { MASK: 7 });
    await settled(t.id, "IN_TRANSIT");
    const hanging = await hangB();
    try {
      const began = performance.now();
      const res = await cancel(t.id);
      const took = performance.now() - began;
      expect(took).toBeLessThan(REGION_TIMEOUT_MS);
      expect(res.errors).toBeUndefined();
      expect(res.data!.cancelTransfer).toMatchObject({ id: t.id, status: "IN_TRANSIT" });
      expect(res.data!.cancelTransfer!.cancelRequestedAt).toBeTruthy();
      expect(res.extensions?.notices).toEqual([
        {
          code: "AWAITING_REGION",
          region: "KZ-43",
          path: ["cancelTransfer"],
          message: expect.stringMatching(/^KZ-43 has not answered yet/) as string,
        },
      ]);
      // Asked again while it still hangs: the same honest answer, nothing recorded twice.
      const again = await cancel(t.id);
      expect(again.data!.cancelTransfer!.cancelRequestedAt).toBe(res.data!.cancelTransfer!.cancelRequestedAt);
      // In a batch (run without Apollo's pipeline): the same answer, its notice included.
      const batched = await fetch(`${A.host!.baseUrl}/KZ-75/batch`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens.staffA}` },
        body: JSON.stringify({ requests: [{ subgraph: "inventory", query: CANCEL, variables: { id: t.id } }] }),
      });
      const [inBatch] = ((await batched.json()) as { responses: Array<{ status: number; body: Record<string, unknown> }> }).responses;
      const { status: _status, ...alone } = again;
      expect(inBatch).toEqual({ status: 200, body: alone });
      expect((inBatch.body.extensions as { notices: unknown[] }).notices).toHaveLength(1);
      expect(await stockOf(A, from)).toEqual({ MASK: 5 });
    } finally {
      await hanging.close();
      await up(B);
    }
    // The recorded cancellation takes effect once the destination answers.
    await settled(t.id, "CANCELLED");
    expect(await stockOf(A, from)).toEqual({ MASK: 12 });
    expect(await movements(A, t.id, "TRANSFER_IN")).toBe(1);
    await expectConserved();
  });

  it("a destination that answers at once: cancelled in the same call, no notice", async () => {
    const from = await warehouse(A, { MASK: 3 });
    const to = await warehouse(B);
    const t = await started(from, to, { MASK: 3 });
    await settled(t.id, "IN_TRANSIT");
    const res = await cancel(t.id);
    expect(res.data!.cancelTransfer!.status).toBe("CANCELLED");
    expect(res.extensions?.notices).toBeUndefined();
  });

  it("the destination receives while the source is down: stock + in transit = everything donated at every moment (sampled every 100 ms)", async () => {
    const from = await warehouse(A, { FOOD_KIT: 50, WATER: 20 });
    const to = await warehouse(B, { WATER: 4 });
    const t = await started(from, to, { FOOD_KIT: 30, WATER: 8 });
    await settled(t.id, "IN_TRANSIT");
    // Straight from both databases, so the source's figures count while its host is down.
    const clients = await Promise.all([A, B].map((side) => connect(side.mongo.uri)));
    const dbs = [A, B].map((side, i) => clients[i].db(regionDbName(side.dbPrefix, side.code)));
    const snapshot = async () => {
      const totals: Record<string, number> = {};
      const add = (item: string, q: number) => (totals[item] = (totals[item] ?? 0) + q);
      for (const d of dbs) {
        for (const w of await d.collection("warehouses").find().toArray()) {
          for (const [item, q] of Object.entries(w.stock as Record<string, number>)) add(item, q);
        }
        for (const { item, quantity } of await stockInTransit(d)) add(item, quantity);
        for (const m of await d.collection("stock_movements").find({ kind: "DONATION_IN" }).toArray())
          add(`donated ${m.item as string}`, m.quantity as number);
      }
      return JSON.stringify(
        Object.entries(totals)
          .filter(([, q]) => q !== 0)
          .sort(),
      );
    };
    /** A sample taken while nothing moved (two reads in a row agree): what the national view would add up. */
    const sample = async () => {
      for (;;) {
        const [first, second] = [await snapshot(), await snapshot()];
        if (first === second) return JSON.parse(first) as Array<[string, number]>;
      }
    };
    const broken: string[] = [];
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const totals = new Map(await sample());
        samples++;
        for (const [key, q] of totals) {
          if (!key.startsWith("donated ")) continue;
          const item = key.slice("donated ".length);
          if ((totals.get(item) ?? 0) !== q) broken.push(`${item}: ${totals.get(item) ?? 0} held or in transit, ${q} donated`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await down(A);
      const received = await receive(t.id);
      expect(received.errors).toBeUndefined();
      // The source stays down a while: its record still says IN_TRANSIT.
      await new Promise((resolve) => setTimeout(resolve, 800));
      await up(A);
      await settled(t.id, "RECEIVED");
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      sampling = false;
      await sampler;
      await Promise.all(clients.map((c) => c.close()));
    }
    expect(samples).toBeGreaterThanOrEqual(8);
    expect(broken).toEqual([]);
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 30, WATER: 12 });
    await expectConserved();
  });
});

describe("stock in transit while a receipt is half applied (a crash between its steps)", () => {
  it("counts a line in transit until its stock is in the warehouse: reserved or recorded lines are not counted again", async () => {
    const from = await warehouse(A, { HYGIENE_KIT: 10 });
    const to = await warehouse(B);
    const t = await started(from, to, { HYGIENE_KIT: 6 });
    await settled(t.id, "IN_TRANSIT");
    expect((await receive(t.id)).errors).toBeUndefined();
    // Other transfers of this file may still be on their way: only this one's change counts.
    const inTransit = async () => (await stockInTransit(db(B))).find((i) => String(i.item) === "HYGIENE_KIT")!.quantity;
    const base = await inTransit();
    const kits = async () => (await inTransit()) - base;
    const incoming = db(B).collection<{ _id: string }>("transfers_in");
    const op = await db(B).collection<{ _id: ObjectId }>("stock_operations").findOne({ transferId: t.id, type: "TRANSFER_IN" });
    const line = `${op!._id.toHexString()}:0`;
    const warehouseId = new ObjectId(to.slice(-24));

    // The flag that says the stock moved was never written, but the operation completed.
    await incoming.updateOne({ _id: t.id }, { $set: { stockSettled: false } });
    expect(await kits()).toBe(0);
    // The operation reserved its line (the stock is in) and stopped before recording it.
    await db(B)
      .collection("stock_operations")
      .updateOne({ _id: op!._id }, { $set: { status: "PENDING" } });
    await db(B).collection("stock_movements").deleteOne({ line });
    await db(B)
      .collection("warehouses")
      .updateOne({ _id: warehouseId }, { $push: { pendingOps: line } } as never);
    expect(await kits()).toBe(0);
    // Not even reserved yet: the stock is not in the warehouse, so it is still in transit.
    await db(B)
      .collection("warehouses")
      .updateOne({ _id: warehouseId }, { $pull: { pendingOps: line }, $inc: { "stock.HYGIENE_KIT": -6 } } as never);
    expect(await kits()).toBe(6);
    expect(await stockOf(B, to)).toEqual({});
    // Start-up recovery finishes it: once, and nothing in transit any more.
    await down(B);
    await up(B);
    await eventually(kits, (q) => q === 0, "receipt settled");
    expect(await stockOf(B, to)).toEqual({ HYGIENE_KIT: 6 });
    await expectConserved();
  });
});

describe("service-to-service authentication", () => {
  async function post(jws: string) {
    const res = await fetch(`${B.host!.baseUrl}/KZ-43/inventory/messages`, {
      method: "POST",
      headers: { "content-type": "application/jose" },
      body: jws,
    });
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
    const envelope = (b: unknown, to = "KZ-43") => ({
      from: "KZ-75",
      to,
      subgraph: "inventory" as const,
      id: `m-${randomSuffix()}`,
      type: "transfer.deliver",
      body: b,
    });

    // A key that is not KZ-75's, claiming to be KZ-75.
    const impostor = await RegionLink.create({ "KZ-75": await generatePrivateJwk() });
    const forged = await post(await impostor.sign(envelope(body(id))));
    expect(forged.status).toBe(401);
    expect(forged.body.errors![0].message).toBe("the message signature is invalid");

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

describe("a region speaks only for itself", () => {
  it("checks what another region says like client input: its own warehouses, bounded plain text, real message types", async () => {
    const k11 = await generatePrivateJwk();
    await B.host!.link.setPeer("KZ-11", undefined, publicPart(k11));
    const kz11 = await signer("KZ-11", k11);
    const to = await warehouse(B);
    const body = (over: Record<string, unknown> = {}) => ({
      id: encodeId("Transfer", "KZ-11", new ObjectId()),
      from: { region: "KZ-11", warehouseId: encodeId("Warehouse", "KZ-11", new ObjectId()), warehouseName: "Kokshetau" },
      to: { region: "KZ-43", warehouseId: to, warehouseName: null },
      items: [{ item: "WATER", quantity: 1 }],
      requestedAt: new Date(),
      requestedBy: "REGIONAL_STAFF:staff-11",
      ...over,
    });
    const fromKz75 = await warehouse(A);
    const stolen = await sendToB(
      kz11,
      envelope("KZ-11", "transfer.deliver", body({ from: { region: "KZ-11", warehouseId: fromKz75, warehouseName: "x" } })),
    );
    expect(stolen.status).toBe(403);
    for (const bad of [
      body({
        from: { region: "KZ-11", warehouseId: encodeId("Warehouse", "KZ-11", new ObjectId()), warehouseName: "Kokshetau\u202Egnp.exe" },
      }),
      body({ from: { region: "KZ-11", warehouseId: encodeId("Warehouse", "KZ-11", new ObjectId()), warehouseName: "x".repeat(5000) } }),
      body({ requestedBy: "REGIONAL_STAFF:mallory\n" }),
      body({ to: { region: "KZ-43", warehouseId: encodeId("Warehouse", "KZ-75", new ObjectId()), warehouseName: null } }),
    ]) {
      const res = await sendToB(kz11, envelope("KZ-11", "transfer.deliver", bad));
      expect(res.status).toBe(400);
      expect(await atDestination(bad.id)).toBeUndefined();
    }
    // A tombstone (a cancel before the delivery) names this region's warehouse as this region does.
    const early = body({ to: { region: "KZ-43", warehouseId: to, warehouseName: "Not your name" } });
    expect((await sendToB(kz11, envelope("KZ-11", "transfer.cancel", early))).status).toBe(200);
    expect(((await atDestination(early.id)) as { to: { warehouseName: string } }).to.warehouseName).toMatch(/^Warehouse /);
    for (const type of ["constructor", "toString", "hasOwnProperty", "__proto__"]) {
      const res = await sendToB(kz11, envelope("KZ-11", type, body()));
      expect(res.status).toBe(400);
      expect(res.errors![0].message).toBe(`inventory does not handle ${type} messages`);
    }
  });

  it("news signed by KZ-11 under the ObjectId of a KZ-75 transfer reaches only KZ-11's own record: KZ-75's stays intact and receivable", async () => {
    // KZ-11 is a region KZ-43 knows, with a valid key of its own.
    const k11 = await generatePrivateJwk();
    await B.host!.link.setPeer("KZ-11", undefined, publicPart(k11));
    const kz11 = await signer("KZ-11", k11);
    const from = await warehouse(A, { WATER: 30 });
    const to = await warehouse(B);
    const t = await started(from, to, { WATER: 12 });
    await settled(t.id, "IN_TRANSIT");
    const before = await atDestination(t.id);
    expect(before).toMatchObject({ status: "IN_TRANSIT", from: { region: { code: "KZ-75" } } });

    const spoofed = `KZ-11:trf:${t.id.slice(-24)}`;
    const body = {
      id: spoofed,
      from: { region: "KZ-11", warehouseId: encodeId("Warehouse", "KZ-11", new ObjectId()), warehouseName: "Kokshetau" },
      to: { region: "KZ-43", warehouseId: to, warehouseName: null },
      items: [{ item: "WATER", quantity: 12 }],
      requestedAt: new Date(),
      requestedBy: "staff-11",
      cancelledBy: "staff-11",
    };
    // Cancellation: KZ-11 cancels only its own (so far unknown) transfer: a tombstone.
    const cancelled = await sendToB(kz11, envelope("KZ-11", "transfer.cancel", body));
    expect(cancelled).toMatchObject({ status: 200, reply: { status: "CANCELLED" } });
    expect(await atDestination(t.id)).toEqual(before);
    expect(await atDestination(spoofed)).toMatchObject({ status: "CANCELLED", from: { region: { code: "KZ-11" } } });
    // Delivery: the answer is about KZ-11's record, never KZ-75's.
    const delivered = await sendToB(kz11, envelope("KZ-11", "transfer.deliver", body));
    expect(delivered).toMatchObject({ status: 200, reply: { status: "CANCELLED" } });
    // Under KZ-75's id, KZ-11's signature is refused outright.
    for (const claim of [
      { ...body, id: t.id },
      { ...body, id: t.id, from: { ...body.from, region: "KZ-75" } },
    ]) {
      const refused = await sendToB(kz11, envelope("KZ-11", "transfer.cancel", claim));
      expect(refused.status).toBe(403);
      expect(refused.errors![0].message).toBe("KZ-11 may only send news of its own transfers, from its own warehouses");
    }

    expect(await atDestination(t.id)).toEqual(before);
    expect(await incomingCount(t.id)).toBe(1);
    expect(await atSource(t.id)).toMatchObject({ status: "IN_TRANSIT", cancelRequestedAt: null, cancelReason: null });
    expect(await stockOf(A, from)).toEqual({ WATER: 18 });
    expect(await movements(A, t.id, "TRANSFER_IN")).toBe(0);

    const received = await receive(t.id);
    expect(received.errors).toBeUndefined();
    expect(received.data!.receiveTransfer).toMatchObject({ id: t.id, status: "RECEIVED", items: [{ item: "WATER", quantity: 12 }] });
    expect((await receive(spoofed)).errors![0].extensions).toMatchObject({ code: "CONFLICT", status: "CANCELLED" });
    expect(await atDestination(spoofed)).toMatchObject({ status: "CANCELLED" });
    await settled(t.id, "RECEIVED");
    expect(await stockOf(B, to)).toEqual({ WATER: 12 });
    await expectConserved();
  });

  it("incoming records stored under the bare ObjectId move to the whole id at start-up, once, and stay receivable", async () => {
    const from = await warehouse(A, { MEDICINE: 20 });
    const to = await warehouse(B);
    const moved = await started(from, to, { MEDICINE: 5 });
    const halfMoved = await started(from, to, { MEDICINE: 3 });
    await settled(moved.id, "IN_TRANSIT");
    await settled(halfMoved.id, "IN_TRANSIT");
    await down(B);
    const client = await connect(B.mongo.uri);
    const stored = client.db(regionDbName(B.dbPrefix, "KZ-43")).collection<{ _id: ObjectId | string }>("transfers_in");
    for (const [t, crashedMidMove] of [
      [moved, false],
      [halfMoved, true],
    ] as const) {
      const doc = (await stored.findOne({ _id: t.id }))!;
      // A crash between copying and deleting leaves both.
      if (!crashedMidMove) await stored.deleteOne({ _id: t.id });
      await stored.insertOne({ ...doc, _id: new ObjectId(t.id.slice(-24)) });
    }
    await client.close();

    await up(B);
    expect(
      await db(B)
        .collection("transfers_in")
        .countDocuments({ _id: { $not: { $type: "string" } } }),
    ).toBe(0);
    for (const t of [moved, halfMoved]) {
      expect(await incomingCount(t.id)).toBe(1);
      expect((await receive(t.id)).data!.receiveTransfer).toMatchObject({ id: t.id, status: "RECEIVED" });
      await settled(t.id, "RECEIVED");
    }
    expect(await stockOf(B, to)).toEqual({ MEDICINE: 8 });
    await expectConserved();
  });
});

// ---- replies -------------------------------------------------------------------------

/** What the proxy in front of KZ-43 answers instead of KZ-43's answer (null: KZ-43's answer). */
type Rewrite = (answer: { status: number; text: string; path: string }) => Promise<Answer> | Answer;
interface Answer {
  status: number;
  text: string;
  headers?: Record<string, string>;
}

interface Proxy {
  url: string;
  rewrite: Rewrite | null;
  /** Every answer of KZ-43's that passed through, as it was. */
  seen: string[];
}

/** Runs `run` with KZ-75's messages to KZ-43 going through a proxy that `run` controls. */
async function throughProxy(run: (proxy: Proxy) => Promise<void>): Promise<void> {
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const upstream = await fetch(`${B.host!.baseUrl}${req.url}`, {
        method: req.method,
        headers: { "content-type": "application/jose" },
        body: Buffer.concat(chunks),
      });
      const answer = { status: upstream.status, text: await upstream.text(), path: req.url ?? "/" };
      proxy.seen.push(answer.text);
      const out: Answer = proxy.rewrite ? await proxy.rewrite(answer) : answer;
      res.writeHead(out.status, { "content-type": "application/json", ...out.headers }).end(out.text);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  };
  const server: Listening = await listen((req, res) => void forward(req, res));
  const proxy: Proxy = { url: server.url, rewrite: null, seen: [] };
  await A.host!.link.setPeer("KZ-43", { baseUrl: proxy.url });
  try {
    await run(proxy);
  } finally {
    await A.host!.link.setPeer("KZ-43", { baseUrl: `http://127.0.0.1:${B.port}` });
    await server.close();
  }
}

const replyOf = (text: string) => (JSON.parse(text) as { reply: string }).reply;
const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
/** The same JWS with another payload: its signature no longer fits. */
const withPayload = (jws: string, payload: unknown) => {
  const [header, , signature] = jws.split(".");
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${signature}`;
};
const signedBy = async (payload: unknown, key: JWK, kid: string) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", kid })
    .sign(await importJWK(key, "EdDSA"));
const answer = (reply: unknown): Answer => ({ status: 200, text: JSON.stringify({ reply }) });

const outboxDoc = (id: string) =>
  db(A).collection<{ _id: string; attempts: number; lastError: string | null }>("outbox").findOne({ _id: id });
/** Waits until the message is acknowledged: its reply applied, it is gone from the outbox. */
const acknowledged = (messageId: string) =>
  eventually(
    () => outboxDoc(messageId),
    (m) => m === null,
    `${messageId} acknowledged`,
  );

/** Waits for an attempt after the `after`th that failed saying `why`. */
const failedWith = (messageId: string, why: string, after: number) =>
  eventually(
    async () => {
      const m = await outboxDoc(messageId);
      if (!m) throw new Error(`${messageId} left the outbox: a reply was accepted where "${why}" was expected`);
      return m;
    },
    (m) => m.attempts > after && (m.lastError ?? "").includes(why),
    `${messageId}: an attempt failing with "${why}"`,
  );

describe("replies are signed by the region a message went to, for that very message", () => {
  it("a reply rewritten on the way to {status: CANCELLED} is refused: the source neither cancels nor takes its stock back, and sends again", async () => {
    const from = await warehouse(A, { FOOD_KIT: 40 });
    const to = await warehouse(B);
    let t: TransferResult | undefined;
    await throughProxy(async (proxy) => {
      proxy.rewrite = () => answer({ status: "CANCELLED" });
      t = await started(from, to, { FOOD_KIT: 15 });
      await failedWith(`transfer.deliver:${t.id}`, "KZ-43 answered without a signed reply", 1);
      const shown = await atSource(t.id);
      expect(shown).toMatchObject({ status: "REQUESTED", cancelReason: null });
      expect(shown.delivery!.attempts).toBeGreaterThanOrEqual(2);
      expect(shown.delivery!.lastError).toBe("KZ-43 answered without a signed reply");
      expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 25 });
      expect(await movements(A, t.id, "TRANSFER_IN")).toBe(0);
      // The message itself did arrive: the destination holds the transfer, in transit.
      expect(await atDestination(t.id)).toMatchObject({ status: "IN_TRANSIT" });

      proxy.rewrite = null;
      expect(await acknowledged(`transfer.deliver:${t.id}`)).toBeNull();
      expect(await atSource(t.id)).toMatchObject({ status: "IN_TRANSIT", delivery: null });
    });
    expect((await receive(t!.id)).errors).toBeUndefined();
    await settled(t!.id, "RECEIVED");
    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 25 });
    expect(await stockOf(B, to)).toEqual({ FOOD_KIT: 15 });
    await expectConserved();
  });

  it("a genuine reply altered, or one answering another message or an earlier attempt, is refused too", async () => {
    const from = await warehouse(A, { FOOD_KIT: 40 });
    const to = await warehouse(B);
    let t: TransferResult | undefined;
    await throughProxy(async (proxy) => {
      // KZ-43's genuine CANCELLED, to another transfer's cancellation.
      const other = await started(from, to, { FOOD_KIT: 10 });
      await settled(other.id, "IN_TRANSIT");
      expect((await cancel(other.id)).data!.cancelTransfer!.status).toBe("CANCELLED");
      const otherCancelled = proxy.seen.map(replyOf).find((r) => payloadOf(r).type === "transfer.cancel.reply")!;
      expect(payloadOf(otherCancelled)).toMatchObject({
        iss: "KZ-43",
        aud: "KZ-75",
        jti: `transfer.cancel:${other.id}`,
        body: { status: "CANCELLED" },
      });

      // KZ-43's real reply, its body changed to CANCELLED.
      proxy.rewrite = (a) => answer(withPayload(replyOf(a.text), { ...payloadOf(replyOf(a.text)), body: { status: "CANCELLED" } }));
      t = await started(from, to, { FOOD_KIT: 15 });
      const id = `transfer.deliver:${t.id}`;
      let m = await failedWith(id, "the reply signature is invalid", 1);
      // A genuine CANCELLED of KZ-43's, but answering another message.
      proxy.rewrite = () => answer(otherCancelled);
      m = await failedWith(
        id,
        `the reply from KZ-43 answers another message (transfer.cancel.reply transfer.cancel:${other.id})`,
        m.attempts,
      );
      // KZ-43's genuine reply to this message, but to an earlier attempt of it.
      const earlier = proxy.seen.map(replyOf).find((r) => payloadOf(r).jti === id)!;
      proxy.rewrite = () => answer(earlier);
      await failedWith(id, `the reply from KZ-43 answers another message (transfer.deliver.reply ${id})`, m.attempts);

      expect(await atSource(t.id)).toMatchObject({ status: "REQUESTED", cancelReason: null });
      expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 25 });
      expect(await movements(A, t.id, "TRANSFER_IN")).toBe(0);

      proxy.rewrite = null;
      expect(await acknowledged(`transfer.deliver:${t.id}`)).toBeNull();
      expect(await atSource(t.id)).toMatchObject({ status: "IN_TRANSIT", delivery: null });
    });
    expect((await receive(t!.id)).errors).toBeUndefined();
    await settled(t!.id, "RECEIVED");
    expect(await stockOf(A, from)).toEqual({ FOOD_KIT: 25 });
    await expectConserved();
  });

  it("a reply signed by another region than the one the message went to is refused, even with a key the source knows", async () => {
    const k11 = await generatePrivateJwk();
    await A.host!.link.setPeer("KZ-11", undefined, publicPart(k11));
    const from = await warehouse(A, { BLANKET: 20 });
    const to = await warehouse(B);
    const t = await started(from, to, { BLANKET: 8 });
    await settled(t.id, "IN_TRANSIT");
    await throughProxy(async (proxy) => {
      // KZ-11 signs KZ-43's answer (CANCELLED: the destination did cancel) as its own…
      proxy.rewrite = async (a) => answer(await signedBy({ ...payloadOf(replyOf(a.text)), iss: "KZ-11" }, k11, "KZ-11"));
      const pending = await cancel(t.id);
      expect(pending.errors).toBeUndefined();
      expect(pending.data!.cancelTransfer).toMatchObject({ status: "IN_TRANSIT", cancelledAt: null });
      expect(pending.data!.cancelTransfer!.cancelRequestedAt).toBeTruthy();
      const id = `transfer.cancel:${t.id}`;
      const m = await failedWith(id, 'the reply is signed by "KZ-11", not by KZ-43, which the message went to', 0);
      // …or with KZ-43's name on it.
      proxy.rewrite = async (a) => answer(await signedBy(payloadOf(replyOf(a.text)), k11, "KZ-43"));
      await failedWith(id, "the reply signature is invalid", m.attempts);
      expect(await stockOf(A, from)).toEqual({ BLANKET: 12 });
      expect(await movements(A, t.id, "TRANSFER_IN")).toBe(0);
      expect((await atSource(t.id)).status).toBe("IN_TRANSIT");

      proxy.rewrite = null;
      expect(await acknowledged(`transfer.cancel:${t.id}`)).toBeNull();
    });
    expect((await atSource(t.id)).status).toBe("CANCELLED");
    expect(await stockOf(A, from)).toEqual({ BLANKET: 20 });
    expect(await movements(A, t.id, "TRANSFER_IN")).toBe(1);
    await expectConserved();
  });

  it("a reply counts only from the addressed region, to the sender, for that message's type, id and signed form", async () => {
    const k11 = await generatePrivateJwk();
    const kz75 = await signer("KZ-75", A.key);
    await kz75.setPeer("KZ-11", undefined, publicPart(k11));
    const kz43 = await RegionLink.create({ "KZ-43": B.key });
    await kz43.setPeer("KZ-75", undefined, publicPart(A.key));
    const jws = await kz75.sign(envelope("KZ-75", "transfer.deliver", { id: "x" }, "m-1"));
    const message = await kz43.verify(jws, "KZ-43", "inventory");
    expect(message.digest).toBe(digestOf(jws));
    const reply = await kz43.signReply(message, { status: "IN_TRANSIT" });
    expect(await kz75.verifyReply(reply, message)).toEqual({ status: "IN_TRANSIT" });

    const refused = (r: unknown, m = message) => expect(kz75.verifyReply(r, m)).rejects.toThrow();
    await refused(reply, { ...message, id: "m-2" });
    await refused(reply, { ...message, type: "transfer.cancel" });
    await refused(reply, { ...message, digest: digestOf(`${jws}x`) });
    await refused(reply, { ...message, from: "KZ-11" });
    await refused(reply, { ...message, to: "KZ-11" });
    await refused({ status: "IN_TRANSIT" });
    await refused(undefined);
    const k11Link = await RegionLink.create({ "KZ-11": k11 });
    await refused(await k11Link.signReply({ ...message, to: "KZ-11" }, { status: "CANCELLED" }));
    // A reply is never taken for a message, nor a message for a reply.
    const kz75Receiving = await RegionLink.create({ "KZ-75": A.key });
    await kz75Receiving.setPeer("KZ-43", undefined, publicPart(B.key));
    await expect(kz75Receiving.verify(reply, "KZ-75", "inventory")).rejects.toThrow("a reply is not a message");
    await refused(
      await kz43.sign({
        from: "KZ-43",
        to: "KZ-75",
        subgraph: "inventory",
        id: "m-1",
        type: "transfer.deliver.reply",
        body: { status: "CANCELLED" },
      }),
    );
  });

  it("a peer answering with a redirect is a failed attempt: messages never follow one", async () => {
    const from = await warehouse(A, { HYGIENE_KIT: 10 });
    const to = await warehouse(B);
    await throughProxy(async (proxy) => {
      proxy.rewrite = (a) => ({ status: 307, text: "", headers: { location: `${B.host!.baseUrl}${a.path}` } });
      const t = await started(from, to, { HYGIENE_KIT: 4 });
      await failedWith(`transfer.deliver:${t.id}`, "KZ-43 not reached: it answered with a redirect, which messages never follow", 1);
      expect((await atSource(t.id)).status).toBe("REQUESTED");
      proxy.rewrite = null;
      expect(await acknowledged(`transfer.deliver:${t.id}`)).toBeNull();
      expect((await atSource(t.id)).status).toBe("IN_TRANSIT");
    });
    await expectConserved();
  });
});

describe("production", () => {
  it("refuses a registry giving a plain-http address of a region this host may message, naming the entry", async () => {
    const demo = RegionRegistry.load();
    const entry = (code: string, base?: string, key?: JWK) => ({
      ...demo.require(code),
      ...(base ? { subgraphs: { inventory: `${base}/${code}/inventory/graphql`, events: `${base}/${code}/events/graphql` } } : {}),
      ...(key ? { publicKey: publicPart(key) } : {}),
    });
    // KZ-75 is served here (no address: its host's own); KZ-11 publishes no key, so it is never messaged.
    const registry = (kz43: string) =>
      RegionRegistry.parse(
        { regions: [entry("KZ-75"), entry("KZ-43", kz43, B.key), entry("KZ-11", "http://gateway-only.internal")] },
        "test",
      );
    const production = { production: true };

    await expect(RegionLink.create({ "KZ-75": A.key }, registry("http://kz43.example"), production)).rejects.toThrow(
      'region registry: regions.1.subgraphs.inventory (KZ-43): must be an https:// URL with NODE_ENV=production, not "http://kz43.example/KZ-43/inventory/graphql"; regions.1.subgraphs.events (KZ-43)',
    );
    const servedOverHttp = RegionRegistry.parse(
      { regions: [entry("KZ-75", "http://kz75.example"), entry("KZ-43", "https://kz43.example", B.key)] },
      "test",
    );
    await expect(RegionLink.create({ "KZ-75": A.key }, servedOverHttp, production)).rejects.toThrow(
      "regions.0.subgraphs.inventory (KZ-75)",
    );

    const link = await RegionLink.create({ "KZ-75": A.key }, registry("https://kz43.example"), production);
    expect(link.endpoint("KZ-43", "inventory")).toBe("https://kz43.example/KZ-43/inventory/messages");
    expect(link.unreachable("KZ-75", "KZ-11", "inventory")).toBe("no public key is known for KZ-11 (REGISTRY publicKey)");
    link.serveAt("http://127.0.0.1:4001", ["KZ-75"], ["inventory"]);
    expect(link.endpoint("KZ-75", "inventory")).toBe("http://127.0.0.1:4001/KZ-75/inventory/messages");
    await expect(link.setPeer("KZ-43", { baseUrl: "http://127.0.0.1:1" })).rejects.toThrow(
      "the address of KZ-43: must be an https:// URL with NODE_ENV=production",
    );
    expect(link.endpoint("KZ-43", "inventory")).toBe("https://kz43.example/KZ-43/inventory/messages");

    // Development (and these tests) may use plain http.
    const development = await RegionLink.create({ "KZ-75": A.key }, registry("http://kz43.example"));
    expect(development.endpoint("KZ-43", "inventory")).toBe("http://kz43.example/KZ-43/inventory/messages");
  });
});
