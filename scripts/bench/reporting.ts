// Report figures: the country's activity over a period through the gateway, over a year of
// history (~100,000 distributions nationally, with help requests and events), for a month, a
// quarter and the year, and the 3W export for the year. Half the regions also hold an older
// year: a report reads the records of its period only (indexes), so a region's month costs
// the same over two years of history as over one. Rounds are interleaved so that machine
// noise hits each kind of call alike. The engine runs in its own process; the region host
// (all 20 regions) and the gateway in this one.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ObjectId } from "bson";
import type { Db } from "mongodb";
import { pino } from "pino";
import { registryFor } from "../../gateway/registry.js";
import { createGateway } from "../../gateway/server.js";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { listen } from "../../subgraphs/kernel/http.js";
import { connectMongo } from "../../subgraphs/kernel/mongo.js";
import { localDateOf } from "../../subgraphs/kernel/periods.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";
import { createRegionHost } from "../../subgraphs/host/server.js";
import { postGraphQL } from "./client.js";
import { spawnEngine } from "./processes.js";
import { latencies, percentile, type Row } from "./report.js";

const auth = hs256Config(randomBytes(32).toString("hex"));
const DAY = 86_400_000;
/** Per region and year of history: 20 regions × 5,000 = 100,000 distributions a year nationally. */
const PER_REGION = { distributions: 5000, households: 500, helpRequests: 1500, events: 120 };
const ROUNDS = 5;
const PER_ROUND = 3;

const ACTIVITY = `query ($from: Date!, $to: Date!, $interval: ReportInterval!) {
  regions { code activity(from: $from, to: $to, interval: $interval) {
    start end householdsServed individualsReached distributions items { item quantity }
    helpRequestsOpened helpRequestsFulfilled helpRequestsCancelled medianHoursToFulfil
    volunteersActive hoursServed eventsHeld signUps } }
}`;

/** One year of a region's records, ending `yearsAgo` years before `now`. */
async function history(db: Db, code: string, now: number, yearsAgo: number): Promise<void> {
  const end = now - yearsAgo * 365 * DAY;
  const at = (i: number, n: number) => new Date(end - 365 * DAY + Math.floor(((i + 0.5) / n) * 365 * DAY));
  const tag = yearsAgo.toString(16).padStart(2, "0");
  const warehouses = [0, 1].map((w) => new ObjectId(`bbbb${tag}${w.toString(16).padStart(18, "0")}`));
  const households = Array.from({ length: PER_REGION.households }, (_, i) => new ObjectId(`bbbc00${i.toString(16).padStart(18, "0")}`));
  if (yearsAgo === 0) {
    await db.collection("beneficiaries").insertMany(
      households.map((_id, i) => ({
        _id,
        householdSize: 1 + (i % 6),
        status: "ACTIVE",
        needs: ["FOOD"],
        vulnerabilities: [],
        registeredAt: new Date(end - 400 * DAY),
      })),
    );
  }
  await db.collection("warehouses").insertMany(
    warehouses.map((_id, w) => ({
      _id,
      name: `Bench ${tag}-${w}`,
      nameKey: `bench ${tag}-${w}`,
      address: null,
      stock: {},
      thresholds: {},
      pendingOps: [],
      createdAt: new Date(end - 400 * DAY),
    })),
  );
  const ops = Array.from({ length: PER_REGION.distributions }, (_, i) => ({
    _id: new ObjectId(),
    type: "DISTRIBUTION",
    payloadHash: "bench",
    warehouseId: warehouses[i % 2],
    lines: [{ item: i % 3 ? "FOOD_KIT" : "HYGIENE_KIT", delta: -1 }],
    status: "COMPLETED",
    error: null,
    actor: "bench",
    beneficiaryId: encodeId("Beneficiary", code, households[(i * 7) % households.length]),
    householdSize: 1 + (i % 6),
    grantsRecorded: true,
    createdAt: at(i, PER_REGION.distributions),
    completedAt: at(i, PER_REGION.distributions),
  }));
  for (let i = 0; i < ops.length; i += 1000) await db.collection("stock_operations").insertMany(ops.slice(i, i + 1000));
  const requests = Array.from({ length: PER_REGION.helpRequests }, (_, i) => {
    const created = at(i, PER_REGION.helpRequests);
    const closed = new Date(created.getTime() + (2 + (i % 40)) * 3_600_000);
    const to = i % 4 === 3 ? "CANCELLED" : "FULFILLED";
    return {
      _id: new ObjectId(),
      channel: "HOTLINE",
      need: ["FOOD", "MEDICINE", "HYGIENE", "LEGAL_AID"][i % 4],
      urgency: "NORMAL",
      urgencyRank: 2,
      description: null,
      contactPhone: null,
      beneficiaryId: i % 2 ? households[i % households.length] : null,
      assignedVolunteerId: null,
      status: to,
      history: [
        { from: null, to: "NEW", at: created, actor: "bench", note: null },
        { from: "NEW", to, at: closed, actor: "bench", note: null },
      ],
      createdAt: created,
      updatedAt: closed,
    };
  });
  for (let i = 0; i < requests.length; i += 1000) await db.collection("help_requests").insertMany(requests.slice(i, i + 1000));
  await db.collection("events").insertMany(
    Array.from({ length: PER_REGION.events }, (_, i) => {
      const startsAt = at(i, PER_REGION.events);
      return {
        _id: new ObjectId(),
        title: "Bench event",
        kind: "SEMINAR",
        description: null,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 4 * 3_600_000),
        location: "Hall",
        onlineUrl: null,
        capacity: 20,
        spotsLeft: 10,
        organisationId: null,
        status: "SCHEDULED",
        cancelReason: null,
        participants: Array.from({ length: 10 }, (_, k) => ({
          volunteerId: encodeId("Volunteer", code, new ObjectId(`bbbd00${((i * 10 + k) % 300).toString(16).padStart(18, "0")}`)),
          signedUpAt: new Date(startsAt.getTime() - (1 + k) * DAY),
          hours: k % 5 ? 3 : null,
          attendedAt: k % 5 ? startsAt : null,
        })),
        createdAt: new Date(startsAt.getTime() - 20 * DAY),
        updatedAt: startsAt,
      };
    }),
  );
}

export async function runReportingBench(): Promise<Row[]> {
  const engine = await spawnEngine();
  const mongo = await connectMongo(engine.uri);
  const registry = RegionRegistry.load();
  const codes = registry.regions.map((r) => r.code);
  const host = await createRegionHost({
    subgraphs: await buildSubgraphs(),
    regions: registry.regions,
    registry,
    mongo,
    dbPrefix: `bench_rep_${Date.now()}`,
    auth,
    pseudonymKey: randomBytes(32).toString("hex"),
    log: pino({ level: "silent" }),
  });
  const hostHttp = await listen(host.handler);
  host.listening(hostHttp.url);
  const gateway = await createGateway({
    registry: registryFor(registry.regions, () => hostHttp.url),
    supergraphSdl: readFileSync(projectPath("schema", "supergraph.graphql"), "utf8"),
    auth,
    log: pino({ level: "silent" }),
    healthIntervalMs: 600_000,
    timeoutMs: 60_000,
  });
  const gatewayHttp = await listen(gateway.handler);
  const token = await mintToken(auth, { sub: "bench", role: "NATIONAL_COORDINATOR" });
  const rows: Row[] = [];
  try {
    const now = Date.now();
    const [oneYear, twoYears] = [codes.slice(0, codes.length / 2), codes.slice(codes.length / 2)];
    for (const code of codes) await history(host.db(code), code, now, 0);
    for (const code of twoYears) await history(host.db(code), code, now, 1);
    const today = localDateOf(new Date(now));
    const ago = (days: number) => localDateOf(new Date(now - days * DAY));
    const periods = {
      month: { from: ago(30), to: today, interval: "WEEK" },
      quarter: { from: ago(91), to: today, interval: "WEEK" },
      year: { from: ago(365), to: today, interval: "MONTH" },
    };
    const ask = async (vars: Record<string, string>) => {
      const res = await postGraphQL<{ regions: Array<{ activity: unknown[] | null }> }>(
        `${gatewayHttp.url}/graphql`,
        ACTIVITY,
        token,
        vars,
      );
      if (res.regions.some((r) => !r.activity)) throw new Error("a region did not answer");
      return res;
    };
    const exportYear = async () => {
      const res = await fetch(`${gatewayHttp.url}/export/3w.csv?from=${ago(365)}&to=${today}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.status !== 200) throw new Error(`export: ${res.status}`);
      await res.text();
    };
    // The figures must be right before they are timed: the year holds every distribution of a one-year region.
    const year = (await ask(periods.year)).regions as Array<{ code: string; activity: Array<{ distributions: number }> }>;
    const counted = year
      .filter((r) => oneYear.includes(r.code))
      .reduce((sum, r) => sum + r.activity.reduce((s, i) => s + i.distributions, 0), 0);
    if (counted !== oneYear.length * PER_REGION.distributions) throw new Error(`the year counted ${counted} distributions`);
    const regionMonth = (code: string) =>
      postGraphQL(
        `${gatewayHttp.url}/graphql`,
        `query ($code: String!, $from: Date!, $to: Date!) { region(code: $code) { activity(from: $from, to: $to, interval: WEEK) { householdsServed distributions helpRequestsFulfilled hoursServed } } }`,
        token,
        { code, from: periods.month.from, to: periods.month.to },
      );
    for (const vars of Object.values(periods)) await ask(vars); // warm up plans and caches
    const samples: Record<string, number[]> = { month: [], quarter: [], year: [], export: [] };
    const historyRatios: number[] = [];
    const regionLatency = async (group: string[]) => {
      const each: number[] = [];
      for (const code of group) each.push(...(await latencies(PER_ROUND, () => regionMonth(code))));
      return percentile(each, 50);
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, vars] of Object.entries(periods)) samples[name].push(...(await latencies(PER_ROUND, () => ask(vars))));
      samples.export.push(...(await latencies(PER_ROUND, exportYear)));
      const shorter = await regionLatency(oneYear);
      historyRatios.push((await regionLatency(twoYears)) / shorter);
    }
    const p50 = (name: string) => percentile(samples[name], 50);
    rows.push(
      {
        name: `activity, 20 regions, last 30 days by week (p50; ${(codes.length * PER_REGION.distributions).toLocaleString("en")} distributions a year)`,
        value: p50("month"),
        unit: "ms",
      },
      { name: "activity, 20 regions, last 91 days by week (p50)", value: p50("quarter"), unit: "ms" },
      { name: "activity, 20 regions, last 366 days by month (p50)", value: p50("year"), unit: "ms" },
      { name: "3W export, 20 regions, last 366 days (p50)", value: p50("export"), unit: "ms" },
      { name: "year ÷ month (12× the records; the fan-out the same)", value: p50("year") / p50("month"), unit: "×" },
    );
    rows.push({
      name: "a region's month over 2 years of history ÷ over 1 year (median of per-round ratios: reads its period only)",
      value: percentile(historyRatios, 50),
      unit: "×",
      target: { max: 1.3 },
    });
  } finally {
    await Promise.all([gatewayHttp.close(), gateway.stop()]);
    await hostHttp.close();
    await host.stop();
    await mongo.close();
    await engine.stop();
  }
  return rows;
}
