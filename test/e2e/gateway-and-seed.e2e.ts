// `npm run gateway` and `npm run seed` as offices run them, as separate processes.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { SUBGRAPH_NAMES } from "../../subgraphs/manifest.js";
import { postGraphQL, startTestHost, TEST_PSEUDONYM_KEY, TEST_SECRET, type TestHost } from "../support/host.js";
import { connect, randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";
import { spawnScript, type Spawned } from "../support/process.js";
import { tempDir } from "../support/tmp.js";

let running: Spawned[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  running = [];
});
const start = (script: string, env: Record<string, string>) => {
  const p = spawnScript(script, [], { LOG_LEVEL: "silent", ...env });
  running.push(p);
  return p;
};

describe("npm run gateway", () => {
  let host: TestHost;
  let registryFile: string;
  beforeAll(async () => {
    host = await startTestHost(await buildSubgraphs(), ["KZ-75"]);
    const dir = tempDir("gateway");
    registryFile = join(dir, "registry.json");
    const region = RegionRegistry.load().require("KZ-75");
    writeFileSync(
      registryFile,
      JSON.stringify({ regions: [{ ...region, subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, host.url("KZ-75", s)])) }] }),
    );
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("serves the registry's regions and drains on SIGTERM", async () => {
    const p = start("gateway/index", { REGISTRY: registryFile, PORT: "0", JWT_SECRET: TEST_SECRET });
    const url = /(http:\/\/\S+\/graphql)/.exec(await p.waitFor(/gateway listening on/))![1];
    const token = await host.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
    const res = await postGraphQL<{ regions: unknown[] }>(
      url,
      "{ regions { code status { healthy } volunteerStats { total } } }",
      {},
      token,
    );
    expect(res.data).toEqual({ regions: [{ code: "KZ-75", status: { healthy: true }, volunteerStats: { total: 0 } }] });
    expect((await fetch(url.replace("/graphql", "/ready"))).status).toBe(200);
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://aid.example.kz", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(await p.stop("SIGTERM")).toBe(0);
  });

  it("drains on SIGTERM with NODE_ENV=production too, where Apollo would otherwise re-raise the signal", async () => {
    // Production wants its own signing key, and HS256 only when explicitly allowed.
    const keyFile = join(tempDir("gateway"), "gateway-key.json");
    const made = spawnScript("gateway-key", ["--out", keyFile]);
    const publicKey = JSON.parse(await made.waitFor(/^\{/)) as { kty: string; x: string };
    expect(await made.exited).toBe(0);
    expect(publicKey).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(publicKey).not.toHaveProperty("d");
    // …and https region addresses: the regions are not reached here, the gateway only has to start and drain.
    const httpsRegistry = join(tempDir("gateway"), "registry-https.json");
    writeFileSync(httpsRegistry, readFileSync(registryFile, "utf8").replaceAll("http://", "https://"));
    const env = { REGISTRY: httpsRegistry, PORT: "0", JWT_SECRET: TEST_SECRET, NODE_ENV: "production" };
    const refused = start("gateway/index", env);
    await refused.waitFor(/JWT_SECRET'.*JWT_ALLOW_HS256=true|GATEWAY_KEY'.*required with NODE_ENV=production/);
    expect(await refused.exited).toBe(2);
    const p = start("gateway/index", { ...env, JWT_ALLOW_HS256: "true", GATEWAY_KEY: keyFile });
    const url = /(http:\/\/\S+\/graphql)/.exec(await p.waitFor(/gateway listening on/))![1];
    expect((await fetch(url.replace("/graphql", "/ready"))).status).toBe(200);
    expect(await p.stop("SIGTERM")).toBe(0);
    expect(p.lines.join("\n")).toContain("SIGTERM: shutting down");
  });

  it("fails fast on a registry entry without subgraph URLs, naming it", async () => {
    const bad = join(tempDir("gateway"), "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        regions: [{ code: "KZ-75", name: { kk: "a", ru: "b", en: "c" }, subgraphs: { volunteers: "http://x/KZ-75/volunteers/graphql" } }],
      }),
    );
    const p = start("gateway/index", { REGISTRY: bad, PORT: "0", JWT_SECRET: TEST_SECRET });
    await p.waitFor(/regions\.0\.subgraphs\.beneficiaries \(KZ-75\): missing URL/);
    expect(await p.exited).toBe(2);
  });
});

describe("npm run token", () => {
  it("mints a development token the project accepts, and refuses staff without a region", async () => {
    const { authenticate, hs256Config } = await import("../../subgraphs/kernel/auth.js");
    const ok = spawnScriptWith(["--role", "REGIONAL_STAFF", "--region", "KZ-75"]);
    const token = (await ok.waitFor(/^ey/)).trim();
    expect(await ok.exited).toBe(0);
    expect(await authenticate(`Bearer ${token}`, hs256Config(TEST_SECRET))).toEqual({
      sub: "dev-regional_staff-kz-75",
      role: "REGIONAL_STAFF",
      region: "KZ-75",
    });
    const bad = spawnScriptWith(["--role", "REGIONAL_STAFF"]);
    await bad.waitFor(/REGIONAL_STAFF needs --region/);
    expect(await bad.exited).toBe(2);
  });
});

function spawnScriptWith(args: string[]): Spawned {
  const p = spawnScript("token", args, { JWT_SECRET: TEST_SECRET });
  running.push(p);
  return p;
}

describe("npm run seed", () => {
  let mongo: TestMongo;
  beforeAll(async () => {
    mongo = await startTestMongo();
  });
  afterAll(async () => {
    await mongo?.stop();
  });

  it("seeds the same data every time, skips seeded regions, and keeps stock equal to the ledger", async () => {
    const [a, b] = [randomDbName("seed").toLowerCase(), randomDbName("seed").toLowerCase()];
    const env = (prefix: string) => ({
      MONGODB_URI: mongo.uri,
      REGIONS: "KZ-75,KZ-43",
      DB_PREFIX: prefix,
      PSEUDONYM_KEY: TEST_PSEUDONYM_KEY,
    });
    const first = start("seed", env(a));
    await first.waitFor(/\[ 2\/2\] KZ-43 Kyzylorda Region: 40 volunteers, 30 beneficiaries, 20 helpRequests, 2 warehouses, 5 events/);
    expect(await first.exited).toBe(0);
    const again = start("seed", env(a));
    await again.waitFor(/KZ-75 Almaty: has data already, skipped/);
    expect(await again.exited).toBe(0);
    const other = start("seed", env(b));
    expect(await other.exited).toBe(0);

    const client = await connect(mongo.uri);
    try {
      const names = async (prefix: string) =>
        (await client.db(`${prefix}_kz_75`).collection("volunteers").find().sort({ _id: 1 }).toArray()).map(
          (v) => `${v._id.toHexString()} ${v.fullName}`,
        );
      expect(await names(a)).toEqual(await names(b));
      expect(await names(a)).toHaveLength(40);
      const db = client.db(`${a}_kz_43`);
      const ledger = await db
        .collection("stock_movements")
        .aggregate<{ _id: { w: unknown; item: string }; total: number }>([
          { $group: { _id: { w: "$warehouseId", item: "$item" }, total: { $sum: "$quantity" } } },
        ])
        .toArray();
      for (const w of await db.collection("warehouses").find().toArray()) {
        expect(w.pendingOps).toEqual([]);
        for (const [item, quantity] of Object.entries(w.stock as Record<string, number>)) {
          expect(ledger.find((l) => String(l._id.w) === String(w._id) && l._id.item === item)?.total).toBe(quantity);
        }
      }
      await Promise.all([a, b].flatMap((p) => ["kz_75", "kz_43"].map((r) => client.db(`${p}_${r}`).dropDatabase())));
    } finally {
      await client.close();
    }
  });
});
