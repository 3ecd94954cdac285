// Two regional offices as separate processes (`npm run region-host`), configured as in
// production: each has its own key from `npm run transfer-keys`, and a registry names
// both offices' https:// addresses (a TLS front in this process for each) and public keys.
// The source is killed (SIGKILL) with a transfer still undelivered, the destination being
// down; both come back and it arrives once.
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { SUBGRAPH_NAMES } from "../../subgraphs/manifest.js";
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

// A self-signed certificate for 127.0.0.1, for these tests only: the offices trust it
// through NODE_EXTRA_CA_CERTS, and nothing else does.
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBqTCCAVCgAwIBAgIUepjDfCCcn0ZzNtXTneRI9jH1ffkwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWYWlkZ3JhcGggZTJlIHRlc3Qgb25seTAgFw0yNjEyMDIwNjE4
MjNaGA8yMTI2MTEwODA2MTgyM1owITEfMB0GA1UEAwwWYWlkZ3JhcGggZTJlIHRl
c3Qgb25seTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJhfNzp4FcBVCVv23dC2
fJ3BBArd1meyk8sLqnv8fJWwgQnWCALfl7WEDSgIxXWvzEKSw6SV9/W31LJrkesE
Fn+jZDBiMB0GA1UdDgQWBBRJxRkCIYRBLXbPsS07SFoSg+dvfjAfBgNVHSMEGDAW
gBRJxRkCIYRBLXbPsS07SFoSg+dvfjAPBgNVHREECDAGhwR/AAABMA8GA1UdEwEB
/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgc3iq4P0KB/Gp7SPdTBpAwbUC9MMD
frFFIPUrGDXJkRoCIDdpbV+uct1Mgl779ZENOJtYvFU5QGlyue+xRz+bPTVV
-----END CERTIFICATE-----
`;
const TEST_CERT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgaO85RRMlepwzX0De
eK9BT0p8dOjPTE8Qxkykzb9hUq6hRANCAASYXzc6eBXAVQlb9t3QtnydwQQK3dZn
spPLC6p7/HyVsIEJ1ggC35e1hA0oCMV1r8xCksOklff1t9Sya5HrBBZ/
-----END PRIVATE KEY-----
`;
let caFile: string;
const fronts: https.Server[] = [];

/** HTTPS in front of an office's plain-HTTP port (as a TLS-terminating proxy would be); 502 while it is down. */
async function tlsFront(code: string): Promise<number> {
  const server = https.createServer({ cert: TEST_CERT, key: TEST_CERT_KEY }, (req, res) => {
    const upstream = http.request(
      { host: "127.0.0.1", port: ports[code], path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fronts.push(server);
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  mongo = await startTestMongo();
  dir = tempDir("keys");
  caFile = join(dir, "test-ca.pem");
  writeFileSync(caFile, TEST_CERT);
  const demo = RegionRegistry.load();
  const regions = [];
  for (const code of ["KZ-75", "KZ-43"]) {
    ports[code] = await freePort();
    keyFiles[code] = join(dir, `${code}.json`);
    const p = spawnScript("transfer-keys", ["--regions", code, "--out", keyFiles[code]]);
    expect(await p.exited).toBe(0);
    const printed = JSON.parse(p.lines.filter((l) => !l.startsWith("private keys")).join("\n")) as Record<string, unknown>;
    publicKeys[code] = printed[code];
    // The private half never reaches the output.
    const { d } = (JSON.parse(readFileSync(keyFiles[code], "utf8")) as Record<string, { d: string }>)[code];
    expect(p.lines.join("\n")).not.toContain(d);
    const base = `https://127.0.0.1:${await tlsFront(code)}/${code}`;
    regions.push({
      ...demo.require(code),
      subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, `${base}/${s}/graphql`])),
      publicKey: publicKeys[code],
    });
  }
  registryFile = join(dir, "registry.json");
  writeFileSync(registryFile, JSON.stringify({ regions }, null, 2));
});
afterAll(async () => {
  for (const front of fronts) front.closeAllConnections();
  await Promise.all(fronts.map((front) => new Promise((resolve) => front.close(resolve))));
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
    // Tokens in these tests are HS256 (production otherwise wants an identity provider's JWKS).
    JWT_ALLOW_HS256: "true",
    PSEUDONYM_KEY: TEST_PSEUDONYM_KEY,
    REGISTRY: registryFile,
    TRANSFER_KEYS: keyFiles[code],
    NODE_ENV: "production",
    NODE_EXTRA_CA_CERTS: caFile,
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
  const res = await postGraphQL<Record<string, Record<string, unknown>>>(
    `http://127.0.0.1:${ports[region]}/${region}/inventory/graphql`,
    query,
    variables,
    await staff(region),
  );
  expect(res.errors).toBeUndefined();
  return res.data!;
}

async function statusAtSource(id: string): Promise<string> {
  return (await call("KZ-75", `query ($id: ID!) { transfer(id: $id) { status } }`, { id })).transfer.status as string;
}

const until = (id: string, status: string) =>
  eventually(
    () => statusAtSource(id),
    (s) => s === status,
    `${id} ${status}`,
    30_000,
  );

describe("transfers between two region-host processes", () => {
  it("survives the destination being down and the source being killed mid-flight", async () => {
    let destination = await started("KZ-43");
    const to = (await call("KZ-43", `mutation { addWarehouse(input: { region: "KZ-43", name: "Kyzylorda centre" }) { id } }`, {}))
      .addWarehouse.id as string;
    expect(await destination.stop("SIGTERM")).toBe(0);

    let source = await started("KZ-75");
    const from = (await call("KZ-75", `mutation { addWarehouse(input: { region: "KZ-75", name: "Almaty hub" }) { id } }`, {})).addWarehouse
      .id as string;
    await call(
      "KZ-75",
      `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "d", items: [{ item: FOOD_KIT, quantity: 50 }], idempotencyKey: "d1" }) { id } }`,
      { w: from },
    );
    const t = (
      await call("KZ-75", `mutation ($input: TransferStockInput!) { transferStock(input: $input) { id status } }`, {
        input: { fromWarehouseId: from, toWarehouseId: to, items: [{ item: "FOOD_KIT", quantity: 20 }], idempotencyKey: "t1" },
      })
    ).transferStock;
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
      (await call(region, `query ($w: ID!) { warehouse(id: $w) { stock { item quantity } } }`, { w })).warehouse.stock;
    expect(await stock("KZ-75", from)).toEqual([{ item: "FOOD_KIT", quantity: 30 }]);
    expect(await stock("KZ-43", to)).toEqual([{ item: "FOOD_KIT", quantity: 20 }]);
    expect(await source.stop("SIGTERM")).toBe(0);
    expect(await destination.stop("SIGTERM")).toBe(0);
  });

  it("in production, refuses to start without the region's signing key, naming what is missing", async () => {
    const none = office("KZ-75", { TRANSFER_KEYS: "" });
    await none.waitFor(/TRANSFER_KEYS is required with NODE_ENV=production/);
    expect(await none.exited).toBe(2);
    const wrong = office("KZ-75", { TRANSFER_KEYS: keyFiles["KZ-43"] });
    await wrong.waitFor(/no key for KZ-75/);
    expect(await wrong.exited).toBe(2);
    const { d } = (JSON.parse(readFileSync(keyFiles["KZ-43"], "utf8")) as Record<string, { d: string }>)["KZ-43"];
    expect(wrong.lines.join("\n")).not.toContain(d);
  });

  it("in production, refuses to start with a plain-http address of a region it may message, naming the registry entry", async () => {
    const registry = JSON.parse(readFileSync(registryFile, "utf8")) as {
      regions: Array<{ code: string; subgraphs: Record<string, string> }>;
    };
    const kz43 = registry.regions.findIndex((r) => r.code === "KZ-43");
    registry.regions[kz43].subgraphs.inventory = `http://127.0.0.1:${ports["KZ-43"]}/KZ-43/inventory/graphql`;
    const plainFile = join(dir, "registry-plain-http.json");
    writeFileSync(plainFile, JSON.stringify(registry));
    const refused = office("KZ-75", { REGISTRY: plainFile });
    await refused.waitFor(
      new RegExp(`regions\\.${kz43}\\.subgraphs\\.inventory \\(KZ-43\\): must be an https:// URL with NODE_ENV=production`),
    );
    expect(await refused.exited).toBe(2);
  });
});
