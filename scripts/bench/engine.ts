// Engine figures: the embedded engine in its own process, one MongoClient.
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import net from "node:net";
import { MongoClient, type Collection } from "mongodb";
import { encodeOpMsg } from "../embedded-mongo/wire.js";
import { spawnEngine } from "./processes.js";
import { timed, type Row } from "./report.js";

const IN_FLIGHT = 16;

type Doc = { _id: number; region: string; group: number; score: number; name: string };

async function fill(coll: Collection<Doc>, n: number): Promise<void> {
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: i,
    region: `KZ-${i % 20}`,
    group: i % 50,
    score: (i * 7919) % 100,
    name: `person ${i}`,
  }));
  for (let i = 0; i < n; i += 5000) await coll.insertMany(docs.slice(i, i + 5000));
}

async function engineBench(uri: string): Promise<Row[]> {
  const client = new MongoClient(uri);
  await client.connect();
  const db = client.db(`bench_${Date.now()}`);
  const rows: Row[] = [];
  try {
    // The floor any server has here: a no-op command through the same driver.
    const nPing = 5_000;
    const tPing = await timed(nPing, () => db.command({ ping: 1 }));
    rows.push({ name: "ping round trips (driver floor)", value: nPing / tPing, unit: "ops/s" });

    const inserts = db.collection<{ i: number; payload: string }>("inserts");
    await inserts.insertOne({ i: -1, payload: "warm-up" });
    const nInsert = 10_000;
    const tInsert = await timed(nInsert, (i) => inserts.insertOne({ i, payload: "x".repeat(100) }));
    const tInsertPar = await timed(nInsert, (i) => inserts.insertOne({ i, payload: "y".repeat(100) }), IN_FLIGHT);
    rows.push({ name: "single inserts, 1 in flight", value: nInsert / tInsert, unit: "ops/s" });
    rows.push({ name: `single inserts, ${IN_FLIGHT} in flight`, value: nInsert / tInsertPar, unit: "ops/s", target: { min: 5000 } });
    rows.push({ name: "insert time / ping time (1 in flight)", value: tInsert / nInsert / (tPing / nPing), unit: "ratio" });

    if (!process.env.MONGODB_URI) {
      rows.push({
        name: `engine capacity: raw wire inserts, ${IN_FLIGHT} in flight`,
        value: await rawWireInserts(uri, 20_000, IN_FLIGHT),
        unit: "ops/s",
        target: { min: 5000 },
      });
    }

    const small = db.collection<Doc>("small");
    const large = db.collection<Doc>("large");
    await fill(small, 1_000);
    await fill(large, 100_000);
    const nFind = 5_000;
    const tSmall = await timed(nFind, (i) => small.findOne({ _id: (i * 31) % 1_000 }));
    const tLarge = await timed(nFind, (i) => large.findOne({ _id: (i * 31) % 100_000 }));
    const tLargePar = await timed(nFind, (i) => large.findOne({ _id: (i * 37) % 100_000 }), IN_FLIGHT);
    rows.push({ name: "_id finds over 100,000 docs, 1 in flight", value: nFind / tLarge, unit: "ops/s" });
    rows.push({
      name: `_id finds over 100,000 docs, ${IN_FLIGHT} in flight`,
      value: nFind / tLargePar,
      unit: "ops/s",
      target: { min: 2000 },
    });
    rows.push({ name: "_id find time, 100k docs / 1k docs", value: tLarge / tSmall, unit: "ratio (≈1: no scan)" });

    const tenK = db.collection<Doc>("tenk");
    await fill(tenK, 10_000);
    const nFilter = 50;
    const tFilter = await timed(nFilter, (i) => tenK.find({ group: i % 50, score: { $gte: 50 } }).toArray());
    rows.push({ name: "filtered find over 10,000 docs (scan)", value: nFilter / tFilter, unit: "queries/s" });
    await tenK.createIndex({ group: 1 });
    const tIndexed = await timed(nFilter, (i) => tenK.find({ group: i % 50, score: { $gte: 50 } }).toArray());
    rows.push({ name: "same, with an index on group", value: nFilter / tIndexed, unit: "queries/s" });
    rows.push({ name: "indexed / scanned speed-up", value: tFilter / tIndexed, unit: "ratio" });
  } finally {
    await db.dropDatabase();
    await client.close();
  }
  return rows;
}

/**
 * The engine's own capacity, without the driver's per-call cost: one TCP connection
 * keeping `inFlight` pre-encoded insert commands outstanding.
 */
async function rawWireInserts(uri: string, n: number, inFlight: number): Promise<number> {
  const { hostname, port } = new URL(uri);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  await once(socket, "connect");
  const message = (i: number) => encodeOpMsg(0, { insert: "raw", documents: [{ i, payload: "x".repeat(100) }], $db: "bench_raw" });
  let sent = 0;
  let received = 0;
  let pending = Buffer.alloc(0);
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= pending.readInt32LE(0)) {
        pending = pending.subarray(pending.readInt32LE(0));
        received++;
      }
      const batch: Buffer[] = [];
      while (sent < n && sent - received < inFlight) batch.push(message(sent++));
      if (batch.length) socket.write(Buffer.concat(batch));
      if (received === n) resolve();
    });
    const first: Buffer[] = [];
    while (sent < Math.min(n, inFlight)) first.push(message(sent++));
    socket.write(Buffer.concat(first));
  });
  const seconds = (performance.now() - t0) / 1000;
  socket.destroy();
  return n / seconds;
}

export async function runEngineBench(): Promise<Row[]> {
  const external = process.env.MONGODB_URI;
  const server = external ? { uri: external, stop: async () => {} } : await spawnEngine();
  try {
    return await engineBench(server.uri);
  } finally {
    await server.stop();
  }
}
