// Fair distribution: a region's entitlement rules, enforced in distributeAid all or nothing
// (also under concurrency and across a crash), overrides on record, a household's standing
// for the region's staff, and distribution statistics for coordinators. The host's clock is
// moved to cross rolling periods.
import { ObjectId } from "bson";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { beneficiariesSubgraph } from "../../subgraphs/beneficiaries/schema.js";
import type { AuditDoc } from "../../subgraphs/kernel/audit.js";
import { countPastDistributions, recoverOperations } from "../../subgraphs/inventory/data/ledger.js";
import { inventorySubgraph } from "../../subgraphs/inventory/schema.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { volunteersSubgraph } from "../../subgraphs/volunteers/schema.js";
import { postGraphQL, startTestHost, type GraphQLResponse, type TestHost } from "../support/host.js";
import { expectLedgerMatchesStock as expectLedger } from "../support/ledger.js";

const DAY = 86_400_000;
let host: TestHost;
let staff: string;
let coordinator: string;
let otherStaff: string;
let volunteerToken: string;
/** How far the host's clock is ahead of the system's. */
let shift = 0;
const url = () => host.url("KZ-75", "inventory");
const db = () => host.db("KZ-75");

beforeAll(async () => {
  host = await startTestHost(
    [await volunteersSubgraph(), await beneficiariesSubgraph(), await inventorySubgraph()],
    ["KZ-75", "KZ-43"],
    undefined,
    undefined,
    { clock: () => new Date(Date.now() + shift) },
  );
  staff = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  otherStaff = await host.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  coordinator = await host.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  volunteerToken = await host.token({ sub: encodeId("Volunteer", "KZ-75", new ObjectId()), role: "VOLUNTEER" });
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(async () => {
  shift = 0;
  for (const c of [
    "warehouses",
    "stock_operations",
    "stock_movements",
    "beneficiaries",
    "entitlement_rules",
    "entitlement_usage",
    "audit_log",
  ])
    await db().collection(c).deleteMany({});
});

const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token = staff) =>
  postGraphQL<T>(url(), query, variables, token);
const codeOf = (res: GraphQLResponse<unknown>) => res.errors?.[0]?.extensions?.code;

const SET_RULE = `mutation ($input: SetEntitlementRuleInput!) { setEntitlementRule(input: $input) { region { code } item quantity perPerson periodDays setBy } }`;
const REMOVE_RULE = `mutation ($item: Item!) { removeEntitlementRule(region: "KZ-75", item: $item) }`;
const DISTRIBUTE = `mutation ($input: DistributeAidInput!) { distributeAid(input: $input) { id items { item quantity } } }`;
const ENTITLEMENTS = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Beneficiary { entitlements { item allowed used remaining nextEligibleAt periodDays } } } }`;

async function rule(item: string, quantity: number, periodDays: number, perPerson = false) {
  const res = await gql(SET_RULE, { input: { region: "KZ-75", item, quantity, periodDays, perPerson } });
  expect(res.errors).toBeUndefined();
}

async function warehouse(stock: Record<string, number> = { FOOD_KIT: 100, WATER: 100, MASK: 100 }): Promise<string> {
  const res = await gql<{ addWarehouse: { id: string } }>(`mutation ($input: AddWarehouseInput!) { addWarehouse(input: $input) { id } }`, {
    input: { region: "KZ-75", name: `Centre ${Math.random()}` },
  });
  const id = res.data!.addWarehouse.id;
  const items = Object.entries(stock).map(([item, quantity]) => ({ item, quantity }));
  const don = await gql(`mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id } }`, {
    input: { warehouseId: id, donor: "Food bank", donorKind: "ORGANISATION", items, idempotencyKey: `don-${Math.random()}` },
  });
  expect(don.errors).toBeUndefined();
  return id;
}

async function household(householdSize = 4): Promise<string> {
  const _id = new ObjectId();
  await db()
    .collection("beneficiaries")
    .insertOne({ _id, householdSize, vulnerabilities: [], needs: ["FOOD"], status: "ACTIVE", registeredAt: new Date() });
  return encodeId("Beneficiary", "KZ-75", _id);
}

function distribute(
  warehouseId: string,
  beneficiaryId: string,
  items: Record<string, number>,
  extra: Record<string, unknown> = {},
  token = staff,
) {
  return gql<{ distributeAid: { id: string } }>(
    DISTRIBUTE,
    {
      input: {
        warehouseId,
        beneficiaryId,
        items: Object.entries(items).map(([item, quantity]) => ({ item, quantity })),
        idempotencyKey: `d-${Math.random()}`,
        ...extra,
      },
    },
    token,
  );
}

async function stockOf(warehouseId: string): Promise<Record<string, number>> {
  const doc = await db()
    .collection("warehouses")
    .findOne({ _id: new ObjectId(warehouseId.slice(-24)) });
  return doc!.stock as Record<string, number>;
}

async function entitlements(beneficiaryId: string, token = staff) {
  return gql<{
    _entities: Array<{
      entitlements: Array<{ item: string; allowed: number; used: number; remaining: number; nextEligibleAt: string | null }> | null;
    }>;
  }>(ENTITLEMENTS, { reps: [{ __typename: "Beneficiary", id: beneficiaryId }] }, token);
}

/** What a crash leaves of a one-kit distribution `op` that held its grant and its stock: both reservations, marked `<op>:0`. */
async function heldWhenCrashed(op: ObjectId, account: string, warehouse: ObjectId, at: Date, override: boolean): Promise<void> {
  const key = `${op.toHexString()}:0`;
  await db()
    .collection<{ _id: string; grants: Array<Record<string, unknown>> }>("entitlement_usage")
    .updateOne({ _id: account }, { $push: { grants: { key, quantity: 1, at, override } } });
  await db()
    .collection<{ _id: ObjectId; pendingOps: string[] }>("warehouses")
    .updateOne({ _id: warehouse }, { $inc: { "stock.FOOD_KIT": -1 }, $push: { pendingOps: key } });
}

describe("entitlement rules", () => {
  it("are set (one per item: again replaces), listed, removed and audited, by the region's staff only", async () => {
    const set = await gql<{ setEntitlementRule: Record<string, unknown> }>(SET_RULE, {
      input: { region: "KZ-75", item: "FOOD_KIT", quantity: 1, periodDays: 30 },
    });
    expect(set.data!.setEntitlementRule).toEqual({
      region: { code: "KZ-75" },
      item: "FOOD_KIT",
      quantity: 1,
      perPerson: false,
      periodDays: 30,
      setBy: "REGIONAL_STAFF:staff-75",
    });
    await rule("WATER", 2, 7, true);
    await rule("FOOD_KIT", 2, 14);
    const list = await gql<{ _entities: Array<{ entitlementRules: unknown[] }> }>(
      `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { entitlementRules { item quantity perPerson periodDays } } } }`,
      {},
      coordinator,
    );
    expect(list.data!._entities[0].entitlementRules).toEqual([
      { item: "FOOD_KIT", quantity: 2, perPerson: false, periodDays: 14 },
      { item: "WATER", quantity: 2, perPerson: true, periodDays: 7 },
    ]);
    expect((await gql<{ removeEntitlementRule: boolean }>(REMOVE_RULE, { item: "WATER" })).data!.removeEntitlementRule).toBe(true);
    expect((await gql<{ removeEntitlementRule: boolean }>(REMOVE_RULE, { item: "WATER" })).data!.removeEntitlementRule).toBe(false);
    const audit = await db().collection<AuditDoc>("audit_log").find({ entity: "EntitlementRule" }).sort({ at: 1, _id: 1 }).toArray();
    expect(audit.map((a) => [a.operation, a.ids, a.actor])).toEqual([
      ["setEntitlementRule", ["KZ-75:FOOD_KIT"], "staff-75"],
      ["setEntitlementRule", ["KZ-75:WATER"], "staff-75"],
      ["setEntitlementRule", ["KZ-75:FOOD_KIT"], "staff-75"],
      ["removeEntitlementRule", ["KZ-75:WATER"], "staff-75"],
    ]);
    // Coordinators read rules but do not set them; staff of another region neither.
    for (const token of [coordinator, otherStaff, volunteerToken]) {
      const res = await gql(SET_RULE, { input: { region: "KZ-75", item: "MASK", quantity: 1, periodDays: 1 } }, token);
      expect(codeOf(res)).toBe("FORBIDDEN");
      expect(codeOf(await gql(REMOVE_RULE, { item: "FOOD_KIT" }, token))).toBe("FORBIDDEN");
    }
    expect(await db().collection("entitlement_rules").countDocuments()).toBe(1);
  });

  it("refuses bad rules, naming the field, and stores nothing", async () => {
    for (const [input, field] of [
      [{ quantity: 0, periodDays: 30 }, "quantity"],
      [{ quantity: 1, periodDays: 0 }, "periodDays"],
      [{ quantity: 1, periodDays: 367 }, "periodDays"],
      [{ quantity: 1, periodDays: 30, region: "KZ-43" }, "input.region"],
    ] as const) {
      const res = await gql(SET_RULE, { input: { region: "KZ-75", item: "FOOD_KIT", ...input } });
      expect(codeOf(res)).toBe("BAD_USER_INPUT");
      expect(res.errors![0].message).toContain(field);
    }
    expect(await db().collection("entitlement_rules").countDocuments()).toBe(0);
  });
});

describe("distributeAid under a rule", () => {
  it("per household: refuses a second kit in the period, naming item, remaining and next date, writing nothing", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const b = await household();
    const first = await distribute(w, b, { FOOD_KIT: 1 });
    expect(first.errors).toBeUndefined();
    const firstAt = (await db().collection("stock_operations").findOne({ type: "DISTRIBUTION" }))!.createdAt as Date;
    const movements = await db().collection("stock_movements").countDocuments();

    shift = 29 * DAY;
    const second = await distribute(w, b, { FOOD_KIT: 1, MASK: 2 });
    expect(codeOf(second)).toBe("ENTITLEMENT_EXCEEDED");
    expect(second.errors![0].message).toMatch(/FOOD_KIT/);
    const nextEligibleAt = new Date(firstAt.getTime() + 30 * DAY).toISOString();
    expect(second.errors![0].extensions).toMatchObject({ item: "FOOD_KIT", remaining: 0, nextEligibleAt });
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 99, WATER: 100, MASK: 100 });
    expect(await db().collection("stock_movements").countDocuments()).toBe(movements);
    await expectLedger(db());

    // The period rolls: 30 days after the first kit, the household may have another.
    shift = 30 * DAY + 1000;
    expect((await distribute(w, b, { FOOD_KIT: 1 })).errors).toBeUndefined();
    expect(await stockOf(w)).toMatchObject({ FOOD_KIT: 98 });
    // Another household is not affected by the first one's use.
    expect((await distribute(w, await household(), { FOOD_KIT: 1 })).errors).toBeUndefined();
  });

  it("per person: the quantity times the household's size, in a rolling window", async () => {
    await rule("WATER", 2, 7, true);
    const w = await warehouse();
    const b = await household(4); // 8 per 7 days
    expect((await distribute(w, b, { WATER: 5 })).errors).toBeUndefined();
    shift = 3 * DAY;
    const refused = await distribute(w, b, { WATER: 4 });
    expect(codeOf(refused)).toBe("ENTITLEMENT_EXCEEDED");
    expect(refused.errors![0].extensions).toMatchObject({ item: "WATER", requested: 4, allowed: 8, remaining: 3 });
    expect((await distribute(w, b, { WATER: 3 })).errors).toBeUndefined();
    // Day 7: the 5 of day 0 leave the window, the 3 of day 3 are still in it.
    shift = 7 * DAY + 1000;
    expect(codeOf(await distribute(w, b, { WATER: 6 }))).toBe("ENTITLEMENT_EXCEEDED");
    expect((await distribute(w, b, { WATER: 5 })).errors).toBeUndefined();
    // More than the rule ever allows: refused, and no date is promised.
    const never = await distribute(w, await household(1), { WATER: 3 });
    expect(never.errors![0].extensions).toMatchObject({ item: "WATER", allowed: 2, remaining: 2, nextEligibleAt: null });
    expect(await stockOf(w)).toMatchObject({ WATER: 87 });
    await expectLedger(db());
  });

  it("20 concurrent distributions of one kit to a household entitled to one: exactly one succeeds", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const b = await household();
    const answers = await Promise.all(Array.from({ length: 20 }, () => distribute(w, b, { FOOD_KIT: 1 })));
    expect(answers.filter((a) => !a.errors)).toHaveLength(1);
    expect(answers.filter((a) => codeOf(a) === "ENTITLEMENT_EXCEEDED")).toHaveLength(19);
    expect(await stockOf(w)).toMatchObject({ FOOD_KIT: 99 });
    expect(await db().collection("stock_operations").countDocuments({ type: "DISTRIBUTION", status: "COMPLETED" })).toBe(1);
    await expectLedger(db());
    const [standing] = (await entitlements(b)).data!._entities[0].entitlements!;
    expect(standing).toMatchObject({ item: "FOOD_KIT", allowed: 1, used: 1, remaining: 0 });
  });

  it("an override gives beyond the rule, with its reason on record and audited, and counts as used", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const b = await household();
    expect((await distribute(w, b, { FOOD_KIT: 1 })).errors).toBeUndefined();
    const key = "override-1";
    const refused = await distribute(w, b, { FOOD_KIT: 1 }, { idempotencyKey: key });
    expect(codeOf(refused)).toBe("ENTITLEMENT_EXCEEDED");
    // The clerk ticks "override" and sends the same form again, same key.
    const override = { reason: "house fire: lost all food" };
    const given = await distribute(w, b, { FOOD_KIT: 1 }, { idempotencyKey: key, override });
    expect(given.errors).toBeUndefined();
    const again = await distribute(w, b, { FOOD_KIT: 1 }, { idempotencyKey: key, override });
    expect(again.data!.distributeAid.id).toBe(given.data!.distributeAid.id);
    const op = await db()
      .collection("stock_operations")
      .findOne({ _id: new ObjectId(given.data!.distributeAid.id.slice(-24)) });
    expect(op!.override).toEqual(override);
    const audit = await db().collection<AuditDoc>("audit_log").find({ operation: "distributeAid:override" }).toArray();
    expect(audit.map((a) => [a.ids, a.actor])).toEqual([[[given.data!.distributeAid.id], "staff-75"]]);
    // The refusal stays on record (and in the statistics), under the key it had.
    expect(await db().collection("stock_operations").countDocuments({ refusedKey: key, status: "FAILED" })).toBe(1);
    const [standing] = (await entitlements(b)).data!._entities[0].entitlements!;
    expect(standing).toMatchObject({ allowed: 1, used: 2, remaining: 0 });
    expect(codeOf(await distribute(w, b, { FOOD_KIT: 1 }, { override: { reason: "   " } }))).toBe("BAD_USER_INPUT");
    expect(await stockOf(w)).toMatchObject({ FOOD_KIT: 98 });
  });

  it("a retry with the key returns the first result even after the rule changed; a refused line gives its grant back", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse({ FOOD_KIT: 10, WATER: 1 });
    const b = await household();
    const input = { idempotencyKey: "retry-1" };
    const first = await distribute(w, b, { FOOD_KIT: 1 }, input);
    await rule("FOOD_KIT", 5, 30);
    const retry = await distribute(w, b, { FOOD_KIT: 1 }, input);
    expect(retry.data!.distributeAid.id).toBe(first.data!.distributeAid.id);
    // All or nothing: the kit is within the rule, the water is not in stock.
    const short = await distribute(w, b, { FOOD_KIT: 4, WATER: 2 });
    expect(codeOf(short)).toBe("INSUFFICIENT_STOCK");
    const [standing] = (await entitlements(b)).data!._entities[0].entitlements!;
    expect(standing).toMatchObject({ allowed: 5, used: 1, remaining: 4, nextEligibleAt: null });
    expect(await stockOf(w)).toEqual({ FOOD_KIT: 9, WATER: 1 });
    await expectLedger(db());
  });

  it("a crash: an operation holding every line and grant completes; one that held only a grant gives it back", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const wid = new ObjectId(w.slice(-24));
    const b = await household();
    const bid = new ObjectId(b.slice(-24));
    const past = new Date(Date.now() - 60_000);
    const account = `${bid.toHexString()}:FOOD_KIT`;
    const pending = (_id: ObjectId, n: number) => ({
      _id,
      type: "DISTRIBUTION",
      idempotencyKey: `crash-${n}`,
      payloadHash: `h${n}`,
      warehouseId: wid,
      lines: [{ item: "FOOD_KIT", delta: -1, entitlement: { account, allowed: 1, periodDays: 30, override: false } }],
      status: "PENDING",
      error: null,
      actor: "REGIONAL_STAFF:s",
      createdAt: past,
      completedAt: null,
      beneficiaryId: b,
      deliveredBy: null,
    });
    // A crash after the grant, before the stock: rolled back, and the grant goes with it.
    const half = new ObjectId();
    await db().collection("stock_operations").insertOne(pending(half, 1));
    await db()
      .collection("entitlement_usage")
      .insertOne({
        _id: account as never,
        beneficiaryId: bid,
        item: "FOOD_KIT",
        grants: [{ key: `${half.toHexString()}:0`, quantity: 1, at: past, override: false }],
      });
    await recoverOperations(db(), { owner: "recoverer", ms: 0 }, pino({ level: "silent" }));
    // Rolled back, and on record so: its key is free for the client's retry.
    const rolledBack = await db().collection("stock_operations").findOne({ _id: half });
    expect(rolledBack).toMatchObject({ status: "ROLLED_BACK", rolledBackKey: "crash-1" });
    expect(rolledBack!.idempotencyKey).toBeUndefined();
    expect((await entitlements(b)).data!._entities[0].entitlements![0]).toMatchObject({ used: 0, remaining: 1 });

    // A crash after both: completed, and the grant stays.
    const done = new ObjectId();
    await db().collection("stock_operations").insertOne(pending(done, 2));
    await heldWhenCrashed(done, account, wid, past, false);
    await recoverOperations(db(), { owner: "recoverer", ms: 0 }, pino({ level: "silent" }));
    expect((await db().collection("stock_operations").findOne({ _id: done }))!.status).toBe("COMPLETED");
    expect((await entitlements(b)).data!._entities[0].entitlements![0]).toMatchObject({ used: 1, remaining: 0 });
    expect(codeOf(await distribute(w, b, { FOOD_KIT: 1 }))).toBe("ENTITLEMENT_EXCEEDED");
    await expectLedger(db());
  });
});

describe("what each role sees", () => {
  it("a household's entitlements: the region's staff only", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const b = await household();
    await distribute(w, b, { FOOD_KIT: 1 });
    const mine = await entitlements(b);
    expect(mine.errors).toBeUndefined();
    const [standing] = mine.data!._entities[0].entitlements!;
    expect(standing.nextEligibleAt).not.toBeNull();
    for (const token of [coordinator, otherStaff, volunteerToken]) {
      const res = await entitlements(b, token);
      expect(codeOf(res)).toBe("FORBIDDEN");
      expect(JSON.stringify(res.data ?? null)).not.toContain("FOOD_KIT");
    }
  });

  it("distribution statistics: households, people, items, overrides and refusals by reason, for coordinators", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse({ FOOD_KIT: 100, WATER: 3 });
    const [b1, b2] = [await household(4), await household(2)];
    await distribute(w, b1, { FOOD_KIT: 1, WATER: 2 });
    await distribute(w, b2, { FOOD_KIT: 1 });
    await distribute(w, b1, { FOOD_KIT: 1 }); // refused: entitlement
    await distribute(w, b2, { WATER: 5 }); // refused: stock
    await distribute(w, b1, { FOOD_KIT: 1 }, { override: { reason: "new baby" } });
    const from = new Date(Date.now() - DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const STATS = `query ($from: DateTimeISO!, $to: DateTimeISO!) { _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { distributionStats(from: $from, to: $to) { householdsServed individuals distributions overrides items { item quantity } refusals { reason count } } } } }`;
    const res = await gql<{
      _entities: Array<{ distributionStats: { items: Array<{ item: string; quantity: number }> } & Record<string, unknown> }>;
    }>(STATS, { from, to }, coordinator);
    expect(res.errors).toBeUndefined();
    const stats = res.data!._entities[0].distributionStats;
    expect(stats).toMatchObject({
      householdsServed: 2,
      individuals: 6,
      distributions: 3,
      overrides: 1,
      refusals: [
        { reason: "ENTITLEMENT_EXCEEDED", count: 1 },
        { reason: "INSUFFICIENT_STOCK", count: 1 },
      ],
    });
    expect(stats.items.filter((i) => i.quantity)).toEqual([
      { item: "FOOD_KIT", quantity: 3 },
      { item: "WATER", quantity: 2 },
    ]);
    // Another period holds none of it.
    const earlier = await gql<{ _entities: Array<{ distributionStats: Record<string, unknown> }> }>(
      STATS,
      { from: new Date(Date.now() - 3 * DAY).toISOString(), to: from },
      coordinator,
    );
    expect(earlier.data!._entities[0].distributionStats).toMatchObject({ householdsServed: 0, distributions: 0, refusals: [] });
    expect(codeOf(await gql(STATS, { from, to }, volunteerToken))).toBe("FORBIDDEN");
    expect(codeOf(await gql(STATS, { from: to, to: from }, coordinator))).toBe("BAD_USER_INPUT");
    const year = await gql(STATS, { from: new Date(Date.now() - 400 * DAY).toISOString(), to }, coordinator);
    expect(codeOf(year)).toBe("BAD_USER_INPUT");
  });
});

describe("what a household received counts, and nothing else does", () => {
  it("a distribution made before the rule existed counts once the rule is set", async () => {
    const w = await warehouse();
    const b = await household();
    expect((await distribute(w, b, { FOOD_KIT: 1 })).errors).toBeUndefined();
    await rule("FOOD_KIT", 1, 30);
    expect((await entitlements(b)).data!._entities[0].entitlements![0]).toMatchObject({ used: 1, remaining: 0 });
    expect(codeOf(await distribute(w, b, { FOOD_KIT: 1 }))).toBe("ENTITLEMENT_EXCEEDED");
  });

  it("distributions recorded before lines counted are counted at start-up, once", async () => {
    const w = await warehouse();
    const b = await household();
    await distribute(w, b, { FOOD_KIT: 1 });
    // As a distribution stored by an earlier version: no line carries the household's account.
    await db().collection("entitlement_usage").deleteMany({});
    await db()
      .collection("stock_operations")
      .updateMany({ type: "DISTRIBUTION" }, { $unset: { "lines.0.entitlement": "" } });
    await rule("FOOD_KIT", 1, 30);
    expect((await entitlements(b)).data!._entities[0].entitlements![0]).toMatchObject({ used: 0 });
    for (let i = 0; i < 2; i++) expect(await countPastDistributions(db(), new Date())).toBe(i === 0 ? 1 : 0);
    expect((await entitlements(b)).data!._entities[0].entitlements![0]).toMatchObject({ used: 1, remaining: 0 });
  });

  it("requests refused for stock do not make a household's one kit look used", async () => {
    await rule("FOOD_KIT", 1, 30);
    for (let round = 0; round < 3; round++) {
      const w = await warehouse({ FOOD_KIT: 10, WATER: 1 });
      const b = await household();
      const doomed = Array.from({ length: 4 }, () => distribute(w, b, { FOOD_KIT: 1, WATER: 50 }));
      const answers = await Promise.all([...doomed, distribute(w, b, { FOOD_KIT: 1 })]);
      expect(answers.slice(0, 4).map(codeOf)).toEqual(Array(4).fill("INSUFFICIENT_STOCK"));
      expect(answers[4].errors).toBeUndefined();
    }
  });

  it("a refused request's id is no distribution", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const b = await household();
    await distribute(w, b, { FOOD_KIT: 1 });
    await distribute(w, b, { FOOD_KIT: 1 });
    const failed = await db().collection("stock_operations").findOne({ status: "FAILED" });
    const id = encodeId("Distribution", "KZ-75", failed!._id);
    expect(codeOf(await gql(`query ($id: ID!) { distribution(id: $id) { id } }`, { id }))).toBe("NOT_FOUND");
  });
});

describe("a refused request's key", () => {
  it("identical corrections at once: one distribution, every answer the same, no conflict", async () => {
    await rule("FOOD_KIT", 1, 30);
    for (let round = 0; round < 3; round++) {
      const w = await warehouse();
      const b = await household();
      await distribute(w, b, { FOOD_KIT: 1 });
      const key = `race-${round}`;
      expect(codeOf(await distribute(w, b, { FOOD_KIT: 1 }, { idempotencyKey: key }))).toBe("ENTITLEMENT_EXCEEDED");
      const override = { reason: "flood" };
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => distribute(w, b, { FOOD_KIT: 1 }, { idempotencyKey: key, override })),
      );
      const done = answers.filter((a) => !a.errors);
      // Those that came while the first ran hear so; none is told its request differs, none fails.
      for (const a of answers.filter((x) => x.errors)) expect(a.errors![0].message).toMatch(/still being processed/);
      expect(new Set(done.map((a) => a.data!.distributeAid.id)).size).toBe(1);
      const final = await distribute(w, b, { FOOD_KIT: 1 }, { idempotencyKey: key, override });
      expect(final.errors).toBeUndefined();
      expect(await stockOf(w)).toMatchObject({ FOOD_KIT: 98 });
    }
  });

  it("a retry of the first request gets its first answer, whatever came after it under the key", async () => {
    const w = await warehouse({ WATER: 1 });
    const b = await household();
    const first = await distribute(w, b, { WATER: 5 }, { idempotencyKey: "k1" });
    expect(codeOf(first)).toBe("INSUFFICIENT_STOCK");
    expect(codeOf(await distribute(w, b, { WATER: 4 }, { idempotencyKey: "k1" }))).toBe("INSUFFICIENT_STOCK");
    await gql(`mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id } }`, {
      input: { warehouseId: w, donor: "Bank", donorKind: "ORGANISATION", items: [{ item: "WATER", quantity: 10 }], idempotencyKey: "more" },
    });
    const again = await distribute(w, b, { WATER: 5 }, { idempotencyKey: "k1" });
    expect(again.errors![0]).toMatchObject({ message: first.errors![0].message });
    const corrected = await distribute(w, b, { WATER: 2 }, { idempotencyKey: "k1" });
    expect(corrected.errors).toBeUndefined();
    expect(codeOf(await distribute(w, b, { WATER: 4 }, { idempotencyKey: "k1" }))).toBe("INSUFFICIENT_STOCK");
    expect(await stockOf(w)).toEqual({ WATER: 9 });
  });
});

describe("overrides", () => {
  it("one that was not needed is not counted as one, nor audited", async () => {
    await rule("FOOD_KIT", 2, 30);
    const w = await warehouse();
    const b = await household();
    expect((await distribute(w, b, { FOOD_KIT: 1, MASK: 1 }, { override: { reason: "just in case" } })).errors).toBeUndefined();
    expect(await db().collection("stock_operations").countDocuments({ overridden: true })).toBe(0);
    expect(await db().collection("audit_log").countDocuments({ operation: "distributeAid:override" })).toBe(0);
  });

  it("one a crash left half-done is audited when recovery finishes it", async () => {
    await rule("FOOD_KIT", 1, 30);
    const w = await warehouse();
    const wid = new ObjectId(w.slice(-24));
    const b = await household();
    const account = `${b.slice(-24)}:FOOD_KIT`;
    await distribute(w, b, { FOOD_KIT: 1 });
    const _id = new ObjectId();
    const past = new Date(Date.now() - 60_000);
    await db()
      .collection("stock_operations")
      .insertOne({
        _id,
        type: "DISTRIBUTION",
        idempotencyKey: "crash-override",
        payloadHash: "h",
        warehouseId: wid,
        lines: [{ item: "FOOD_KIT", delta: -1, entitlement: { account, allowed: 1, periodDays: 30, override: true } }],
        status: "PENDING",
        error: null,
        actor: "REGIONAL_STAFF:staff-75",
        createdAt: past,
        completedAt: null,
        beneficiaryId: b,
        override: { reason: "fire" },
        region: "KZ-75",
      });
    await heldWhenCrashed(_id, account, wid, past, true);
    await recoverOperations(db(), { owner: "recoverer", ms: 0 }, pino({ level: "silent" }));
    const audit = await db().collection<AuditDoc>("audit_log").find({ operation: "distributeAid:override" }).toArray();
    expect(audit.map((a) => [a.ids, a.actor, a.role])).toEqual([[[encodeId("Distribution", "KZ-75", _id)], "staff-75", "REGIONAL_STAFF"]]);
    expect((await db().collection("stock_operations").findOne({ _id }))!.overridden).toBe(true);
    await expectLedger(db());
  });
});

describe("who reads what one household received", () => {
  it("the region's staff only: not coordinators, not other regions' staff", async () => {
    const w = await warehouse();
    const b = await household();
    await distribute(w, b, { FOOD_KIT: 1 });
    const Q = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Beneficiary { distributions { id items { item quantity } } } } }`;
    expect((await gql(Q, { reps: [{ __typename: "Beneficiary", id: b }] })).errors).toBeUndefined();
    for (const token of [coordinator, otherStaff])
      expect(codeOf(await gql(Q, { reps: [{ __typename: "Beneficiary", id: b }] }, token))).toBe("FORBIDDEN");
    const STATS = `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { distributionStats(from: "2026-01-01T00:00:00Z", to: "2026-12-31T00:00:00Z") { householdsServed } } } }`;
    expect(codeOf(await gql(STATS, {}, otherStaff))).toBe("FORBIDDEN");
    expect((await gql(STATS, {}, staff)).errors).toBeUndefined();
  });
});
