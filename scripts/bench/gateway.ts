// Gateway figures: the national query over 20 regions vs 1 region through a 50 ms
// delay per region (and, apart, with the regions' answers replayed, as when each region
// is its own machine), gateway vs direct subgraph throughput, database queries per region
// per `_entities` batch, and `npm start`'s start-up time and memory.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { availableParallelism } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { randomBytes } from "node:crypto";
import { MongoClient, type CommandStartedEvent } from "mongodb";
import { pino } from "pino";
import { registryFor } from "../../gateway/registry.js";
import { createGateway, type Gateway } from "../../gateway/server.js";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { DEFAULT_MAX_BODY_BYTES, listen, readTextBody, sendJsonText } from "../../subgraphs/kernel/http.js";
import { postJson } from "../../gateway/router/transport.js";
import { connectMongo, regionDbName } from "../../subgraphs/kernel/mongo.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";
import { keyedHasher } from "../../subgraphs/kernel/pseudonym.js";
import { RegionRegistry, type RegionInfo } from "../../subgraphs/kernel/regions.js";
import { createRegionHost } from "../../subgraphs/host/server.js";
import { startEmbeddedMongo } from "../embedded-mongo/index.js";
import { seedRegion } from "../seed/seed.js";
import { postGraphQL } from "./client.js";
import { child, spawnEngine, stopChild } from "./processes.js";
import { latencies, percentile, timed, type Row } from "./report.js";

const DELAY_MS = 50;
const SECRET = randomBytes(32).toString("hex");
const KEY = randomBytes(32).toString("hex");
const auth = hs256Config(SECRET);
const quiet = pino({ level: "silent" });

const NATIONAL = `{ regions { code status { healthy } volunteerStats { total active bySkill { skill count } } beneficiaryStats { beneficiaries people openHelpRequests } stock { item quantity } upcomingEvents(first: 5) { id title startsAt } } }`;

/** User + system CPU time of a process so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

async function gatewayOver(
  regions: string[] | RegionInfo[],
  base: string | ((region: string) => string),
): Promise<{ url: string; gateway: Gateway; close(): Promise<void> }> {
  const registry = RegionRegistry.load();
  const gateway = await createGateway({
    registry: registryFor(
      regions.map((r) => (typeof r === "string" ? registry.require(r) : r)),
      typeof base === "string" ? () => base : base,
    ),
    supergraphSdl: readFileSync(projectPath("schema", "supergraph.graphql"), "utf8"),
    auth,
    log: quiet,
    healthIntervalMs: 600_000,
  });
  const server = await listen(gateway.handler);
  return { url: `${server.url}/graphql`, gateway, close: async () => void (await Promise.all([server.close(), gateway.stop()])) };
}

/** The host for every region in its own process, on a seeded engine of its own (delayed-host.ts). */
async function seededHost(replayOrigins = 1) {
  const engine = await spawnEngine();
  const mongoUri = engine.uri;
  const registry = RegionRegistry.load();
  const prefix = `bench_${Date.now()}`;
  const mongo = await connectMongo(mongoUri);
  for (const region of registry.regions) await seedRegion(mongo.db(regionDbName(prefix, region.code)), region, keyedHasher(KEY));
  // The host runs as regional offices run it: NODE_ENV=production.
  const env = {
    MONGODB_URI: mongoUri,
    DB_PREFIX: prefix,
    JWT_SECRET: SECRET,
    PSEUDONYM_KEY: KEY,
    DELAY_MS: String(DELAY_MS),
    NODE_ENV: "production",
    REPLAY_ORIGINS: String(replayOrigins),
  };
  const host = await child("./delayed-host.js", env);
  const [delayedBase, directBase, ...replayBases] = host.line.trim().split(" ") as [string, string, ...string[]];
  const token = await mintToken(auth, { sub: "bench", role: "NATIONAL_COORDINATOR" });
  const stop = async () => {
    await stopChild(host.proc);
    await mongo.close();
    await engine.stop();
  };
  return { engine, host, env, delayedBase, directBase, replayBases, token, stop };
}
type SeededHost = Awaited<ReturnType<typeof seededHost>>;

/** 20 regions vs 1 behind the delay, and gateway vs direct, with the host in its own process. */
async function fanOutAndOverhead(rows: Row[]): Promise<void> {
  const { engine, host, delayedBase, directBase, replayBases, token, stop } = await seededHost();
  const [replayBase] = replayBases;
  const registry = RegionRegistry.load();
  const all = registry.regions.map((r) => r.code);
  const g20 = await gatewayOver(all, delayedBase);
  const g1 = await gatewayOver(["KZ-75"], delayedBase);
  const gDirect = await gatewayOver(all, directBase);
  const r20 = await gatewayOver(all, replayBase);
  const r1 = await gatewayOver(["KZ-75"], replayBase);
  try {
    // Warm enough that the host's code is compiled (3 queries left its CPU per region twice
    // what it is once warm: the compiler's own work, and code not yet optimised).
    for (let i = 0; i < 40; i++)
      await Promise.all([
        postGraphQL(g20.url, NATIONAL, token),
        postGraphQL(g1.url, NATIONAL, token),
        postGraphQL(r20.url, NATIONAL, token),
        postGraphQL(r1.url, NATIONAL, token),
      ]);
    const n = 30;
    // CPU of every process on the machine (engine, host, gateway and client) per query.
    const cpuSince = (before: { engine: number; host: number; gateway: NodeJS.CpuUsage }) => {
      const gateway = process.cpuUsage(before.gateway);
      return {
        engine: (cpuMs(engine.pid) - before.engine) / n,
        host: (cpuMs(host.proc.pid!) - before.host) / n,
        gateway: (gateway.user + gateway.system) / 1000 / n,
      };
    };
    const cpuNow = () => ({ engine: cpuMs(engine.pid), host: cpuMs(host.proc.pid!), gateway: process.cpuUsage() });
    let before = cpuNow();
    const one = await latencies(n, () => postGraphQL(g1.url, NATIONAL, token));
    const cpuOne = cpuSince(before);
    before = cpuNow();
    const twenty = await latencies(n, () => postGraphQL(g20.url, NATIONAL, token));
    const cpuTwenty = cpuSince(before);
    const total = (c: typeof cpuOne) => c.engine + c.host + c.gateway;
    rows.push({ name: `national query, 1 region, p50 (${DELAY_MS} ms delay per region)`, value: percentile(one, 50), unit: "ms" });
    rows.push({ name: `national query, 20 regions, p50 (${DELAY_MS} ms delay per region)`, value: percentile(twenty, 50), unit: "ms" });
    rows.push({ name: "20 regions / 1 region, p50", value: percentile(twenty, 50) / percentile(one, 50), unit: "×", target: { max: 1.5 } });
    rows.push({ name: "20 regions / 1 region, p95", value: percentile(twenty, 95) / percentile(one, 95), unit: "×" });
    // Where a 20-region query's time goes on this machine's two shared cores.
    rows.push({ name: "  CPU per 20-region query: embedded engine process", value: cpuTwenty.engine, unit: "ms" });
    rows.push({ name: "  CPU per 20-region query: region host process (80 fetches in 20 batches)", value: cpuTwenty.host, unit: "ms" });
    rows.push({ name: "  CPU per 20-region query: gateway and bench client", value: cpuTwenty.gateway, unit: "ms" });
    // Here every region's host and database share the machine's cores, so each added region
    // adds its own work to the query's time. The most that 1.5× leaves for the 19 added
    // regions, even with every core busy all the time:
    rows.push({ name: "  CPU per added region, all processes", value: (total(cpuTwenty) - total(cpuOne)) / 19, unit: "ms" });
    rows.push({
      name: `  CPU per added region that 1.5× allows on ${availableParallelism()} cores (at best)`,
      value: (0.5 * percentile(one, 50) * availableParallelism()) / 19,
      unit: "ms",
    });
    // The same query with each region's answer recorded once and replayed after the delay:
    // the regions' own work is off this machine, as when each region is its own machine,
    // and what is left is the gateway's fan-out.
    const oneReplayed = await latencies(n, () => postGraphQL(r1.url, NATIONAL, token));
    const twentyReplayed = await latencies(n, () => postGraphQL(r20.url, NATIONAL, token));
    rows.push({
      name: "20 regions / 1 region, p50, regions' answers replayed (own machines)",
      value: percentile(twentyReplayed, 50) / percentile(oneReplayed, 50),
      unit: "×",
    });

    // One hop: the same query straight to a region's subgraph, and through the gateway.
    const query = `query ($id: ID!) { volunteer(id: $id) { id fullName skills status } }`;
    const id = (
      (
        await postGraphQL(
          `${directBase}/KZ-75/volunteers/graphql`,
          `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { volunteers(first: 1) { nodes { id } } } } }`,
          token,
        )
      )._entities as Array<{ volunteers: { nodes: Array<{ id: string }> } }>
    )[0].volunteers.nodes[0].id;
    const requests = 1500;
    await timed(200, () => postGraphQL(gDirect.url, query, token, { id }), 8);
    const tDirect = await timed(requests, () => postGraphQL(`${directBase}/KZ-75/volunteers/graphql`, query, token, { id }), 8);
    const tGateway = await timed(requests, () => postGraphQL(gDirect.url, query, token, { id }), 8);
    rows.push({ name: "one-hop query direct to the subgraph (8 in flight)", value: requests / tDirect, unit: "req/s" });
    rows.push({ name: "same query through the gateway (8 in flight)", value: requests / tGateway, unit: "req/s" });
    rows.push({
      name: "gateway throughput / direct throughput",
      value: (requests / tGateway / (requests / tDirect)) * 100,
      unit: "%",
      target: { min: 30 },
    });
  } finally {
    await Promise.all([g20.close(), g1.close(), gDirect.close(), r20.close(), r1.close()]);
    await stop();
  }
}

/** A region's share of a national query: what the gateway sends KZ-75's host (one batch of four operations). */
interface Share {
  path: string;
  body: string;
  headers: Record<string, string>;
}

/** The share as the gateway sends it, recorded on its way to the host. */
async function recordShare({ directBase, token }: SeededHost): Promise<Share> {
  let recorded: Share | undefined;
  const recorder = await listen((req, res) => {
    void readTextBody(req, res, DEFAULT_MAX_BODY_BYTES).then(async (read) => {
      if (!read) return;
      const headers = { "content-type": "application/json", authorization: req.headers.authorization ?? "" };
      if (req.url?.endsWith("/batch")) recorded ??= { path: req.url, body: read.text ?? "", headers };
      const r = await fetch(`${directBase}${req.url}`, { method: "POST", headers, body: read.text });
      sendJsonText(res, r.status, await r.text());
    });
  });
  const g = await gatewayOver(["KZ-75"], recorder.url);
  try {
    await postGraphQL(g.url, NATIONAL, token);
    return recorded!;
  } finally {
    await g.close();
    await recorder.close();
  }
}

/**
 * Host CPU per share of each host in `hosts`, sent the share in rounds of `n` (4 in flight),
 * the hosts in turn: each round's figure is the CPU its process used less what it uses when
 * idle (its background passes over its 20 regions), measured beforehand.
 */
async function sharesAt(
  share: Share,
  hosts: Array<{ base: string; pid: number }>,
  rounds: number,
  n: number,
  others: Array<{ pid: number }> = [],
): Promise<Array<{ host: number[]; others: number[] }>> {
  const sendTo = (base: string) => () => postJson(`${base}${share.path}`, share.body, share.headers, 10_000);
  // Warm: the hosts' code compiled, their start-up work done.
  for (const h of hosts) for (let i = 0; i < 1000; i++) await sendTo(h.base)();
  const idleRate = async (pid: number) => {
    const before = cpuMs(pid);
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return (cpuMs(pid) - before) / (performance.now() - t0);
  };
  const pids = [...hosts, ...others].map((h) => h.pid);
  const idle = new Map<number, number>();
  for (const pid of pids) idle.set(pid, await idleRate(pid));
  const out = hosts.map(() => ({ host: [] as number[], others: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < hosts.length; j++) {
      const k = (j + round) % hosts.length;
      const before = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
      const t0 = performance.now();
      await timed(n, sendTo(hosts[k].base), 4);
      const elapsed = performance.now() - t0;
      const used = (pid: number) => Math.max(0, cpuMs(pid) - before.get(pid)! - idle.get(pid)! * elapsed) / n;
      out[k].host.push(used(hosts[k].pid));
      out[k].others.push(others.reduce((sum, o) => sum + used(o.pid), 0));
    }
  }
  return out;
}

/** This host's and the engine's CPU per share. */
async function hostShare(rows: Row[], share: Share, { engine, host, directBase }: SeededHost): Promise<void> {
  const [{ host: cpu, others }] = await sharesAt(share, [{ base: directBase, pid: host.proc.pid! }], 7, 200, [{ pid: engine.pid }]);
  rows.push({ name: "region host CPU per region's share of a national query", value: percentile(cpu, 50), unit: "ms" });
  rows.push({ name: "  embedded engine CPU per share", value: percentile(others, 50), unit: "ms" });
}

/**
 * `--against DIR`: the same share sent to this host and to the host of another checkout,
 * built (`npm run build` in DIR), on the same seeded engine, in interleaved rounds: the
 * median of per-round ratios says what a change did to a region's share, free of the
 * machine's moods between runs.
 */
async function hostAgainst(rows: Row[], share: Share, seeded: SeededHost, dir: string): Promise<void> {
  const script = path.resolve(dir, "dist/scripts/bench/delayed-host.js");
  if (!existsSync(script)) throw new Error(`--against ${dir}: no ${script}; run npm run build there first`);
  const other = await child(pathToFileURL(script).href, seeded.env);
  try {
    const [, otherDirect] = other.line.trim().split(" ") as [string, string];
    const [mine, theirs] = await sharesAt(
      share,
      [
        { base: seeded.directBase, pid: seeded.host.proc.pid! },
        { base: otherDirect, pid: other.proc.pid! },
      ],
      15,
      400,
    );
    const ratios = mine.host.map((m, i) => m / theirs.host[i]);
    rows.push({ name: `region host CPU per share, ${dir}`, value: percentile(theirs.host, 50), unit: "ms" });
    rows.push({ name: "region host CPU per share, this checkout", value: percentile(mine.host, 50), unit: "ms" });
    rows.push({ name: "  this checkout / the other, median of 15 interleaved rounds", value: percentile(ratios, 50), unit: "×" });
  } finally {
    await stopChild(other.proc);
  }
}

/**
 * `n` regions: Kazakhstan's 20, then stand-ins (`ZZ-21`…) that the replaying host answers
 * for with one of the 20's recorded answers (delayed-host.ts).
 */
function regionsUpTo(n: number): RegionInfo[] {
  const real = RegionRegistry.load().regions;
  return Array.from({ length: n }, (_, i) =>
    i < real.length
      ? real[i]
      : { code: `ZZ-${i}`, kind: "OBLAST" as const, name: { kk: `Аудан ${i}`, ru: `Район ${i}`, en: `District ${i}` } },
  );
}

/**
 * The national query over 1, 20 and `largest` regions, each answering after the delay with
 * its answer replayed (each region its own machine): what is left is the gateway's work per
 * region, measured as its process's CPU per query.
 */
async function scale(rows: Row[], largest: number, { replayBases, token }: SeededHost): Promise<void> {
  const counts = [...new Set([1, 20, largest])].sort((a, b) => a - b);
  const gateways = await Promise.all(
    counts.map((n) => {
      const regions = regionsUpTo(n);
      const origin = new Map(regions.map((r, i) => [r.code, replayBases[i]]));
      return gatewayOver(regions, (code) => origin.get(code)!);
    }),
  );
  try {
    for (let i = 0; i < 3; i++) await Promise.all(gateways.map((g) => postGraphQL(g.url, NATIONAL, token)));
    // Rounds of each size in turn, so that the machine's background load hits each alike.
    const rounds = 10;
    const perRound = 5;
    const times = counts.map(() => [] as number[]);
    const cpu = counts.map(() => 0);
    for (let round = 0; round < rounds; round++) {
      for (const [k, g] of gateways.entries()) {
        const before = process.cpuUsage();
        times[k].push(...(await latencies(perRound, () => postGraphQL(g.url, NATIONAL, token))));
        const used = process.cpuUsage(before);
        cpu[k] += (used.user + used.system) / 1000;
      }
    }
    const n = rounds * perRound;
    const p50 = times.map((t) => percentile(t, 50));
    const cpuPerQuery = cpu.map((c) => c / n);
    for (const [k, count] of counts.entries()) {
      rows.push({ name: `national query, ${count} region${count === 1 ? "" : "s"}, p50 (answers replayed)`, value: p50[k], unit: "ms" });
      rows.push({ name: `  gateway CPU per query, ${count} region${count === 1 ? "" : "s"}`, value: cpuPerQuery[k], unit: "ms" });
    }
    for (const [k, count] of counts.entries()) {
      if (count === 1) continue;
      rows.push({
        name: `${count} regions / 1 region, p50 (answers replayed)`,
        value: p50[k] / p50[0],
        unit: "×",
        ...(count === largest ? { target: { max: 2.0 } } : {}),
      });
      rows.push({
        name: `  gateway CPU per added region (${count} regions)`,
        value: (cpuPerQuery[k] - cpuPerQuery[0]) / (count - 1),
        unit: "ms",
      });
    }
  } finally {
    await Promise.all(gateways.map((g) => g.close()));
  }
}

/** Database queries per region for an `_entities` batch, counted with command monitoring. */
async function referenceBatching(rows: Row[]): Promise<void> {
  const embedded = await startEmbeddedMongo({ log: () => {} });
  const mongo = new MongoClient(embedded.uri, { monitorCommands: true });
  await mongo.connect();
  const commands: CommandStartedEvent[] = [];
  mongo.on("commandStarted", (e) => commands.push(e));
  const registry = RegionRegistry.load();
  const codes = ["KZ-75", "KZ-43", "KZ-11", "KZ-79"];
  const regions = codes.map((c) => registry.require(c));
  const prefix = `bench_refs_${Date.now()}`;
  const host = await createRegionHost({
    subgraphs: await buildSubgraphs(),
    regions,
    registry,
    mongo,
    dbPrefix: prefix,
    auth,
    pseudonymKey: KEY,
    log: quiet,
  });
  for (const r of regions) await seedRegion(host.db(r.code), r, keyedHasher(KEY));
  const server = await listen(host.handler);
  const g = await gatewayOver(codes, server.url);
  try {
    // The host's commands to volunteers during one national query that resolves every
    // upcoming event's participants (Volunteer references of each region).
    commands.length = 0;
    const token = await mintToken(auth, { sub: "bench", role: "NATIONAL_COORDINATOR" });
    const data = await postGraphQL(g.url, `{ regions { code upcomingEvents(first: 5) { participants { id fullName } } } }`, token);
    const participants = (data.regions as Array<{ upcomingEvents: Array<{ participants: unknown[] }> }>).reduce(
      (n, r) => n + r.upcomingEvents.reduce((m, e) => m + e.participants.length, 0),
      0,
    );
    const finds = commands.filter((c) => c.commandName === "find" && c.command.find === "volunteers");
    const perRegion = new Map<string, number>();
    for (const f of finds) perRegion.set(f.databaseName, (perRegion.get(f.databaseName) ?? 0) + 1);
    rows.push({ name: `volunteer references resolved (${codes.length} regions)`, value: participants, unit: "entities" });
    rows.push({
      name: "database queries per region per _entities batch",
      value: Math.max(...perRegion.values(), 0),
      unit: "queries",
      target: { max: 1 },
    });
  } finally {
    await g.close();
    await server.close();
    await host.stop();
    await mongo.close();
    await embedded.stop();
  }
}

/** `npm start` as a user runs it: time until it says it is up, and its memory then. */
async function startup(rows: Row[]): Promise<void> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [fileURLToPath(new URL("../start.js", import.meta.url))], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "silent", MONGODB_URI: "" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const lines = createInterface({ input: proc.stdout });
  for await (const line of lines) if (line.includes("Ctrl-C stops")) break;
  const seconds = (performance.now() - t0) / 1000;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1] ?? 0);
  await stopChild(proc);
  rows.push({ name: "npm start: ready, 20 seeded regions (process start to ready)", value: seconds, unit: "s", target: { max: 15 } });
  rows.push({ name: "npm start: resident memory when ready", value: rssKb / 1024, unit: "MiB" });
}

/**
 * The national query over 1, 20 and `largest` regions (`--regions`, default 100), and a
 * region's share at its host (against another checkout's host with `against`).
 */
export async function runScaleBench(largest = 100, against?: string): Promise<Row[]> {
  const rows: Row[] = [];
  // One host for both: a replaying origin per region of the largest query.
  const seeded = await seededHost(Math.max(largest, 20));
  try {
    await scale(rows, largest, seeded);
    const share = await recordShare(seeded);
    await hostShare(rows, share, seeded);
    if (against) await hostAgainst(rows, share, seeded, against);
  } finally {
    await seeded.stop();
  }
  return rows;
}

export async function runGatewayBench(): Promise<Row[]> {
  const rows: Row[] = [];
  await fanOutAndOverhead(rows);
  await referenceBatching(rows);
  await startup(rows);
  return rows;
}
