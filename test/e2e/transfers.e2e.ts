// Two regional offices as separate processes (`npm run region-host`), configured as in
// production: each has its own key from `npm run transfer-keys`, and a registry names
// both offices' addresses and public keys. The source is killed (SIGKILL) with a transfer
// still undelivered, the destination being down; both come back and it arrives once.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hs256Config, mintToken } from "../../subgraphs/shared/auth.js";
import { RegionRegistry, SUBGRAPH_NAMES } from "../../subgraphs/shared/regions.js";
import { postGraphQL, TEST_PSEUDONYM_KEY, TEST_SECRET } from "../support/host.js";
import { randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";
import { spawnScript, type Spawned } from "../support/process.js";
import { eventually, freePort } from "../support/wait.js";
import { tempDir } from "../support/tmp.js";

let mongo: TestMongo;
let dir: string;
let running: Spawned[] = [];
const ports: Record<string, number> = {};
const keyFiles: Record<string, string> = {};
const publicKeys: Record<string, unknown> = {};
let registryFile: string;
const dbPrefix = randomDbName("e2e_trf").toLowerCase();

beforeAll(async () => {
  mongo = await startTestMongo();
  dir = tempDir("keys");
  const demo = RegionRegistry.load();
  const regions = [];
  for (const code of ["KZ-75", "KZ-43"]) {
    ports[code] = await freePort();
    keyFiles[code] = join(dir, `${code}.json`);
    const p = spawnScript("transfer-keys", ["--regions", code, "--out", keyFiles[code]!]);
    expect(await p.exited).toBe(0);
    const printed = JSON.parse(p.lines.filter((l) => !l.startsWith("private keys")).join("\n")) as Record<string, unknown>;
    publicKeys[code] = printed[code];
    // The private half never reaches the output.
    const { d } = (JSON.parse(readFileSync(keyFiles[code]!, "utf8")) as Record<string, { d: string }>)[code]!;
    expect(p.lines.join("\n")).not.toContain(d);
    const base = `http://127.0.0.1:${ports[code]}/${code}`;
    regions.push({ ...demo.require(code), subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, `${base}/${s}/graphql`])), publicKey: publicKeys[code] });
  }
  registryFile = join(dir, "registry.json");
  writeFileSync(registryFile, JSON.stringify({ regions }, null, 2));
});
afterAll(async () => {
  await mongo?.stop();
});
afterEach(async () => {
  if (process.env.DEBUG_E2E) for (const p of running) console.log(p.lines.join("\n"));
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  running = [];
});

function office(code: string, env: Record<string, string> = {}): Spawned {
  const p = spawnScript("region-host", [], {
    REGIONS: code,
    PORT: String(ports[code]),
    MONGODB_URI: mongo.uri,
    DB_PREFIX: dbPrefix,
    JWT_SECRET: TEST_SECRET,
    PSEUDONYM_KEY: TEST_PSEUDONYM_KEY,
    REGISTRY: registryFile,
    TRANSFER_KEYS: keyFiles[code]!,
    NODE_ENV: "production",
    LOG_LEVEL: process.env.DEBUG_E2E ? "info" : "silent",
    OUTBOX_RETRY_BASE_MS: "100",
    OUTBOX_RETRY_MAX_MS: "1000",
    // A killed process's claim on a message lapses after this plus a margin.
    OUTBOX_TIMEOUT_MS: "1000",
    ...env,
  });
  running.push(p);
  return p;
}

async function started(code: string): Promise<Spawned> {
  const p = office(code);
  await p.waitFor(/listening on http:\/\//);
  return p;
}

const staff = (region: string) => mintToken(hs256Config(TEST_SECRET), { sub: `staff-${region}`, role: "REGIONAL_STAFF", region });

async function call(region: string, query: string, variables: Record<string, unknown>) {
  const res = await postGraphQL<Record<string, Record<string, unknown>>>(`http://127.0.0.1:${ports[region]}/${region}/inventory/graphql`, query, variables, await staff(region));
  expect(res.errors).toBeUndefined();
  return res.data!;
}

async function statusAtSource(id: string): Promise<string> {
  return (await call("KZ-75", `query ($id: ID!) { transfer(id: $id) { status } }`, { id })).transfer!.status as string;
}

const until = (id: string, status: string) => eventually(() => statusAtSource(id), (s) => s === status, `${id} ${status}`, 30_000);

describe("transfers between two region-host processes", () => {
  it("survives the destination being down and the source being killed mid-flight", async () => {
    let destination = await started("KZ-43");
    const to = (await call("KZ-43", `mutation { addWarehouse(input: { region: "KZ-43", name: "Kyzylorda centre" }) { id } }`, {})).addWarehouse!.id as string;
    expect(await destination.stop("SIGTERM")).toBe(0);

    let source = await started("KZ-75");
    const from = (await call("KZ-75", `mutation { addWarehouse(input: { region: "KZ-75", name: "Almaty hub" }) { id } }`, {})).addWarehouse!.id as string;
    await call("KZ-75", `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "d", items: [{ item: FOOD_KIT, quantity: 50 }], idempotencyKey: "d1" }) { id } }`, { w: from });
    const t = (await call("KZ-75", `mutation ($input: TransferStockInput!) { transferStock(input: $input) { id status } }`, {
      input: { fromWarehouseId: from, toWarehouseId: to, items: [{ item: "FOOD_KIT", quantity: 20 }], idempotencyKey: "t1" },
    })).transferStock!;
    expect(t.status).toBe("REQUESTED");
    const id = t.id as string;

    await source.stop("SIGKILL");
    source = await started("KZ-75");
    destination = await started("KZ-43");
    await until(id, "IN_TRANSIT");

    const received = await call("KZ-43", `mutation ($id: ID!) { receiveTransfer(region: "KZ-43", id: $id) { status } }`, { id });
    expect(received.receiveTransfer).toEqual({ status: "RECEIVED" });
    await until(id, "RECEIVED");
    const stock = async (region: string, w: string) =>
      (await call(region, `query ($w: ID!) { warehouse(id: $w) { stock { item quantity } } }`, { w })).warehouse!.stock;
    expect(await stock("KZ-75", from)).toEqual([{ item: "FOOD_KIT", quantity: 30 }]);
    expect(await stock("KZ-43", to)).toEqual([{ item: "FOOD_KIT", quantity: 20 }]);
    expect(await source.stop("SIGTERM")).toBe(0);
    expect(await destination.stop("SIGTERM")).toBe(0);
  });

  it("in production, refuses to start without the region's signing key, naming what is missing", async () => {
    const none = office("KZ-75", { TRANSFER_KEYS: "" });
    await none.waitFor(/TRANSFER_KEYS is required with NODE_ENV=production/);
    expect(await none.exited).toBe(2);
    const wrong = office("KZ-75", { TRANSFER_KEYS: keyFiles["KZ-43"]! });
    await wrong.waitFor(/no key for KZ-75/);
    expect(await wrong.exited).toBe(2);
    const { d } = (JSON.parse(readFileSync(keyFiles["KZ-43"]!, "utf8")) as Record<string, { d: string }>)["KZ-43"]!;
    expect(wrong.lines.join("\n")).not.toContain(d);
  });
});
