// Reports through the one endpoint: a region's activity over a period, the 3W export, and
// both agreeing with the records they are made of (the ledger, the help requests' history,
// attendance) for seeded data, counted here independently, in Almaty's days (UTC+5).
import type { ObjectId } from "bson";
import type { Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedRegion } from "../../scripts/seed/seed.js";
import { keyedHasher } from "../../subgraphs/kernel/pseudonym.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { TEST_PSEUDONYM_KEY } from "../support/host.js";
import { startNational, type National, type NationalOptions } from "../support/national.js";

let national: National;
const tokens: Record<string, string> = {};
const NOW = new Date();
const DAY = 86_400_000;
/** Kazakhstan's one zone since March 2024, written out here rather than taken from the code under test. */
const ALMATY_OFFSET = 5 * 3_600_000;
const dateOf = (at: Date) => new Date(at.getTime() + ALMATY_OFFSET).toISOString().slice(0, 10);
const today = dateOf(NOW);
const daysAgo = (n: number) => dateOf(new Date(NOW.getTime() - n * DAY));
const datesFrom = (from: string, to: string) => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
};

/** A deployment whose `seeded` regions (default: every healthy one) hold the demo data as of NOW. */
async function seededNational(options: NationalOptions, seeded = options.healthy): Promise<National> {
  const deployment = await startNational(options);
  const registry = RegionRegistry.load();
  for (const code of seeded) {
    await seedRegion(deployment.host.db(code), registry.require(code), keyedHasher(TEST_PSEUDONYM_KEY), { now: NOW });
  }
  return deployment;
}

beforeAll(async () => {
  national = await seededNational({ healthy: ["KZ-75", "KZ-11"], down: ["KZ-43"] });
  tokens.staff75 = await national.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staff11 = await national.token({ sub: "staff-11", role: "REGIONAL_STAFF", region: "KZ-11" });
  tokens.coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  tokens.volunteer = await national.token({ sub: "KZ-75:vol:a1d0004b0002000000000001", role: "VOLUNTEER", region: "KZ-75" });
});
afterAll(async () => {
  await national?.stop();
});

interface Figures {
  households: Map<string, number>;
  distributions: number;
  items: Map<string, number>;
  opened: number;
  fulfilled: number;
  cancelled: number;
  hoursToFulfil: number[];
  eventsHeld: number;
  volunteers: Set<string>;
  hours: number;
  signUps: number;
}

/** What the records say happened on each Almaty date, read straight from the region's database. */
async function recordsByDate(db: Db): Promise<Map<string, Figures>> {
  const days = new Map<string, Figures>();
  const on = (at: Date) => {
    const d = dateOf(at);
    let f = days.get(d);
    if (!f) {
      f = {
        households: new Map(),
        distributions: 0,
        items: new Map(),
        opened: 0,
        fulfilled: 0,
        cancelled: 0,
        hoursToFulfil: [],
        eventsHeld: 0,
        volunteers: new Set(),
        hours: 0,
        signUps: 0,
      };
      days.set(d, f);
    }
    return f;
  };
  const ops = await db.collection("stock_operations").find({ type: "DISTRIBUTION", status: "COMPLETED" }).sort({ createdAt: 1 }).toArray();
  for (const op of ops) {
    const f = on(op.createdAt as Date);
    f.distributions++;
    f.households.set(op.beneficiaryId as string, op.householdSize as number);
    for (const line of op.lines as Array<{ item: string; delta: number }>)
      f.items.set(line.item, (f.items.get(line.item) ?? 0) - line.delta);
  }
  for (const r of await db.collection("help_requests").find().toArray()) {
    const opened = ((r.capturedAt as Date | undefined) ?? r.createdAt) as Date;
    on(opened).opened++;
    for (const h of r.history as Array<{ to: string; at: Date }>) {
      if (h.to === "FULFILLED") {
        on(h.at).fulfilled++;
        on(h.at).hoursToFulfil.push((h.at.getTime() - opened.getTime()) / 3_600_000);
      }
      if (h.to === "CANCELLED") on(h.at).cancelled++;
    }
  }
  for (const e of await db.collection("events").find().toArray()) {
    const participants = e.participants as Array<{ volunteerId: string; signedUpAt: Date; hours: number | null }>;
    for (const p of participants) on(p.signedUpAt).signUps++;
    if (e.status === "CANCELLED" || (e.startsAt as Date) >= NOW) continue;
    const f = on(e.startsAt as Date);
    f.eventsHeld++;
    for (const p of participants.filter((p) => p.hours !== null)) {
      f.volunteers.add(p.volunteerId);
      f.hours += p.hours!;
    }
  }
  return days;
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return Math.round((s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) * 100) / 100;
}

/** The records' figures over some dates, as Region.activity names them. */
function expectedOver(days: Map<string, Figures>, dates: string[]) {
  const households = new Map<string, number>();
  const items = new Map<string, number>();
  const volunteers = new Set<string>();
  const sum = { distributions: 0, opened: 0, fulfilled: 0, cancelled: 0, eventsHeld: 0, hours: 0, signUps: 0 };
  const hoursToFulfil: number[] = [];
  for (const d of dates) {
    const f = days.get(d);
    if (!f) continue;
    for (const [id, size] of f.households) households.set(id, size);
    for (const [item, q] of f.items) items.set(item, (items.get(item) ?? 0) + q);
    for (const v of f.volunteers) volunteers.add(v);
    hoursToFulfil.push(...f.hoursToFulfil);
    for (const k of Object.keys(sum) as Array<keyof typeof sum>) sum[k] += f[k === "hours" ? "hours" : k];
  }
  return {
    householdsServed: households.size,
    individualsReached: [...households.values()].reduce((a, b) => a + b, 0),
    distributions: sum.distributions,
    items: Object.fromEntries([...items].filter(([, q]) => q > 0)),
    helpRequestsOpened: sum.opened,
    helpRequestsFulfilled: sum.fulfilled,
    helpRequestsCancelled: sum.cancelled,
    medianHoursToFulfil: median(hoursToFulfil),
    eventsHeld: sum.eventsHeld,
    volunteersActive: volunteers.size,
    hoursServed: sum.hours,
    signUps: sum.signUps,
  };
}

const ACTIVITY = `query ($code: String!, $from: Date!, $to: Date!, $interval: ReportInterval!) {
  region(code: $code) {
    activity(from: $from, to: $to, interval: $interval) {
      id start end householdsServed individualsReached distributions items { item quantity }
      helpRequestsOpened helpRequestsFulfilled helpRequestsCancelled medianHoursToFulfil
      volunteersActive hoursServed eventsHeld signUps
    }
  }
}`;
interface Interval {
  id: string;
  start: string;
  end: string;
  items: Array<{ item: string; quantity: number }>;
  [figure: string]: unknown;
}

/** As the coordinator, unless another token (or null: anonymous) is given. */
async function activity(code: string, from: string, to: string, interval: string, token: string | null = tokens.coordinator) {
  return national.query<{ region: { activity: Interval[] | null } }>(ACTIVITY, { code, from, to, interval }, token ?? undefined);
}

describe("Region.activity", () => {
  it("agrees with the ledger, the help requests' history and attendance, by day, week and month", async () => {
    const days = await recordsByDate(national.host.db("KZ-75"));
    let compared = 0;
    for (const [interval, from] of [
      ["DAY", daysAgo(70)],
      ["WEEK", daysAgo(75)],
      ["MONTH", daysAgo(100)],
    ] as const) {
      const res = await activity("KZ-75", from, today, interval);
      expect(res.errors).toBeUndefined();
      const intervals = res.data!.region.activity!;
      // The intervals tile the period, in order.
      expect(intervals[0].start).toBe(from);
      expect(intervals.at(-1)!.end).toBe(today);
      expect(intervals.flatMap((i) => datesFrom(i.start, i.end))).toEqual(datesFrom(from, today));
      for (const { id, start, end, items, ...figures } of intervals) {
        expect(id).toMatch(/^KZ-75:act:/);
        const expected = expectedOver(days, datesFrom(start, end));
        const { items: expectedItems, ...expectedFigures } = expected;
        expect({ start, ...figures }).toEqual({ start, ...expectedFigures });
        expect(Object.fromEntries(items.filter((i) => i.quantity > 0).map((i) => [i.item, i.quantity]))).toEqual(expectedItems);
        compared++;
      }
    }
    // The seed has something in these months: the comparison is not of empty intervals only.
    const total = expectedOver(days, datesFrom(daysAgo(100), today));
    expect(total.distributions).toBeGreaterThan(4);
    expect(total.helpRequestsFulfilled).toBeGreaterThan(4);
    expect(total.hoursServed).toBeGreaterThan(10);
    expect(compared).toBeGreaterThan(70);
  });

  it("counts a distribution at 19:30 UTC on the Almaty date it was made: the next day", async () => {
    const late = await national.host
      .db("KZ-75")
      .collection("stock_operations")
      .findOne({ type: "DISTRIBUTION", status: "COMPLETED", $expr: { $eq: [{ $hour: "$createdAt" }, 19] } });
    expect(late).not.toBeNull();
    const at = late!.createdAt as Date;
    const utcDate = at.toISOString().slice(0, 10);
    const almatyDate = dateOf(at);
    expect(almatyDate).not.toBe(utcDate);
    const res = await activity("KZ-75", utcDate, almatyDate, "DAY");
    const [before, after] = res.data!.region.activity!;
    const same = await national.host
      .db("KZ-75")
      .collection("stock_operations")
      .countDocuments({
        type: "DISTRIBUTION",
        status: "COMPLETED",
        createdAt: {
          $gte: new Date(Date.parse(`${almatyDate}T00:00:00Z`) - ALMATY_OFFSET),
          $lt: new Date(Date.parse(`${almatyDate}T00:00:00Z`) - ALMATY_OFFSET + DAY),
        },
      });
    expect(after).toMatchObject({ start: almatyDate, distributions: same });
    expect(same).toBeGreaterThan(0);
    expect(before.distributions).toBe(0);
  });

  it("answers every region in one query, the one that is down named, the others whole", async () => {
    const res = await national.query<{ regions: Array<{ code: string; activity: Interval[] | null }> }>(
      `query ($from: Date!, $to: Date!) { regions { code activity(from: $from, to: $to, interval: MONTH) { start householdsServed helpRequestsFulfilled hoursServed } } }`,
      { from: daysAgo(60), to: today },
      tokens.coordinator,
    );
    const byCode = new Map(res.data!.regions.map((r) => [r.code, r.activity]));
    expect(byCode.get("KZ-43")).toBeNull();
    expect(res.errors!.some((e) => e.extensions?.code === "REGION_UNAVAILABLE" && e.extensions.region === "KZ-43")).toBe(true);
    for (const code of ["KZ-75", "KZ-11"]) {
      const intervals = byCode.get(code)!;
      expect(intervals.length).toBeGreaterThanOrEqual(2);
      expect(intervals.every((i) => typeof i.helpRequestsFulfilled === "number" && typeof i.hoursServed === "number")).toBe(true);
    }
  });

  it("is for coordinators and the region's own staff, wherever it is asked from", async () => {
    expect((await activity("KZ-75", daysAgo(3), today, "DAY", tokens.staff75)).errors).toBeUndefined();
    for (const token of [tokens.staff11, tokens.volunteer, null]) {
      const res = await activity("KZ-75", daysAgo(3), today, "DAY", token);
      expect(res.data?.region?.activity ?? null).toBeNull();
      expect(["FORBIDDEN", "UNAUTHENTICATED"]).toContain(res.errors![0].extensions!.code);
    }
    // Straight at the region host, as _entities: the rule sits on the type.
    const id = (await activity("KZ-75", today, today, "DAY")).data!.region.activity![0].id;
    for (const subgraph of ["beneficiaries", "events", "inventory"]) {
      const res = await fetch(national.host.url("KZ-75", subgraph), {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens.staff11}` },
        body: JSON.stringify({
          query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ActivityInterval { id __typename } } }`,
          variables: { r: [{ __typename: "ActivityInterval", id }] },
        }),
      });
      const body = (await res.json()) as { data?: { _entities: unknown[] }; errors?: Array<{ extensions: { code: string } }> };
      expect(body.data?._entities[0] ?? null, subgraph).toBeNull();
      expect(body.errors![0].extensions.code, subgraph).toBe("FORBIDDEN");
    }
  });

  it("refuses bad periods with the argument named, before asking any region", async () => {
    const fetches = national.gateway.metrics.totalFetches;
    for (const [from, to, interval, field] of [
      ["2026-02-30", "2026-03-01", "DAY", "from"],
      ["2026-03-02", "2026-03-01", "DAY", "to"],
      ["2024-01-01", "2025-06-01", "DAY", "interval"],
      ["2000-01-01", "2030-01-01", "MONTH", "to"],
    ]) {
      const res = await activity("KZ-75", from, to, interval);
      expect(res.errors![0].extensions, `${from}..${to}`).toMatchObject({ code: "BAD_USER_INPUT" });
      if (field !== "from") expect(res.errors![0].message).toContain(`${field}:`);
    }
    // Each is refused by the one region asked (one fetch each): nothing fans out.
    expect(national.gateway.metrics.totalFetches - fetches).toBe(4);
  });
});

/** The CSV's lines as cells (the test's data has no quotes or commas inside cells but where tested). */
const csvRows = (text: string) =>
  text
    .trimEnd()
    .split("\r\n")
    .map((line) => line.split(","));

/** As the coordinator, unless another token (or null: anonymous) is given; of the main deployment unless another is. */
async function exportFile(query: string, token: string | null = tokens.coordinator, from: National = national) {
  const base = from.url.replace(/\/graphql$/, "");
  return fetch(`${base}/export/3w.csv?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** What 3W rows the records give: per organisation name and sector, households and people. */
async function reachFromRecords(db: Db, from: string, to: string) {
  const start = new Date(Date.parse(`${from}T00:00:00Z`) - ALMATY_OFFSET);
  const end = new Date(Date.parse(`${to}T00:00:00Z`) - ALMATY_OFFSET + DAY);
  const orgs = new Map(
    (await db.collection("organisations").find().toArray()).map((o) => [`KZ-75:org:${o._id.toHexString()}`, o.name as string]),
  );
  const warehouses = new Map(
    (await db.collection("warehouses").find().toArray()).map((w) => [w._id.toHexString(), w.organisationId as string]),
  );
  const sizes = new Map(
    (await db.collection("beneficiaries").find().toArray()).map((b) => [b._id.toHexString(), b.householdSize as number]),
  );
  const itemSector: Record<string, string> = {
    FOOD_KIT: "Food Security",
    HYGIENE_KIT: "WASH",
    WATER: "WASH",
    MASK: "Health",
    MEDICINE: "Health",
    CLOTHING: "Shelter/NFI",
    BLANKET: "Shelter/NFI",
  };
  const needSector: Record<string, string> = {
    FOOD: "Food Security",
    MEDICINE: "Health",
    HYGIENE: "WASH",
    CLOTHING: "Shelter/NFI",
    SHELTER: "Shelter/NFI",
    LEGAL_AID: "Protection",
    PSYCHOLOGICAL_SUPPORT: "Protection",
  };
  const rows = new Map<string, Map<string, number>>();
  const add = (org: string | undefined, sector: string | undefined, household: string, size: number) => {
    if (!sector) return;
    const key = `${org ? orgs.get(org) : ""}|${sector}`;
    if (!rows.has(key)) rows.set(key, new Map());
    rows.get(key)!.set(household, size);
  };
  for (const op of await db
    .collection("stock_operations")
    .find({ type: "DISTRIBUTION", status: "COMPLETED", createdAt: { $gte: start, $lt: end } })
    .sort({ createdAt: 1 })
    .toArray()) {
    for (const line of op.lines as Array<{ item: string }>)
      add(
        warehouses.get((op.warehouseId as ObjectId).toHexString()),
        itemSector[line.item],
        op.beneficiaryId as string,
        op.householdSize as number,
      );
  }
  let caller = 0;
  for (const r of await db.collection("help_requests").find({ status: "FULFILLED" }).toArray()) {
    const at = (r.history as Array<{ to: string; at: Date }>).find((h) => h.to === "FULFILLED")!.at;
    if (at < start || at >= end) continue;
    const beneficiaryId = r.beneficiaryId as ObjectId | null;
    const household = beneficiaryId ? `KZ-75:ben:${beneficiaryId.toHexString()}` : `caller ${caller++}`;
    const known = [...rows.values()].find((m) => m.has(household))?.get(household);
    add(
      r.organisationId as string | undefined,
      needSector[r.need as string],
      household,
      beneficiaryId ? (known ?? sizes.get(beneficiaryId.toHexString())!) : 1,
    );
  }
  return new Map(
    [...rows].map(([key, households]) => [key, { hh: households.size, ind: [...households.values()].reduce((a, b) => a + b, 0) }]),
  );
}

describe("3W export", () => {
  it("is a CSV with an HXL hashtag row, one row per region × organisation × sector, agreeing with Region.reach and the records, small counts left out", async () => {
    const [from, to] = [daysAgo(90), today];
    const res = await exportFile(`from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("x-regions-missing")).toBe("KZ-43");
    const bytes = Buffer.from(await res.arrayBuffer());
    // A byte-order mark first, for Excel on Windows to read UTF-8 (the text decoder drops it).
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, hashtags, ...rows] = csvRows(new TextDecoder().decode(bytes));
    expect(header).toEqual([
      "Region code",
      "Region",
      "Organisation",
      "Sector",
      "Households reached",
      "People reached",
      "Start date",
      "End date",
    ]);
    expect(hashtags).toEqual(["#adm1+code", "#adm1+name", "#org", "#sector", "#reached+hh", "#reached+ind", "#date+start", "#date+end"]);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(["KZ-75", "KZ-11"]));
    const keys = rows.map((r) => `${r[0]}|${r[2]}|${r[3]}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(rows.every((r) => r[6] === from && r[7] === to)).toBe(true);

    const records = await reachFromRecords(national.host.db("KZ-75"), from, to);
    const graph = await national.query<{
      region: {
        reach: Array<{ organisation: { name: string } | null; sector: string; householdsReached: number; individualsReached: number }>;
      };
    }>(
      `query ($from: Date!, $to: Date!) { region(code: "KZ-75") { reach(from: $from, to: $to) { organisation { name } sector householdsReached individualsReached } } }`,
      { from, to },
      tokens.coordinator,
    );
    const labels: Record<string, string> = {
      FOOD_SECURITY: "Food Security",
      HEALTH: "Health",
      WASH: "WASH",
      SHELTER_NFI: "Shelter/NFI",
      PROTECTION: "Protection",
    };
    const fromGraph = new Map(
      graph.data!.region.reach.map((r) => [
        `${r.organisation?.name ?? ""}|${labels[r.sector]}`,
        { hh: r.householdsReached, ind: r.individualsReached },
      ]),
    );
    expect(fromGraph).toEqual(records);
    const exported = rows.filter((r) => r[0] === "KZ-75");
    expect(exported.length).toBe(records.size);
    let shown = 0;
    let hidden = 0;
    for (const r of exported) {
      const { hh, ind } = records.get(`${r[2]}|${r[3]}`)!;
      if (hh < 5) {
        expect([r[4], r[5]]).toEqual(["", ""]);
        hidden++;
      } else {
        expect([r[4], r[5]]).toEqual([String(hh), String(ind)]);
        shown++;
      }
    }
    expect(shown).toBeGreaterThan(0);
    expect(hidden).toBeGreaterThan(0);
  });

  it("answers the same rows as JSON keyed by hashtag", async () => {
    const q = `from=${daysAgo(90)}&to=${today}`;
    const csv = csvRows(await (await exportFile(q)).text()).slice(2);
    const json = (await (await exportFile(`${q}&format=json`)).json()) as {
      regionsMissing: string[];
      rows: Array<Record<string, string | number | null>>;
    };
    expect(json.regionsMissing).toEqual(["KZ-43"]);
    expect(json.rows.map((r) => Object.values(r).map((v) => (v === null ? "" : String(v))))).toEqual(csv);
  });

  it("gives staff their region's rows only, and refuses anyone else before asking a region", async () => {
    const q = `from=${daysAgo(90)}&to=${today}`;
    const staff = csvRows(await (await exportFile(q, tokens.staff11)).text()).slice(2);
    expect(new Set(staff.map((r) => r[0]))).toEqual(new Set(["KZ-11"]));
    const fetches = national.gateway.metrics.totalFetches;
    const refusals: Array<[string, string | null, number, string]> = [
      [q, null, 401, "UNAUTHENTICATED"],
      [q, "not-a-token", 401, "UNAUTHENTICATED"],
      [q, tokens.volunteer, 403, "FORBIDDEN"],
      [`${q}&region=KZ-75`, tokens.staff11, 403, "FORBIDDEN"],
      [`from=2026-02-30&to=${today}`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`from=${today}&to=${daysAgo(1)}`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`from=${daysAgo(400)}&to=${today}`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`to=${today}`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`${q}&format=xlsx`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`${q}&region=KZ-99`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`${q}&drop=1`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`${q}&lang=constructor`, tokens.coordinator, 400, "BAD_USER_INPUT"],
      [`${q}&lang=__proto__`, tokens.coordinator, 400, "BAD_USER_INPUT"],
    ];
    for (const [query, token, status, code] of refusals) {
      const res = await exportFile(query, token);
      expect(res.status, query).toBe(status);
      const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0].extensions.code, query).toBe(code);
    }
    expect(national.gateway.metrics.totalFetches).toBe(fetches);
  });

  it("never lets a spreadsheet run an organisation's name as a formula", async () => {
    const made = await national.query<{ createOrganisation: { id: string } }>(
      `mutation { createOrganisation(input: { region: "KZ-11", name: "=HYPERLINK(\\"http://evil.example\\",\\"Help\\")", kind: INFORMAL_GROUP }) { id } }`,
      {},
      tokens.staff11,
    );
    expect(made.errors).toBeUndefined();
    const warehouse = await national.host.db("KZ-11").collection("warehouses").findOne({});
    await national.query(
      `mutation ($w: ID!, $o: ID!) { setWarehouseOrganisation(warehouseId: $w, organisationId: $o) { organisation { id } } }`,
      { w: `KZ-11:wh:${warehouse!._id.toHexString()}`, o: made.data!.createOrganisation.id },
      tokens.staff11,
    );
    const text = await (await exportFile(`from=${daysAgo(90)}&to=${today}&region=KZ-11`)).text();
    const line = text.split("\r\n").find((l) => l.includes("HYPERLINK"))!;
    expect(line).toContain(`"'=HYPERLINK(""http://evil.example"",""Help"")"`);
    expect(text.split("\r\n").some((l) => /(^|,)=/.test(l))).toBe(false);
  });
});

describe("3W as recorded", () => {
  it("counts a caller who called five times as one household, and a distribution for the organisation running the warehouse then", async () => {
    const q = <T>(query: string, variables: Record<string, unknown> = {}) => national.query<T>(query, variables, tokens.staff11);
    const org = async (name: string) =>
      (
        await q<{ createOrganisation: { id: string } }>(
          `mutation ($n: String!) { createOrganisation(input: { region: "KZ-11", name: $n, kind: NGO }) { id } }`,
          { n: name },
        )
      ).data!.createOrganisation.id;
    const [legal, before, after] = [await org("Legal aid clinic"), await org("Food bank, then"), await org("Food bank, now")];
    const group = await q<{ createVolunteerGroup: { id: string } }>(
      `mutation ($o: ID!) { createVolunteerGroup(input: { region: "KZ-11", name: "Clinic volunteers", organisationId: $o }) { id } }`,
      { o: legal },
    );
    const volunteer = await q<{ registerVolunteer: { id: string } }>(
      `mutation ($g: ID!) { registerVolunteer(input: { region: "KZ-11", fullName: "Clinic Volunteer", phone: "+77019990011", groupId: $g }) { id } }`,
      { g: group.data!.createVolunteerGroup.id },
    );
    const volunteerId = volunteer.data!.registerVolunteer.id;
    for (let i = 0; i < 5; i++) {
      const opened = await q<{ openHelpRequest: { id: string } }>(
        `mutation { openHelpRequest(input: { region: "KZ-11", channel: HOTLINE, need: LEGAL_AID, contactPhone: "+77011234567" }) { id } }`,
      );
      const id = opened.data!.openHelpRequest.id;
      for (const step of [
        `mutation ($id: ID!, $v: ID!) { assignHelpRequest(id: $id, volunteerId: $v) { id } }`,
        `mutation ($id: ID!) { startHelpRequest(id: $id) { id } }`,
        `mutation ($id: ID!) { fulfilHelpRequest(id: $id) { id } }`,
      ]) {
        expect((await q(step, { id, v: volunteerId })).errors).toBeUndefined();
      }
    }
    // A kit from a warehouse the food bank ran then; it is handed to another organisation after.
    const warehouse = await q<{ addWarehouse: { id: string } }>(
      `mutation ($o: ID!) { addWarehouse(input: { region: "KZ-11", name: "Food bank store", organisationId: $o }) { id } }`,
      { o: before },
    );
    const w = warehouse.data!.addWarehouse.id;
    await q(
      `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "Bank", donorKind: ORGANISATION, items: [{ item: FOOD_KIT, quantity: 3 }], idempotencyKey: "rep-don" }) { id } }`,
      { w },
    );
    const household = await national.host.db("KZ-11").collection("beneficiaries").findOne({ status: "ACTIVE" });
    const given = await q(
      `mutation ($w: ID!, $b: ID!) { distributeAid(input: { warehouseId: $w, beneficiaryId: $b, items: [{ item: FOOD_KIT, quantity: 1 }], idempotencyKey: "rep-dist" }) { id } }`,
      { w, b: `KZ-11:ben:${household!._id.toHexString()}` },
    );
    expect(given.errors).toBeUndefined();
    await q(`mutation ($w: ID!, $o: ID!) { setWarehouseOrganisation(warehouseId: $w, organisationId: $o) { id } }`, { w, o: after });

    const reach = await q<{
      region: {
        reach: Array<{ organisation: { id: string } | null; sector: string; householdsReached: number; individualsReached: number }>;
      };
    }>(
      `query ($d: Date!) { region(code: "KZ-11") { reach(from: $d, to: $d) { organisation { id } sector householdsReached individualsReached } } }`,
      { d: today },
    );
    const rows = reach.data!.region.reach;
    expect(rows.filter((r) => r.organisation?.id === legal)).toEqual([
      { organisation: { id: legal }, sector: "PROTECTION", householdsReached: 1, individualsReached: 1 },
    ]);
    expect(rows.filter((r) => r.organisation?.id === before)).toEqual([
      {
        organisation: { id: before },
        sector: "FOOD_SECURITY",
        householdsReached: 1,
        individualsReached: household!.householdSize as number,
      },
    ]);
    expect(rows.some((r) => r.organisation?.id === after)).toBe(false);
  });

  it("answers a period that ends on the last date it accepts", async () => {
    const res = await activity("KZ-75", "2100-12-01", "2100-12-31", "WEEK");
    expect(res.errors).toBeUndefined();
    expect(res.data!.region.activity!.at(-1)).toMatchObject({ end: "2100-12-31", distributions: 0, helpRequestsOpened: 0, eventsHeld: 0 });
    const file = await exportFile("from=2100-12-01&to=2100-12-31");
    expect(file.status).toBe(200);
    expect(file.headers.get("x-regions-missing")).toBe("KZ-43");
  });
});

describe("3W export with a region's volunteers subgraph down", () => {
  let partial: National;
  beforeAll(async () => {
    // Organisations' names come from the volunteers subgraph: without them a region's rows would merge under no name.
    partial = await seededNational({
      healthy: ["KZ-75", "KZ-11"],
      front: (req, res, host) => {
        if (req.url?.startsWith("/KZ-75/volunteers/")) {
          res.writeHead(503).end();
          return;
        }
        host(req, res);
      },
    });
  });
  afterAll(async () => {
    await partial?.stop();
  });

  it("names the region as missing and leaves its rows out", async () => {
    const res = await exportFile(`from=${daysAgo(90)}&to=${today}`, tokens.coordinator, partial);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-regions-missing")).toBe("KZ-75");
    const rows = csvRows(await res.text()).slice(2);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r[0] === "KZ-11" && r[2] !== "")).toBe(true);
  });
});

describe("3W export with a slow region", () => {
  let slow: National;
  beforeAll(async () => {
    // Each of KZ-75's answers takes 700 ms, within the router's 1 s timeout per fetch; its
    // rows and then its organisations' names are two fetches, 1.4 s together.
    slow = await seededNational(
      {
        healthy: ["KZ-75", "KZ-11"],
        timeoutMs: 1000,
        front: (req, res, host) => {
          if (req.url?.startsWith("/KZ-75/")) setTimeout(() => host(req, res), 700);
          else host(req, res);
        },
      },
      ["KZ-75"],
    );
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it("gives a region one deadline for its whole answer: past it, the region is named missing", async () => {
    const res = await exportFile(`from=${daysAgo(90)}&to=${today}`, tokens.coordinator, slow);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-regions-missing")).toBe("KZ-75");
    expect(
      csvRows(await res.text())
        .slice(2)
        .every((r) => r[0] === "KZ-11"),
    ).toBe(true);
  });
});
