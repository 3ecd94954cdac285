// Transfer figures: two regions, each a region host (in this process) with its own
// signing key and its own embedded engine (each in its own process). How fast transfers start, how soon the destination
// knows of them, and how a backlog drains when a destination that was down comes back.
import { randomBytes } from "node:crypto";
import type { Db } from "mongodb";
import { pino } from "pino";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { listen, type Listening } from "../../subgraphs/kernel/http.js";
import { generatePrivateJwk, publicPart } from "../../subgraphs/kernel/keys.js";
import { RegionLink } from "../../subgraphs/host/link.js";
import { connectMongo } from "../../subgraphs/kernel/mongo.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { createRegionHost, type RegionHost } from "../../subgraphs/host/server.js";
import { postGraphQL } from "./client.js";
import { spawnEngine } from "./processes.js";
import { percentile, timed, type Row } from "./report.js";

const auth = hs256Config(randomBytes(32).toString("hex"));
const RETRY = { baseMs: 200, maxMs: 2000 };

interface Side {
  code: string;
  port: number;
  host: RegionHost;
  http: Listening;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Stops and drops its engine. */
  shutdown(): Promise<void>;
  db(): Db;
}

async function side(
  code: string,
  peer: string,
  keys: Record<string, Awaited<ReturnType<typeof generatePrivateJwk>>>,
  ports: Record<string, number>,
): Promise<Side> {
  const engine = await spawnEngine();
  const mongo = await connectMongo(engine.uri);
  const registry = RegionRegistry.load();
  const start = async () => {
    const link = await RegionLink.create({ [code]: keys[code] });
    await link.setPeer(peer, { baseUrl: `http://127.0.0.1:${ports[peer]}` }, publicPart(keys[peer]));
    const host = await createRegionHost({
      subgraphs: await buildSubgraphs(["inventory"]),
      regions: [registry.require(code)],
      registry,
      mongo,
      dbPrefix: "bench_trf",
      auth,
      pseudonymKey: randomBytes(32).toString("hex"),
      log: pino({ level: "silent" }),
      link,
      retry: RETRY,
    });
    const http = await listen(host.handler, ports[code]);
    host.listening(http.url);
    return { host, http };
  };
  const s: Side = {
    code,
    port: ports[code],
    ...(await start()),
    restart: async () => {
      Object.assign(s, await start());
    },
    stop: async () => {
      await s.http.close();
      await s.host.stop();
    },
    shutdown: async () => {
      await s.stop();
      await mongo.close();
      await engine.stop();
    },
    db: () => s.host.db(code),
  };
  return s;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => listen(() => {})));
  await Promise.all(servers.map((s) => s.close()));
  return servers.map((s) => s.port);
}

/** A GraphQL request to a side's inventory subgraph. */
function gql(s: Side, token: string, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, { id: string }>> {
  return postGraphQL(`${s.http.url}/${s.code}/inventory/graphql`, query, token, variables);
}

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 5));
}

export async function runTransferBench(): Promise<Row[]> {
  const rows: Row[] = [];
  const [p75, p43] = await freePorts(2);
  const ports = { "KZ-75": p75, "KZ-43": p43 };
  const keys = { "KZ-75": await generatePrivateJwk(), "KZ-43": await generatePrivateJwk() };
  const A = await side("KZ-75", "KZ-43", keys, ports);
  const B = await side("KZ-43", "KZ-75", keys, ports);
  const staffA = await mintToken(auth, { sub: "bench-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  const staffB = await mintToken(auth, { sub: "bench-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  try {
    const from = (await gql(A, staffA, `mutation { addWarehouse(input: { region: "KZ-75", name: "Bench source" }) { id } }`)).addWarehouse
      .id;
    const to = (await gql(B, staffB, `mutation { addWarehouse(input: { region: "KZ-43", name: "Bench destination" }) { id } }`))
      .addWarehouse.id;
    await gql(
      A,
      staffA,
      `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "bench", items: [{ item: FOOD_KIT, quantity: 100000 }], idempotencyKey: "bench" }) { id } }`,
      { w: from },
    );
    const transfer = (i: string) =>
      gql(A, staffA, `mutation ($input: TransferStockInput!) { transferStock(input: $input) { id } }`, {
        input: { fromWarehouseId: from, toWarehouseId: to, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: `bench-${i}` },
      });
    const open = () => A.db().collection("transfers_out").countDocuments({ status: "REQUESTED" });

    // Destination up: how soon the destination knows of a transfer, one at a time and
    // in a burst; and how many transfers start per second.
    const lags = async (since: Date) =>
      (
        await A.db()
          .collection("transfers_out")
          .find({ requestedAt: { $gte: since } }, { projection: { requestedAt: 1, inTransitAt: 1 } })
          .toArray()
      ).map((t) => (t.inTransitAt as Date).getTime() - (t.requestedAt as Date).getTime());
    const quiet = new Date();
    for (let i = 0; i < 30; i++) {
      await transfer(`one-${i}`);
      await until(async () => (await open()) === 0);
    }
    const single = await lags(quiet);
    const n = 300;
    const burst = new Date();
    const seconds = await timed(n, (i) => transfer(`up-${i}`), 8);
    await until(async () => (await open()) === 0);
    const loaded = await lags(burst);
    rows.push({ name: "transferStock, destination up (8 in flight)", value: n / seconds, unit: "transfers/s" });
    rows.push({ name: "stock out → recorded at the destination, one at a time, p50", value: percentile(single, 50), unit: "ms" });
    rows.push({ name: `stock out → recorded at the destination, burst of ${n}, p50`, value: percentile(loaded, 50), unit: "ms" });
    rows.push({ name: `stock out → recorded at the destination, burst of ${n}, p95`, value: percentile(loaded, 95), unit: "ms" });

    // Destination down: transfers still start; when it is back, the backlog drains.
    await B.stop();
    const backlog = 300;
    const down = await timed(backlog, (i) => transfer(`down-${i}`), 8);
    rows.push({ name: "transferStock, destination down (8 in flight)", value: backlog / down, unit: "transfers/s" });
    await B.restart();
    const t0 = performance.now();
    await until(async () => (await open()) === 0);
    const drain = (performance.now() - t0) / 1000;
    rows.push({
      name: `backlog of ${backlog} delivered after the destination is back (retry ${RETRY.baseMs}–${RETRY.maxMs} ms)`,
      value: drain,
      unit: "s",
    });
    const incoming = await B.db().collection("transfers_in").countDocuments();
    rows.push({
      name: "incoming records at the destination / transfers made",
      value: incoming / (30 + n + backlog),
      unit: "×",
      target: { min: 1, max: 1 },
    });
  } finally {
    await A.shutdown();
    await B.shutdown();
  }
  return rows;
}
