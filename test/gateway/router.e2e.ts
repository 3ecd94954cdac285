// The regional router through the gateway when regions fail: KZ-11 is down (closed
// port), KZ-15 accepts connections but never answers; KZ-75 and KZ-43 are healthy.
import { ObjectId } from "bson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { startNational, type National } from "../support/national.js";

const TIMEOUT_MS = 800;
let national: National;
let staff75: string;
let staff43: string;
let coordinator: string;
const v: Record<string, string> = {};

const REGISTER = `mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) { id } }`;

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43"], down: ["KZ-11"], hanging: ["KZ-15"], timeoutMs: TIMEOUT_MS });
  staff75 = await national.token({ sub: "s75", role: "REGIONAL_STAFF", region: "KZ-75" });
  staff43 = await national.token({ sub: "s43", role: "REGIONAL_STAFF", region: "KZ-43" });
  coordinator = await national.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
  const reg = async (region: string, name: string, phone: string, token: string) =>
    (
      await national.query<{ registerVolunteer: { id: string } }>(
        REGISTER,
        { input: { region, fullName: name, phone, skills: ["DRIVING"] } },
        token,
      )
    ).data!.registerVolunteer.id;
  v.a75 = await reg("KZ-75", "Asel", "+77010000001", staff75);
  v.b43 = await reg("KZ-43", "Bolat", "+77010000002", staff43);
  v.c75 = await reg("KZ-75", "Chingiz", "+77010000003", staff75);
});
afterAll(async () => {
  await national?.stop();
});

type Err = { message: string; path?: Array<string | number>; extensions?: Record<string, unknown> };
const unavailable = (errors: Err[] | undefined, region: string) =>
  (errors ?? []).filter((e) => e.extensions?.code === "REGION_UNAVAILABLE" && e.extensions.region === region);

describe("a region down or hanging", () => {
  it("answers the national overview with every healthy region's data and null plus REGION_UNAVAILABLE for the others", async () => {
    const res = await national.query<{ regions: Array<{ code: string } & Record<string, unknown>> }>(
      `{ regions { code status { healthy } volunteerStats { total } beneficiaryStats { beneficiaries } stock { item quantity } upcomingEvents(first: 5) { id } } }`,
      {},
      coordinator,
    );
    const byCode = Object.fromEntries(res.data!.regions.map((r) => [r.code, r] as const));
    expect(byCode["KZ-75"]).toMatchObject({
      status: { healthy: true },
      volunteerStats: { total: 2 },
      beneficiaryStats: { beneficiaries: 0 },
      upcomingEvents: [],
    });
    expect(byCode["KZ-43"]).toMatchObject({ status: { healthy: true }, volunteerStats: { total: 1 } });
    for (const code of ["KZ-11", "KZ-15"]) {
      expect(byCode[code]).toEqual({
        code,
        status: { healthy: false },
        volunteerStats: null,
        beneficiaryStats: null,
        stock: null,
        upcomingEvents: null,
      });
      const errors = unavailable(res.errors, code);
      expect(errors.length).toBeGreaterThanOrEqual(4);
      expect(new Set(errors.map((e) => e.extensions!.subgraph))).toEqual(new Set(["volunteers", "beneficiaries", "inventory", "events"]));
    }
    expect(unavailable(res.errors, "KZ-15")[0].message).toContain(`no answer within ${TIMEOUT_MS} ms`);
    expect(unavailable(res.errors, "KZ-11")[0].message).toMatch(/region KZ-11 is unavailable \(\w+: ECONNREFUSED\)/);
    expect(res.errors!.every((e) => e.extensions?.code === "REGION_UNAVAILABLE")).toBe(true);
  });

  it("reports the broken regions on /health and in /metrics", async () => {
    const health = (await (await fetch(national.url.replace("/graphql", "/health"))).json()) as { regions: Record<string, boolean> };
    expect(health.regions).toEqual({ "KZ-75": true, "KZ-43": true, "KZ-11": false, "KZ-15": false });
    const metrics = await (await fetch(national.url.replace("/graphql", "/metrics"))).text();
    expect(metrics).toMatch(/aidgraph_subgraph_unavailable_total\{region="KZ-11",subgraph="volunteers"\} [1-9]/);
    expect(metrics).toMatch(/aidgraph_subgraph_requests_total\{region="KZ-75",subgraph="volunteers"\} [1-9]/);
    expect(metrics).toContain("aidgraph_gateway_request_duration_seconds_bucket");
  });

  it("answers a root field for a down region with null and REGION_UNAVAILABLE", async () => {
    const id = encodeId("Volunteer", "KZ-11", new ObjectId());
    const res = await national.query(`query ($id: ID!) { volunteer(id: $id) { fullName } }`, { id }, coordinator);
    expect(res.data).toEqual({ volunteer: null });
    expect(res.errors).toEqual([
      expect.objectContaining<Record<string, unknown>>({
        path: ["volunteer"],
        extensions: expect.objectContaining({ code: "REGION_UNAVAILABLE", region: "KZ-11" }),
      }),
    ]);
  });
});

describe("several regions in one request", () => {
  it("splits root fields by region and keeps each answer under its own name", async () => {
    const res = await national.query<Record<string, { fullName: string } | null>>(
      `query ($a: ID!, $b: ID!, $d: ID!) { a: volunteer(id: $a) { fullName } b: volunteer(id: $b) { fullName } c: volunteer(id: "${v.c75}") { fullName } d: volunteer(id: $d) { fullName } }`,
      { a: v.a75, b: v.b43, d: encodeId("Volunteer", "KZ-11", new ObjectId()) },
      coordinator,
    );
    expect(res.data).toEqual({ a: { fullName: "Asel" }, b: { fullName: "Bolat" }, c: { fullName: "Chingiz" }, d: null });
    expect(res.errors).toEqual([
      expect.objectContaining<Record<string, unknown>>({ path: ["d"], extensions: expect.objectContaining({ region: "KZ-11" }) }),
    ]);
  });

  it("runs mutations for several regions in their order, each region judging its own", async () => {
    const res = await national.query<Record<string, { id: string } | null>>(
      `mutation {
        first: registerVolunteer(input: { region: "KZ-75", fullName: "First", phone: "+77011110001" }) { id }
        elsewhere: registerVolunteer(input: { region: "KZ-43", fullName: "Elsewhere", phone: "+77011110002" }) { id }
        second: registerVolunteer(input: { region: "KZ-75", fullName: "Second", phone: "+77011110003" }) { id }
      }`,
      {},
      staff75,
    );
    expect(res.data!.first!.id).toMatch(/^KZ-75:vol:/);
    expect(res.data!.second!.id).toMatch(/^KZ-75:vol:/);
    expect(res.data!.elsewhere).toBeNull();
    expect(res.errors).toEqual([
      expect.objectContaining<Record<string, unknown>>({ path: ["elsewhere"], extensions: expect.objectContaining({ code: "FORBIDDEN" }) }),
    ]);
    // ObjectIds grow with time: "first" was created before "second".
    expect(res.data!.first!.id.slice(-24) < res.data!.second!.id.slice(-24)).toBe(true);
  });

  it("re-assembles entities from several regions in their original order, null where a region is down", async () => {
    const staff = staff43;
    const event = (
      await national.query<{ createEvent: { id: string } }>(
        `mutation { createEvent(input: { region: "KZ-43", title: "Winter kindness week", kind: CHARITY_DRIVE, startsAt: "2999-01-10T09:00:00Z", endsAt: "2999-01-17T18:00:00Z", location: "Kyzylorda", capacity: 10 }) { id } }`,
        {},
        staff,
      )
    ).data!.createEvent.id;
    const lost = encodeId("Volunteer", "KZ-11", new ObjectId());
    for (const volunteer of [v.c75, v.b43, lost, v.a75]) {
      const r = await national.query(
        `mutation ($e: ID!, $v: ID!) { signUpForEvent(eventId: $e, volunteerId: $v) { id } }`,
        { e: event, v: volunteer },
        staff,
      );
      expect(r.errors).toBeUndefined();
    }
    const res = await national.query<{ event: { participants: Array<{ id: string; fullName: string } | null> } }>(
      `query ($id: ID!) { event(id: $id) { participants { id fullName } } }`,
      { id: event },
      coordinator,
    );
    expect(res.data!.event.participants).toEqual([
      { id: v.c75, fullName: "Chingiz" },
      { id: v.b43, fullName: "Bolat" },
      null,
      { id: v.a75, fullName: "Asel" },
    ]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions).toMatchObject({ code: "REGION_UNAVAILABLE", region: "KZ-11", subgraph: "volunteers" });
  });
});

describe("bad routing input", () => {
  it("names an unknown region", async () => {
    const res = await national.query(REGISTER, { input: { region: "KZ-99", fullName: "X", phone: "+77010000099" } }, staff75);
    expect(res.errors![0]).toMatchObject({ message: 'input.region: unknown region "KZ-99"', extensions: { code: "BAD_USER_INPUT" } });
    const viaRegion = await national.query(`{ region(code: "KZ-99") { name } }`, {}, coordinator);
    expect(viaRegion.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
  });

  it.each([
    ["a literal", `{ volunteer(id: "42") { id } }`, {}],
    ["a variable", `query ($id: ID!) { volunteer(id: $id) { id } }`, { id: "KZ-75:vol:nothex" }],
    [
      "an id inside an input object",
      `mutation ($i: DistributeAidInput!) { distributeAid(input: $i) { id } }`,
      { i: { warehouseId: "W-1", beneficiaryId: "B", items: [{ item: "MASK", quantity: 1 }], idempotencyKey: "k" } },
    ],
  ])("refuses a malformed id given as %s with BAD_USER_INPUT", async (_what, query, variables) => {
    const res = await national.query(query, variables, staff75);
    expect(res.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(res.errors![0].message).toMatch(/malformed id/);
  });
});
