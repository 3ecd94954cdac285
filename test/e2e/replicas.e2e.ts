// Two replicas of a region host (separate processes, `npm run region-host`) on one database.
// One dies (SIGKILL) at each step of a two-line distribution under an entitlement rule and of
// a transfer, or stalls (SIGSTOP) mid-operation while the other restarts: the survivor
// completes or rolls back within the lease, a retry with the key answers the outcome, nothing
// is counted twice, and stock always equals the ledger.
import { ObjectId } from "bson";
import type { Db, MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { regionDbName } from "../../subgraphs/kernel/mongo.js";
import { postGraphQL, TEST_PSEUDONYM_KEY, TEST_SECRET, type GraphQLResponse } from "../support/host.js";
import { expectLedgerMatchesStock } from "../support/ledger.js";
import { connect, randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";
import { spawnScript, type Spawned } from "../support/process.js";
import { eventually } from "../support/wait.js";
import { readFileSync } from "node:fs";

const LEASE_MS = 1500;
let mongo: TestMongo;
let client: MongoClient;
let db: Db;
const prefix = randomDbName("aidgraph_rep");
let staff: string;
/** The replica that keeps running (restarted in one test). */
let survivor: Replica;
let warehouse: string;
let destination: string;
let household: string;

interface Replica {
  process: Spawned;
  url: string;
}

async function replica(fault?: string, leaseMs = LEASE_MS): Promise<Replica> {
  const process = spawnScript("region-host", [], {
    REGIONS: "KZ-75,KZ-43",
    MONGODB_URI: mongo.uri,
    DB_PREFIX: prefix,
    PSEUDONYM_KEY: TEST_PSEUDONYM_KEY,
    JWT_SECRET: TEST_SECRET,
    PORT: "0",
    LEASE_MS: String(leaseMs),
    AIDGRAPH_FAULT: fault ?? "",
  });
  const line = await process.waitFor(/listening on http/);
  return { process, url: /(http:\/\/[^/\s]+)/.exec(line)![1] };
}

const gql = <T = Record<string, unknown>>(r: Replica, query: string, variables: Record<string, unknown> = {}, region = "KZ-75") =>
  postGraphQL<T>(`${r.url}/${region}/inventory/graphql`, query, variables, staff);

const DISTRIBUTE = `mutation ($input: DistributeAidInput!) { distributeAid(input: $input) { id } }`;
const distribution = (key: string) => ({
  input: {
    warehouseId: warehouse,
    beneficiaryId: household,
    items: [
      { item: "FOOD_KIT", quantity: 1 },
      { item: "WATER", quantity: 2 },
    ],
    idempotencyKey: key,
  },
});
const TRANSFER = `mutation ($input: TransferStockInput!) { transferStock(input: $input) { id status } }`;
const transfer = (key: string) => ({
  input: { fromWarehouseId: warehouse, toWarehouseId: destination, items: [{ item: "MASK", quantity: 3 }], idempotencyKey: key },
});

/** Retries `send` on the survivor while it answers "still being processed"; the answer after. */
async function outcome(send: () => Promise<GraphQLResponse>): Promise<GraphQLResponse> {
  return eventually(send, (res) => !res.errors?.some((e) => /still being processed/.test(e.message)), "the retry's outcome", 15_000);
}

/** A request to a replica that dies (or stops) on the way: its answer, or the connection's failure. */
const attempt = (send: () => Promise<GraphQLResponse>) => send().catch((err: unknown) => err as Error);

const processState = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];

async function stock(): Promise<Record<string, number>> {
  const w = await db.collection("warehouses").findOne({ _id: new ObjectId(warehouse.slice(-24)) });
  return w!.stock as Record<string, number>;
}

/** What the household was given of FOOD_KIT under its rule: grants, counted once each. */
async function foodGrants(): Promise<number> {
  const usage = await db.collection("entitlement_usage").findOne({ _id: `${household.slice(-24)}:FOOD_KIT` as never });
  return ((usage?.grants ?? []) as Array<{ quantity: number }>).reduce((sum, g) => sum + g.quantity, 0);
}

async function expectSettled(): Promise<void> {
  // No operation is left running, and what a stalled replica may have reserved is given back.
  await eventually(
    () => db.collection("stock_operations").countDocuments({ status: "PENDING" }),
    (n) => n === 0,
    "no operation running",
  );
  await eventually(
    () => db.collection("warehouses").countDocuments({ "pendingOps.0": { $exists: true } }),
    (n) => n === 0,
    "no reservation left",
  );
  await expectLedgerMatchesStock(db);
}

beforeAll(async () => {
  mongo = await startTestMongo();
  client = await connect(mongo.uri);
  db = client.db(regionDbName(prefix, "KZ-75"));
  staff = await mintToken(hs256Config(TEST_SECRET), { sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  survivor = await replica();
  const add = async (region: string, name: string) =>
    (
      await postGraphQL<{ addWarehouse: { id: string } }>(
        `${survivor.url}/${region}/inventory/graphql`,
        `mutation ($r: String!, $n: String!) { addWarehouse(input: { region: $r, name: $n }) { id } }`,
        { r: region, n: name },
        await mintToken(hs256Config(TEST_SECRET), { sub: "s", role: "REGIONAL_STAFF", region }),
      )
    ).data!.addWarehouse.id;
  warehouse = await add("KZ-75", "Replicated centre");
  destination = await add("KZ-43", "Destination");
  const donation = await gql(
    survivor,
    `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "Bank", donorKind: ORGANISATION, items: [{ item: FOOD_KIT, quantity: 100 }, { item: WATER, quantity: 100 }, { item: MASK, quantity: 100 }], idempotencyKey: "seed" }) { id } }`,
    { w: warehouse },
  );
  expect(donation.errors).toBeUndefined();
  const _id = new ObjectId();
  await db
    .collection("beneficiaries")
    .insertOne({ _id, householdSize: 3, vulnerabilities: [], needs: ["FOOD"], status: "ACTIVE", registeredAt: new Date() });
  household = encodeId("Beneficiary", "KZ-75", _id);
  const rule = await gql(
    survivor,
    `mutation { setEntitlementRule(input: { region: "KZ-75", item: FOOD_KIT, quantity: 100, periodDays: 30 }) { item } }`,
  );
  expect(rule.errors).toBeUndefined();
}, 60_000);

afterAll(async () => {
  await survivor?.process.stop("SIGTERM");
  await client?.close();
  await mongo?.stop();
});

describe("a replica killed at each step", () => {
  const steps = [
    "ledger:inserted",
    "ledger:stock:0",
    "ledger:stock:1",
    "ledger:grant:0",
    "ledger:grant:1",
    "ledger:recorded",
    "ledger:completed",
  ];
  it.each(steps)("of a distribution (%s): the survivor finishes or rolls back, the retry answers once", async (step) => {
    const before = { stock: await stock(), food: await foodGrants() };
    const dying = await replica(step);
    const key = `kill-${step}`;
    const first = await attempt(() => gql(dying, DISTRIBUTE, distribution(key)));
    expect(first).toBeInstanceOf(Error);
    await dying.process.exited;
    const retry = await outcome(() => gql(survivor, DISTRIBUTE, distribution(key)));
    expect(retry.errors).toBeUndefined();
    // Exactly one distribution for the key, whatever recovery decided.
    expect(await db.collection("stock_operations").countDocuments({ idempotencyKey: key, status: "COMPLETED" })).toBe(1);
    await expectSettled();
    expect(await stock()).toMatchObject({ FOOD_KIT: before.stock.FOOD_KIT - 1, WATER: before.stock.WATER - 2 });
    expect(await foodGrants()).toBe(before.food + 1);
  });

  it.each(["ledger:stock:0", "transfer:operated"])("of a transfer (%s): one transfer, its stock counted once", async (step) => {
    const before = (await stock()).MASK;
    const dying = await replica(step);
    const key = `kill-transfer-${step}`;
    const first = await attempt(() => gql(dying, TRANSFER, transfer(key)));
    expect(first).toBeInstanceOf(Error);
    await dying.process.exited;
    const retry = await outcome(() => gql<{ transferStock: { id: string } }>(survivor, TRANSFER, transfer(key)));
    expect(retry.errors).toBeUndefined();
    const id = (retry.data as { transferStock: { id: string } }).transferStock.id;
    expect(await db.collection("stock_operations").countDocuments({ idempotencyKey: key, status: "COMPLETED" })).toBe(1);
    // Recorded (by the retry or by recovery) and on its way.
    await eventually(
      () => db.collection("transfers_out").findOne({ _id: new ObjectId(id.slice(-24)) }),
      (t) => t?.status === "IN_TRANSIT",
      "the transfer is delivered",
    );
    await expectSettled();
    expect((await stock()).MASK).toBe(before - 3);
  });
});

/** A replica stopped (SIGSTOP) at `step` of a distribution under `key` while the survivor restarts. */
async function stallWhileRestarting(step: string, key: string, leaseMs?: number) {
  const stalled = await replica(`${step}@SIGSTOP`, leaseMs);
  const pending = attempt(() => gql(stalled, DISTRIBUTE, distribution(key)));
  await eventually(
    () => Promise.resolve(processState(stalled.process.child.pid!)),
    (s) => s === "T",
    "the replica stalls mid-distribution",
  );
  await survivor.process.stop("SIGTERM");
  survivor = await replica();
  return { stalled, pending };
}

describe("a replica that stalls while the other restarts", () => {
  it("past its lease: recovery rolls it back, the stalled replica fails loudly, the retry counts once", async () => {
    const before = await stock();
    const key = "stall-long";
    const { stalled, pending } = await stallWhileRestarting("ledger:stock:0", key);
    // Once the lease has lapsed, the restarted replica takes the operation over and rolls it back.
    await eventually(
      () => db.collection("stock_operations").findOne({ rolledBackKey: key }),
      (op) => op?.status === "ROLLED_BACK",
      "recovery rolls the stalled operation back",
    );
    stalled.process.child.kill("SIGCONT");
    const answer = await pending;
    expect(answer).not.toBeInstanceOf(Error);
    expect((answer as GraphQLResponse).errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "TAKEN_OVER" });
    const retry = await outcome(() => gql(survivor, DISTRIBUTE, distribution(key)));
    expect(retry.errors).toBeUndefined();
    expect(await db.collection("stock_operations").countDocuments({ idempotencyKey: key, status: "COMPLETED" })).toBe(1);
    await stalled.process.stop("SIGTERM");
    await expectSettled();
    expect(await stock()).toMatchObject({ FOOD_KIT: before.FOOD_KIT - 1, WATER: before.WATER - 2 });
  });

  it("within its lease: the restarted replica leaves it alone, and it completes", async () => {
    const before = await stock();
    // A lease long enough to outlast the other replica's restart (its own lease is what counts).
    const key = "stall-short";
    const { stalled, pending } = await stallWhileRestarting("ledger:stock:1", key, 20_000);
    // The restarted replica's recovery has run (at start-up, then every half lease): the operation is untouched.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    expect(await db.collection("stock_operations").findOne({ idempotencyKey: key })).toMatchObject({ status: "PENDING" });
    stalled.process.child.kill("SIGCONT");
    const answer = (await pending) as GraphQLResponse;
    expect(answer.errors).toBeUndefined();
    expect((await db.collection("stock_operations").findOne({ idempotencyKey: key }))!.status).toBe("COMPLETED");
    await stalled.process.stop("SIGTERM");
    await expectSettled();
    expect(await db.collection("stock_operations").countDocuments({ idempotencyKey: key, status: "COMPLETED" })).toBe(1);
    expect(await stock()).toMatchObject({ FOOD_KIT: before.FOOD_KIT - 1, WATER: before.WATER - 2 });
  });
});

describe("a recoverer that dies", () => {
  it.each(["recovery:taken", "recovery:rolling-back"])("at %s is itself taken over, and the rollback finished once", async (step) => {
    const before = await stock();
    const key = `recoverer-${step}`;
    // The survivor stays out of it (stopped) until the dying recoverer has taken the operation over.
    survivor.process.child.kill("SIGSTOP");
    const recoverer = await replica(step);
    const dying = await replica("ledger:stock:0");
    expect(await attempt(() => gql(dying, DISTRIBUTE, distribution(key)))).toBeInstanceOf(Error);
    await dying.process.exited;
    await recoverer.process.exited;
    survivor.process.child.kill("SIGCONT");
    const retry = await outcome(() => gql(survivor, DISTRIBUTE, distribution(key)));
    expect(retry.errors).toBeUndefined();
    expect(await db.collection("stock_operations").countDocuments({ idempotencyKey: key, status: "COMPLETED" })).toBe(1);
    expect(await db.collection("stock_operations").countDocuments({ rolledBackKey: key, status: "ROLLED_BACK" })).toBe(1);
    await expectSettled();
    expect(await stock()).toMatchObject({ FOOD_KIT: before.FOOD_KIT - 1, WATER: before.WATER - 2 });
  });
});
