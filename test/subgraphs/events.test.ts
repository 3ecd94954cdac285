// The events subgraph over HTTP: capacity-safe sign-up, time windows, attendance and hours.
import { readFileSync } from "node:fs";
import { printSubgraphSchema } from "@apollo/subgraph";
import { ObjectId } from "bson";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildEventsSchema, eventsSubgraph } from "../../subgraphs/events/schema.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { volunteersSubgraph } from "../../subgraphs/volunteers/schema.js";
import { postGraphQL, startTestHost, type TestHost } from "../support/host.js";

let host: TestHost;
let staff: string;
const url = () => host.url("KZ-75", "events");
const db = () => host.db("KZ-75");
const HOUR = 3_600_000;

beforeAll(async () => {
  host = await startTestHost([await volunteersSubgraph(), await eventsSubgraph()]);
  staff = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(async () => {
  await db().collection("events").deleteMany({});
  await db().collection("volunteers").deleteMany({});
});

const gql = <T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token = staff) =>
  postGraphQL<T>(url(), query, variables, token);

const CREATE = `mutation ($input: CreateEventInput!) { createEvent(input: $input) { id title kind startsAt endsAt capacity spotsLeft status region { code } } }`;
const SIGN_UP = `mutation ($e: ID!, $v: ID!) { signUpForEvent(eventId: $e, volunteerId: $v) { id spotsLeft participants { id } } }`;
const ATTEND = `mutation ($e: ID!, $v: ID!, $h: Float!) { recordAttendance(eventId: $e, volunteerId: $v, hours: $h) { attendance { volunteer { id } hours } } }`;

async function createEvent(over: Record<string, unknown> = {}): Promise<string> {
  const res = await gql<{ createEvent: { id: string } }>(CREATE, {
    input: {
      region: "KZ-75",
      title: "Donor bol blood drive",
      kind: "BLOOD_DRIVE",
      startsAt: new Date(Date.now() + 24 * HOUR).toISOString(),
      endsAt: new Date(Date.now() + 30 * HOUR).toISOString(),
      location: "Regional youth resource centre",
      capacity: 40,
      ...over,
    },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.createEvent.id;
}

/** An event under way: started two hours ago, six hours long. */
const ongoing = () => ({ startsAt: new Date(Date.now() - 2 * HOUR).toISOString(), endsAt: new Date(Date.now() + 4 * HOUR).toISOString() });
const volunteerOf = (region: string) => encodeId("Volunteer", region, new ObjectId());

describe("schema", () => {
  it("matches schema/events.graphql", async () => {
    const sdl = printSubgraphSchema(await buildEventsSchema());
    expect(readFileSync(new URL("../../schema/events.graphql", import.meta.url), "utf8")).toBe(`${sdl}\n`);
  });
});

describe("createEvent", () => {
  it("creates a scheduled event with all its places free", async () => {
    const res = await gql<{ createEvent: Record<string, unknown> }>(
      CREATE,
      {
        input: {
          region: "KZ-43",
          title: "Donor bol blood drive",
          kind: "BLOOD_DRIVE",
          startsAt: "2999-12-05T09:00:00Z",
          endsAt: "2999-12-05T15:00:00Z",
          location: "Regional youth resource centre",
          capacity: 40,
        },
      },
      await host.token({ sub: "s43", role: "REGIONAL_STAFF", region: "KZ-43" }),
    );
    expect(res.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", region: "KZ-43" });
    const id = await createEvent();
    const event = (
      await gql<{ event: Record<string, unknown> }>(
        `query ($id: ID!) { event(id: $id) { title capacity spotsLeft status kind region { code } } }`,
        { id },
      )
    ).data!.event;
    expect(event).toEqual({
      title: "Donor bol blood drive",
      capacity: 40,
      spotsLeft: 40,
      status: "SCHEDULED",
      kind: "BLOOD_DRIVE",
      region: { code: "KZ-75" },
    });
  });

  it.each([
    ["an end before the start", { startsAt: "2999-01-02T10:00:00Z", endsAt: "2999-01-02T09:00:00Z" }, /endsAt: must be after startsAt/],
    ["an event that is over", { startsAt: "2000-01-02T10:00:00Z", endsAt: "2000-01-02T12:00:00Z" }, /the event is over already/],
    ["no location and no link", { location: undefined }, /give a location or an onlineUrl/],
    ["a plain-http link", { location: undefined, onlineUrl: "http://example.org/seminar" }, /https/],
    ["a zero capacity", { capacity: 0 }, /capacity: must be at least 1/],
    ["an unknown kind", { kind: "PARTY" }, /PARTY/],
  ])("refuses %s with BAD_USER_INPUT and stores nothing", async (_what, over, message) => {
    const res = await gql(CREATE, {
      input: {
        region: "KZ-75",
        title: "Seminar",
        kind: "SEMINAR",
        startsAt: "2999-01-02T09:00:00Z",
        endsAt: "2999-01-02T12:00:00Z",
        location: "Hall",
        capacity: 10,
        ...over,
      },
    });
    expect(res.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(res.errors![0].message).toMatch(message);
    expect(await db().collection("events").countDocuments()).toBe(0);
  });
});

describe("sign-up", () => {
  it("lets exactly 40 of 100 concurrent sign-ups into 40 places", async () => {
    const id = await createEvent();
    const volunteers = Array.from({ length: 100 }, () => volunteerOf("KZ-43"));
    const results = await Promise.all(volunteers.map((v) => gql<{ signUpForEvent: { spotsLeft: number } }>(SIGN_UP, { e: id, v })));
    expect(results.filter((r) => r.data?.signUpForEvent)).toHaveLength(40);
    const full = results.filter((r) => r.errors?.[0]?.extensions?.reason === "FULL");
    expect(full).toHaveLength(60);
    expect(full[0].errors![0].extensions!.code).toBe("CONFLICT");
    const stored = await db().collection("events").findOne({});
    expect(stored!.participants).toHaveLength(40);
    expect(stored!.spotsLeft).toBe(0);
  });

  it("refuses a second sign-up, a cancelled and a past event, each with its reason", async () => {
    const id = await createEvent();
    const v = volunteerOf("KZ-75");
    await db()
      .collection("volunteers")
      .insertOne({ _id: new ObjectId(v.slice(-24)), fullName: "V", status: "ACTIVE" });
    expect((await gql(SIGN_UP, { e: id, v })).errors).toBeUndefined();
    expect((await gql(SIGN_UP, { e: id, v })).errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "ALREADY_SIGNED_UP" });
    await gql(`mutation ($id: ID!) { cancelEvent(id: $id, reason: "storm warning") { status } }`, { id });
    expect((await gql(SIGN_UP, { e: id, v: volunteerOf("KZ-43") })).errors![0].extensions).toMatchObject({
      code: "CONFLICT",
      reason: "CANCELLED",
    });
    const past = new ObjectId();
    await db()
      .collection("events")
      .insertOne({
        _id: past,
        title: "Old",
        kind: "CLEANUP",
        description: null,
        startsAt: new Date(Date.now() - 5 * HOUR),
        endsAt: new Date(Date.now() - HOUR),
        location: "Park",
        onlineUrl: null,
        capacity: 5,
        spotsLeft: 5,
        organisationId: null,
        status: "SCHEDULED",
        cancelReason: null,
        participants: [],
        createdAt: new Date(),
        updatedAt: new Date(),
      });
    expect((await gql(SIGN_UP, { e: encodeId("Event", "KZ-75", past), v: volunteerOf("KZ-43") })).errors![0].extensions).toMatchObject({
      code: "CONFLICT",
      reason: "PAST",
    });
  });

  it("lets volunteers sign themselves up (from any region) but not others, and give their place back", async () => {
    const id = await createEvent({ capacity: 2 });
    const me = volunteerOf("KZ-43");
    const myToken = await host.token({ sub: me, role: "VOLUNTEER" });
    const res = await gql<{ signUpForEvent: { spotsLeft: number; participants: Array<{ id: string }> } }>(
      SIGN_UP,
      { e: id, v: me },
      myToken,
    );
    expect(res.data!.signUpForEvent).toMatchObject({ spotsLeft: 1, participants: [{ id: me }] });
    expect((await gql(SIGN_UP, { e: id, v: volunteerOf("KZ-43") }, myToken)).errors![0].extensions!.code).toBe("FORBIDDEN");
    const back = await gql<{ cancelSignUp: { spotsLeft: number } }>(
      `mutation ($e: ID!, $v: ID!) { cancelSignUp(eventId: $e, volunteerId: $v) { spotsLeft } }`,
      { e: id, v: me },
      myToken,
    );
    expect(back.data!.cancelSignUp.spotsLeft).toBe(2);
  });

  it("refuses unknown or suspended volunteers of its own region and malformed ids", async () => {
    const id = await createEvent();
    expect((await gql(SIGN_UP, { e: id, v: volunteerOf("KZ-75") })).errors![0].extensions!.code).toBe("NOT_FOUND");
    const suspended = volunteerOf("KZ-75");
    await db()
      .collection("volunteers")
      .insertOne({ _id: new ObjectId(suspended.slice(-24)), fullName: "S", status: "SUSPENDED" });
    expect((await gql(SIGN_UP, { e: id, v: suspended })).errors![0].extensions!.code).toBe("CONFLICT");
    expect((await gql(SIGN_UP, { e: id, v: "nobody" })).errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect((await gql(SIGN_UP, { e: id, v: encodeId("Volunteer", "KZ-99", new ObjectId()) })).errors![0].message).toContain(
      'unknown region "KZ-99"',
    );
    expect((await db().collection("events").findOne({}))!.participants).toEqual([]);
  });
});

describe("capacity changes", () => {
  it("never lowers capacity below the volunteers signed up, and keeps spotsLeft consistent", async () => {
    const id = await createEvent({ capacity: 3 });
    for (let i = 0; i < 2; i++) await gql(SIGN_UP, { e: id, v: volunteerOf("KZ-43") });
    const UPDATE = `mutation ($id: ID!, $input: UpdateEventInput!) { updateEvent(id: $id, input: $input) { capacity spotsLeft } }`;
    expect((await gql(UPDATE, { id, input: { capacity: 1 } })).errors![0].extensions!.code).toBe("CONFLICT");
    expect((await gql<{ updateEvent: unknown }>(UPDATE, { id, input: { capacity: 10 } })).data!.updateEvent).toEqual({
      capacity: 10,
      spotsLeft: 8,
    });
    expect((await gql<{ updateEvent: unknown }>(UPDATE, { id, input: { capacity: 2 } })).data!.updateEvent).toEqual({
      capacity: 2,
      spotsLeft: 0,
    });
    expect((await gql(UPDATE, { id, input: { endsAt: "2000-01-01T00:00:00Z" } })).errors![0].message).toContain(
      "endsAt: must be after startsAt",
    );
  });
});

describe("attendance and hours", () => {
  it("records hours only for signed-up volunteers, within the event's length, and sums them per volunteer", async () => {
    const a = await createEvent({ ...ongoing(), kind: "CLEANUP" });
    const b = await createEvent({ ...ongoing(), kind: "DISTRIBUTION" });
    const future = await createEvent();
    const v = volunteerOf("KZ-43");
    for (const e of [a, b, future]) await gql(SIGN_UP, { e, v });
    expect((await gql(ATTEND, { e: a, v, h: 2.5 })).errors).toBeUndefined();
    expect((await gql(ATTEND, { e: b, v, h: 4 })).errors).toBeUndefined();
    expect((await gql(ATTEND, { e: a, v, h: 6.5 })).errors![0].message).toContain("hours: must be more than 0 and at most 6");
    expect((await gql(ATTEND, { e: a, v, h: 0 })).errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect((await gql(ATTEND, { e: a, v: volunteerOf("KZ-43"), h: 1 })).errors![0].extensions).toMatchObject({
      code: "CONFLICT",
      reason: "NOT_SIGNED_UP",
    });
    expect((await gql(ATTEND, { e: future, v, h: 1 })).errors![0].extensions).toMatchObject({ code: "CONFLICT", reason: "NOT_STARTED" });
    const res = await gql<{ _entities: Array<{ hoursServed: number; events: Array<{ id: string }> }> }>(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Volunteer { hoursServed events { id } } } }`,
      {
        reps: [
          { __typename: "Volunteer", id: v },
          { __typename: "Volunteer", id: volunteerOf("KZ-43") },
        ],
      },
    );
    expect(res.data!._entities[0].hoursServed).toBe(6.5);
    expect(res.data!._entities[0].events.map((e) => e.id).sort()).toEqual([a, b, future].sort());
    expect(res.data!._entities[1]).toEqual({ hoursServed: 0, events: [] });
  });
});

describe("listing", () => {
  it("lists upcoming events soonest first and filters events by window and kind", async () => {
    const later = await createEvent({
      title: "Later",
      startsAt: new Date(Date.now() + 48 * HOUR).toISOString(),
      endsAt: new Date(Date.now() + 50 * HOUR).toISOString(),
    });
    const sooner = await createEvent({ title: "Sooner", kind: "TRAINING" });
    await createEvent({ title: "Now", ...ongoing() });
    const res = await gql<{
      _entities: Array<{ upcomingEvents: Array<{ id: string }>; events: { nodes: Array<{ title: string }>; totalCount: number } }>;
    }>(
      `query ($from: DateTimeISO, $to: DateTimeISO) { _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region {
        upcomingEvents(first: 5) { id }
        events(from: $from, to: $to, kind: TRAINING) { nodes { title } totalCount }
      } } }`,
      { from: new Date().toISOString(), to: new Date(Date.now() + 36 * HOUR).toISOString() },
    );
    expect(res.data!._entities[0].upcomingEvents.map((e) => e.id)).toEqual([sooner, later]);
    expect(res.data!._entities[0].events).toEqual({ nodes: [{ title: "Sooner" }], totalCount: 1 });
  });

  it("resolves Event references with one query per batch", async () => {
    const ids = [await createEvent(), await createEvent(), await createEvent()];
    const before = host.commands.length;
    const res = await gql<{ _entities: Array<{ id: string } | null> }>(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Event { id } } }`,
      { reps: [ids[1], ids[2], ids[0]].map((id) => ({ __typename: "Event", id })) },
    );
    expect(res.data!._entities.map((e) => e!.id)).toEqual([ids[1], ids[2], ids[0]]);
    expect(host.commands.slice(before).filter((c) => c.commandName === "find" && c.command.find === "events")).toHaveLength(1);
  });

  it.each([
    ["nothing from the sign-ups", `id title`, false],
    ["participants", `id participants { id }`, true],
    ["participants under an alias", `id who: participants(first: 2) { id }`, true],
    ["attendance only", `id attendance { volunteer { id } hours }`, true],
    ["participants in an inline fragment", `id ... on Event { participants { id } }`, true],
    ["participants in a named fragment", `id ...People`, true],
    ["a named fragment without them", `...Titles`, false],
  ])("reads an event list's sign-ups only when the query asks for them: %s", async (_, selection, asked) => {
    const id = await createEvent();
    const signUps = [1, 2, 3].map((i) => ({
      volunteerId: volunteerOf("KZ-43"),
      signedUpAt: new Date(Date.now() - i * HOUR),
      hours: null,
      attendedAt: null,
    }));
    await db()
      .collection("events")
      .updateOne({}, { $set: { participants: signUps, spotsLeft: 37 } });
    const before = host.commands.length;
    const res = await gql<{
      _entities: Array<{ upcomingEvents: Array<Record<string, unknown>>; events: { nodes: Array<Record<string, unknown>> } }>;
    }>(
      `query { _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region {
        upcomingEvents(first: 5) { ${selection} }
        events { nodes { ${selection} } }
      } } }
      ${selection.includes("...People") ? "fragment People on Event { participants { id } }" : ""}
      ${selection.includes("...Titles") ? "fragment Titles on Event { id title spotsLeft }" : ""}`,
    );
    expect(res.errors).toBeUndefined();
    const { upcomingEvents, events } = res.data!._entities[0];
    for (const event of [upcomingEvents[0], events.nodes[0]]) {
      expect(event.id).toBe(id);
      const participants = (event.participants ?? event.who) as Array<{ id: string }> | undefined;
      if (participants) expect(participants).toEqual(signUps.slice(0, participants.length).map((p) => ({ id: p.volunteerId })));
      if (event.attendance) expect((event.attendance as unknown[]).length).toBe(3);
    }
    // What the reads asked the database for: the events with or without their sign-ups.
    // (The list's count is a read of its own, of no document.)
    const reads = host.commands
      .slice(before)
      .filter(
        (c) => c.command.find === "events" || (c.command.aggregate === "events" && JSON.stringify(c.command.pipeline).includes('"$sort"')),
      );
    expect(reads).toHaveLength(2);
    const withoutSignUps = (c: (typeof reads)[number]) =>
      JSON.stringify(c.command.projection ?? c.command.pipeline ?? {}).includes(`"participants":0`);
    expect(reads.map(withoutSignUps)).toEqual([!asked, !asked]);
  });
});
