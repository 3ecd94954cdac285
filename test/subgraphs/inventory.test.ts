// The inventory subgraph over HTTP: stock that never goes below zero, idempotent
// donations and distributions, all-or-nothing multi-item operations, crash recovery,
// and a ledger that always adds up to the stock.
import { readFileSync } from "node:fs";
import { printSubgraphSchema } from "@apollo/subgraph";
import { ObjectId } from "bson";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { beneficiariesSubgraph } from "../../subgraphs/beneficiaries/schema.js";
import { buildInventorySchema, inventorySubgraph } from "../../subgraphs/inventory/schema.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { RegionLink } from "../../subgraphs/host/link.js";
import { Outbox } from "../../subgraphs/host/outbox.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { volunteersSubgraph } from "../../subgraphs/volunteers/schema.js";
import { postGraphQL, startTestHost, type TestHost } from "../support/host.js";
import { expectLedgerMatchesStock as expectLedger } from "../support/ledger.js";

let host: TestHost;
let staff: string;
const url = () => host.url("KZ-75", "inventory");
const db = () => host.db("KZ-75");

beforeAll(async () => {
  host = await startTestHost([await volunteersSubgraph(), await beneficiariesSubgraph(), await inventorySubgraph()]);
  staff = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(async () => {
  for (const c of ["warehouses", "stock_operations", "stock_movements", "beneficiaries", "volunteers"])
    await db().collection(c).deleteMany({});
});

async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) {
  return postGraphQL<T>(url(), query, variables, staff);
}

async function warehouse(name = "Almaty support centre #1"): Promise<string> {
  const res = await gql<{ addWarehouse: { id: string } }>(
    `mutation ($input: AddWarehouseInput!) { addWarehouse(input: $input) { id name region { code } } }`,
    { input: { region: "KZ-75", name, address: "Abay ave 10", thresholds: [{ item: "FOOD_KIT", minimum: 20 }] } },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.addWarehouse.id;
}

async function beneficiary(): Promise<string> {
  const _id = new ObjectId();
  await db()
    .collection("beneficiaries")
    .insertOne({ _id, householdSize: 4, vulnerabilities: [], needs: ["FOOD"], status: "ACTIVE", registeredAt: new Date() });
  return encodeId("Beneficiary", "KZ-75", _id);
}

async function volunteer(): Promise<string> {
  const _id = new ObjectId();
  await db().collection("volunteers").insertOne({ _id, fullName: "Driver", status: "ACTIVE" });
  return encodeId("Volunteer", "KZ-75", _id);
}

const DONATE = `mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id warehouse { id } items { item quantity } donor } }`;
const DISTRIBUTE = `mutation ($input: DistributeAidInput!) { distributeAid(input: $input) { id items { item quantity } beneficiary { id } deliveredBy { id } } }`;

async function donate(warehouseId: string, items: Array<{ item: string; quantity: number }>, key = `don-${Math.random()}`) {
  return gql<{ receiveDonation: { id: string } }>(DONATE, {
    input: { warehouseId, donor: "local entrepreneurs", items, idempotencyKey: key },
  });
}

async function stockOf(warehouseId: string): Promise<Record<string, number>> {
  const doc = await db()
    .collection("warehouses")
    .findOne({ _id: new ObjectId(warehouseId.slice(-24)) });
  return doc!.stock as Record<string, number>;
}

const expectLedgerMatchesStock = () => expectLedger(db());

describe("schema", () => {
  it("matches schema/inventory.graphql", async () => {
    const sdl = printSubgraphSchema(await buildInventorySchema());
    expect(readFileSync(new URL("../../schema/inventory.graphql", import.meta.url), "utf8")).toBe(`${sdl}\n`);
  });
});

describe("warehouses and donations", () => {
  it("adds a warehouse, refuses a second one with the same name", async () => {
    await warehouse();
    const dup = await gql(`mutation { addWarehouse(input: { region: "KZ-75", name: "ALMATY support centre #1" }) { id } }`);
    expect(dup.errors![0].extensions!.code).toBe("CONFLICT");
  });

  it("receives a donation once, whatever the retries, and refuses a reused key with another payload", async () => {
    const w = await warehouse();
    const first = await donate(w, [{ item: "FOOD_KIT", quantity: 120 }], "don-2026-0001");
    expect(first.data!.receiveDonation).toMatchObject({
      warehouse: { id: w },
      items: [{ item: "FOOD_KIT", quantity: 120 }],
      donor: "local entrepreneurs",
    });
    const retries = await Promise.all(Array.from({ length: 5 }, () => donate(w, [{ item: "FOOD_KIT", quantity: 120 }], "don-2026-0001")));
    for (const r of retries) expect(r.data!.receiveDonation.id).toBe(first.data!.receiveDonation.id);
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 120 });
    expect(await db().collection("stock_movements").countDocuments()).toBe(1);
    const other = await donate(w, [{ item: "FOOD_KIT", quantity: 121 }], "don-2026-0001");
    expect(other.errors![0].extensions).toMatchObject({ code: "CONFLICT", field: "idempotencyKey" });
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 120 });
    await expectLedgerMatchesStock();
  });

  it.each([
    ["a zero quantity", [{ item: "FOOD_KIT", quantity: 0 }], /items\.0\.quantity: must be at least 1/],
    ["a negative quantity", [{ item: "FOOD_KIT", quantity: -5 }], /items\.0\.quantity: must be at least 1/],
    ["no items", [], /items: must list at least one item/],
    [
      "an item twice",
      [
        { item: "MASK", quantity: 1 },
        { item: "MASK", quantity: 2 },
      ],
      /MASK is listed twice/,
    ],
    ["an unknown item", [{ item: "CASH", quantity: 1 }], /CASH/],
  ])("refuses %s with BAD_USER_INPUT and changes nothing", async (_what, items, message) => {
    const w = await warehouse();
    const res = await donate(w, items);
    expect(res.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(res.errors![0].message).toMatch(message);
    expect(await stockOf(w)).toEqual({});
    expect(await db().collection("stock_operations").countDocuments()).toBe(0);
  });
});

describe("distributions", () => {
  it("lets exactly 100 of 200 concurrent one-kit distributions through a stock of 100", async () => {
    const w = await warehouse();
    const b = await beneficiary();
    await donate(w, [{ item: "FOOD_KIT", quantity: 100 }]);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        gql<{ distributeAid: { id: string } }>(DISTRIBUTE, {
          input: { warehouseId: w, beneficiaryId: b, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: `dist-${i}` },
        }),
      ),
    );
    const ok = results.filter((r) => r.data?.distributeAid);
    const short = results.filter((r) => r.errors?.[0]?.extensions?.code === "INSUFFICIENT_STOCK");
    expect(ok).toHaveLength(100);
    expect(short).toHaveLength(100);
    expect(short[0].errors![0].extensions).toMatchObject({ item: "FOOD_KIT", requested: 1, available: 0 });
    expect(short[0].errors![0].message).toBe("insufficient stock of FOOD_KIT in Almaty support centre #1: requested 1, available 0");
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 0 });
    expect(await db().collection("stock_movements").countDocuments({ kind: "DISTRIBUTION_OUT" })).toBe(100);
    await expectLedgerMatchesStock();
  });

  it("leaves stock untouched when a multi-item distribution fails on its second item, and replays that failure", async () => {
    const w = await warehouse();
    const b = await beneficiary();
    await donate(w, [
      { item: "FOOD_KIT", quantity: 10 },
      { item: "BLANKET", quantity: 1 },
    ]);
    const input = {
      warehouseId: w,
      beneficiaryId: b,
      items: [
        { item: "FOOD_KIT", quantity: 2 },
        { item: "BLANKET", quantity: 3 },
      ],
      idempotencyKey: "dist-multi",
    };
    const res = await gql(DISTRIBUTE, { input });
    expect(res.errors![0].extensions).toMatchObject({ code: "INSUFFICIENT_STOCK", item: "BLANKET", requested: 3, available: 1 });
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 10, BLANKET: 1 });
    expect(await db().collection("stock_movements").countDocuments({ kind: "DISTRIBUTION_OUT" })).toBe(0);
    const replay = await gql(DISTRIBUTE, { input });
    expect(replay.errors![0]).toMatchObject({ message: res.errors![0].message, extensions: { code: "INSUFFICIENT_STOCK" } });
    await expectLedgerMatchesStock();
  });

  it("records who received what and who delivered it, traceable from the beneficiary", async () => {
    const w = await warehouse();
    const b = await beneficiary();
    const v = await volunteer();
    await donate(w, [{ item: "FOOD_KIT", quantity: 5 }]);
    const res = await gql<{ distributeAid: { id: string } }>(DISTRIBUTE, {
      input: { warehouseId: w, beneficiaryId: b, deliveredBy: v, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: "dist-0001" },
    });
    expect(res.data!.distributeAid).toMatchObject({
      items: [{ item: "FOOD_KIT", quantity: 1 }],
      beneficiary: { id: b },
      deliveredBy: { id: v },
    });
    const traced = await gql<{ _entities: Array<{ distributions: Array<{ id: string; items: unknown[] }> }> }>(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Beneficiary { distributions { id items { item quantity } } } } }`,
      { reps: [{ __typename: "Beneficiary", id: b }] },
    );
    expect(traced.data!._entities[0].distributions).toEqual([
      { id: res.data!.distributeAid.id, items: [{ item: "FOOD_KIT", quantity: 1 }] },
    ]);
  });

  it("refuses unknown beneficiaries and volunteers, and ids of other regions, storing nothing", async () => {
    const w = await warehouse();
    await donate(w, [{ item: "FOOD_KIT", quantity: 5 }]);
    const base = { warehouseId: w, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: "x" };
    const missing = await gql(DISTRIBUTE, { input: { ...base, beneficiaryId: encodeId("Beneficiary", "KZ-75", new ObjectId()) } });
    expect(missing.errors![0].extensions).toMatchObject({ code: "NOT_FOUND", field: "input.beneficiaryId" });
    const foreign = await gql(DISTRIBUTE, { input: { ...base, beneficiaryId: encodeId("Beneficiary", "KZ-43", new ObjectId()) } });
    expect(foreign.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", region: "KZ-43" });
    const noVolunteer = await gql(DISTRIBUTE, {
      input: { ...base, beneficiaryId: await beneficiary(), deliveredBy: encodeId("Volunteer", "KZ-75", new ObjectId()) },
    });
    expect(noVolunteer.errors![0].extensions).toMatchObject({ code: "NOT_FOUND", field: "input.deliveredBy" });
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 5 });
    expect(await db().collection("stock_operations").countDocuments({ type: "DISTRIBUTION" })).toBe(0);
  });
});

describe("adjustments, thresholds and totals", () => {
  it("writes off stock with a reason, never below zero, and reports low stock and region totals", async () => {
    const w = await warehouse();
    const w2 = await warehouse("Almaty support centre #2");
    await donate(w, [{ item: "FOOD_KIT", quantity: 30 }]);
    await donate(w2, [
      { item: "FOOD_KIT", quantity: 7 },
      { item: "WATER", quantity: 50 },
    ]);
    const ADJUST = `mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { stock { item quantity } lowStock { item quantity threshold } } }`;
    const off = await gql<{ adjustStock: unknown }>(ADJUST, {
      input: { warehouseId: w, item: "FOOD_KIT", delta: -15, kind: "WRITE_OFF", reason: "flooded storeroom" },
    });
    expect(off.data!.adjustStock).toEqual({
      stock: [{ item: "FOOD_KIT", quantity: 15 }],
      lowStock: [{ item: "FOOD_KIT", quantity: 15, threshold: 20 }],
    });
    const tooMuch = await gql(ADJUST, { input: { warehouseId: w, item: "FOOD_KIT", delta: -16, kind: "WRITE_OFF", reason: "x" } });
    expect(tooMuch.errors![0].extensions).toMatchObject({ code: "INSUFFICIENT_STOCK", requested: 16, available: 15 });
    const positiveWriteOff = await gql(ADJUST, { input: { warehouseId: w, item: "FOOD_KIT", delta: 5, kind: "WRITE_OFF", reason: "x" } });
    expect(positiveWriteOff.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    const totals = await gql<{ _entities: Array<{ stock: Array<{ item: string; quantity: number }> }> }>(
      `query { _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { stock { item quantity } } } }`,
    );
    expect(totals.data!._entities[0].stock.filter((s) => s.quantity > 0)).toEqual([
      { item: "FOOD_KIT", quantity: 22 },
      { item: "WATER", quantity: 50 },
    ]);
    expect(totals.data!._entities[0].stock).toHaveLength(7);
    const history = await gql<{
      warehouse: { movements: { nodes: Array<{ kind: string; quantity: number; reason: string | null }>; totalCount: number } };
    }>(`query ($id: ID!) { warehouse(id: $id) { movements(first: 1) { nodes { kind quantity reason } totalCount } } }`, { id: w });
    expect(history.data!.warehouse.movements).toEqual({
      nodes: [{ kind: "WRITE_OFF", quantity: -15, reason: "flooded storeroom" }],
      totalCount: 2,
    });
    await expectLedgerMatchesStock();
  });
});

describe("free text and who did what", () => {
  it("records no aid to a household that has withdrawn consent", async () => {
    const wh = await warehouse();
    await donate(wh, [{ item: "FOOD_KIT", quantity: 5 }]);
    const withdrawn = await beneficiary();
    await db()
      .collection("beneficiaries")
      .updateOne({ _id: new ObjectId(withdrawn.slice(-24)) }, { $set: { status: "CONSENT_WITHDRAWN" } });
    const res = await gql(DISTRIBUTE, {
      input: { warehouseId: wh, beneficiaryId: withdrawn, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: "after-withdrawal" },
    });
    expect(res.errors![0]).toMatchObject({ extensions: { code: "CONFLICT", field: "input.beneficiaryId" } });
    expect(await stockOf(wh)).toEqual({ FOOD_KIT: 5 });
    expect(await db().collection("stock_operations").countDocuments({ type: "DISTRIBUTION" })).toBe(0);
  });

  it("keeps a donor who is a person, movement reasons and staff ids to the region's staff", async () => {
    const wh = await warehouse();
    const person = await gql<{ receiveDonation: { id: string } }>(DONATE, {
      input: { warehouseId: wh, donor: "Aigul Bekova", items: [{ item: "MASK", quantity: 5 }], idempotencyKey: "p" },
    });
    const company = await gql<{ receiveDonation: { id: string } }>(DONATE, {
      input: {
        warehouseId: wh,
        donor: "Kaspi Charity",
        donorKind: "ORGANISATION",
        items: [{ item: "MASK", quantity: 5 }],
        idempotencyKey: "o",
      },
    });
    const adjust = `mutation ($input: AdjustStockInput!) { adjustStock(input: $input) { id } }`;
    expect(
      (
        await gql(adjust, {
          input: { warehouseId: wh, item: "MASK", delta: -1, kind: "WRITE_OFF", reason: "given to Aigul's neighbour,\nby hand" },
        })
      ).errors,
    ).toBeUndefined();
    const Q = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on Donation { donor donorKind receivedBy }
      ... on Warehouse { movements(first: 10) { nodes { kind actor reason } } } } }`;
    const reps = [
      { __typename: "Donation", id: person.data!.receiveDonation.id },
      { __typename: "Donation", id: company.data!.receiveDonation.id },
      { __typename: "Warehouse", id: wh },
    ];
    const own = await gql<{
      _entities: [Record<string, unknown>, Record<string, unknown>, { movements: { nodes: Array<Record<string, unknown>> } }];
    }>(Q, { reps });
    expect(own.errors).toBeUndefined();
    expect(own.data!._entities.slice(0, 2)).toEqual([
      { donor: "Aigul Bekova", donorKind: "PERSON", receivedBy: "REGIONAL_STAFF:staff-75" },
      { donor: "Kaspi Charity", donorKind: "ORGANISATION", receivedBy: "REGIONAL_STAFF:staff-75" },
    ]);
    expect(own.data!._entities[2].movements.nodes[0]).toEqual({
      kind: "WRITE_OFF",
      actor: "REGIONAL_STAFF:staff-75",
      reason: "given to Aigul's neighbour,\nby hand",
    });

    const coordinator = await host.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
    const other = await postGraphQL<typeof own.data>(url(), Q, { reps }, coordinator);
    expect(other.data!._entities.slice(0, 2)).toEqual([
      { donor: null, donorKind: "PERSON", receivedBy: "REGIONAL_STAFF" },
      { donor: "Kaspi Charity", donorKind: "ORGANISATION", receivedBy: "REGIONAL_STAFF" },
    ]);
    expect(other.data!._entities[2].movements.nodes.map((n) => [n.actor, n.reason])).toEqual([
      ["REGIONAL_STAFF", null],
      ["REGIONAL_STAFF", null],
      ["REGIONAL_STAFF", null],
    ]);
    expect(new Set(other.errors!.map((e) => e.extensions!.code))).toEqual(new Set(["FORBIDDEN"]));
    expect(other.errors!.map((e) => e.path!.join("."))).toContain("_entities.0.donor");
    expect(JSON.stringify(other)).not.toMatch(/Aigul|staff-75/);
  });
});

describe("crash recovery", () => {
  it("completes an interrupted operation whose lines were all reserved, and rolls back one that was not", async () => {
    const w = await warehouse();
    const wid = new ObjectId(w.slice(-24));
    await donate(w, [
      { item: "FOOD_KIT", quantity: 10 },
      { item: "MASK", quantity: 10 },
    ]);
    const past = new Date(Date.now() - 60_000);
    // What a crash after reserving both lines of a distribution leaves behind:
    const done = new ObjectId();
    // …and after reserving only the first line of another:
    const half = new ObjectId();
    // A distribution of `food` food kits and `masks` masks, stored but never completed.
    const pending = async (_id: ObjectId, n: number, food: number, masks: number) => ({
      _id,
      type: "DISTRIBUTION",
      idempotencyKey: `crash-${n}`,
      payloadHash: `h${n}`,
      warehouseId: wid,
      lines: [
        { item: "FOOD_KIT", delta: -food },
        { item: "MASK", delta: -masks },
      ],
      status: "PENDING",
      error: null,
      actor: "REGIONAL_STAFF:s",
      createdAt: past,
      completedAt: null,
      beneficiaryId: await beneficiary(),
      deliveredBy: null,
    });
    await db()
      .collection("stock_operations")
      .insertMany([await pending(done, 1, 2, 3), await pending(half, 2, 4, 1)]);
    await db()
      .collection<{ _id: ObjectId; pendingOps: string[] }>("warehouses")
      .updateOne(
        { _id: wid },
        {
          $inc: { "stock.FOOD_KIT": -6, "stock.MASK": -3 },
          $push: { pendingOps: { $each: [`${done.toHexString()}:0`, `${done.toHexString()}:1`, `${half.toHexString()}:0`] } },
        },
      );

    // Recovery by a replica on the same database (the operations' leases lapsed long ago).
    const definition = await inventorySubgraph();
    const region = RegionRegistry.load().require("KZ-75");
    const log = pino({ level: "silent" });
    const outbox = new Outbox(new Map([["KZ-75", { db: db(), region }]]), await RegionLink.ephemeral(["KZ-75"]), () => undefined, log);
    await definition.recover!(outbox.context("KZ-75"));

    expect(await stockOf(w)).toEqual({ FOOD_KIT: 8, MASK: 7 });
    expect((await db().collection("stock_operations").findOne({ _id: done }))!.status).toBe("COMPLETED");
    // Rolled back, and on record so: its key is free for the client's retry.
    const rolledBack = await db().collection("stock_operations").findOne({ _id: half });
    expect(rolledBack).toMatchObject({ status: "ROLLED_BACK", rolledBackKey: "crash-2" });
    expect(rolledBack!.idempotencyKey).toBeUndefined();
    expect(await db().collection("stock_movements").countDocuments({ operationId: done })).toBe(2);
    await expectLedgerMatchesStock();
    // The client's retry of the rolled-back request now runs afresh.
    const retry = await gql(DISTRIBUTE, {
      input: {
        warehouseId: w,
        beneficiaryId: await beneficiary(),
        items: [
          { item: "FOOD_KIT", quantity: 4 },
          { item: "MASK", quantity: 1 },
        ],
        idempotencyKey: "crash-2",
      },
    });
    expect(retry.errors).toBeUndefined();
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 4, MASK: 6 });
    await expectLedgerMatchesStock();
  });
});

describe("reference resolution", () => {
  it("resolves Warehouse references with one query per batch and refuses a donation id that names a distribution", async () => {
    const ws = [await warehouse("A"), await warehouse("B"), await warehouse("C")];
    const before = host.commands.length;
    const res = await gql<{ _entities: Array<{ name: string } | null> }>(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Warehouse { name } } }`,
      { reps: [ws[2], ws[0], encodeId("Warehouse", "KZ-75", new ObjectId()), ws[1]].map((id) => ({ __typename: "Warehouse", id })) },
    );
    expect(res.data!._entities).toEqual([{ name: "C" }, { name: "A" }, null, { name: "B" }]);
    expect(host.commands.slice(before).filter((c) => c.commandName === "find" && c.command.find === "warehouses")).toHaveLength(1);
    const b = await beneficiary();
    await donate(ws[0], [{ item: "MASK", quantity: 3 }]);
    const dist = await gql<{ distributeAid: { id: string } }>(DISTRIBUTE, {
      input: { warehouseId: ws[0], beneficiaryId: b, items: [{ item: "MASK", quantity: 1 }], idempotencyKey: "k" },
    });
    const asDonation = dist.data!.distributeAid.id.replace(":dst:", ":don:");
    expect((await gql(`query ($id: ID!) { donation(id: $id) { id } }`, { id: asDonation })).errors![0].extensions!.code).toBe("NOT_FOUND");
  });
});
