// Retry-safe creates, as a hotline app on a bad line and a field device syncing twice use
// them: every create mutation takes an idempotency key; repeats (also at the same moment)
// return the first record and write nothing; the same key with another input is CONFLICT.
// Offline captures carry the device's time, checked against the clock and the region.
import { ObjectId } from "bson";
import { getNamedType, isInputObjectType, isNonNullType, type GraphQLInputObjectType } from "graphql";
import type { IndexDescriptionInfo } from "mongodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildSubgraphs } from "../../subgraphs/index.js";
import type { AuditDoc } from "../../subgraphs/kernel/audit.js";
import { capturedAt } from "../../subgraphs/kernel/capture.js";
import { IDEMPOTENCY_DAYS } from "../../subgraphs/kernel/idempotency.js";
import { postGraphQL, randomSuffix, startTestHost, type GraphQLResponse, type TestHost } from "../support/host.js";
import { makeIins } from "../support/iin.js";

let host: TestHost;
let staff: string;
let otherStaff: string;
const db = () => host.db("KZ-75");
const HOUR = 3_600_000;
const IINS = makeIins(20);

beforeAll(async () => {
  host = await startTestHost(await buildSubgraphs());
  staff = await host.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  otherStaff = await host.token({ sub: "staff-75b", role: "REGIONAL_STAFF", region: "KZ-75" });
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(async () => {
  for (const c of [
    "beneficiaries",
    "help_requests",
    "volunteers",
    "volunteer_groups",
    "warehouses",
    "events",
    "idempotency_keys",
    "audit_log",
  ]) {
    await db().collection(c).deleteMany({});
  }
});

interface CreateCase {
  mutation: string;
  subgraph: string;
  inputType: string;
  collection: string;
  /** A valid input; `n` makes unique fields unique. */
  input: (n: number) => Record<string, unknown>;
  /** The same request, written differently (spacing, phone format, list order): still a repeat. */
  sameAgain?: (n: number) => Record<string, unknown>;
  /** Another request under the same key. */
  other: (n: number) => Record<string, unknown>;
  /** Mutations that record a WRITE audit entry (records about people). */
  audited?: boolean;
}

const CASES: CreateCase[] = [
  {
    mutation: "openHelpRequest",
    subgraph: "beneficiaries",
    inputType: "OpenHelpRequestInput",
    collection: "help_requests",
    input: () => ({
      region: "KZ-75",
      channel: "HOTLINE",
      need: "FOOD",
      urgency: "HIGH",
      contactPhone: "+77011234567",
      description: "no food",
    }),
    sameAgain: () => ({
      region: "KZ-75",
      channel: "HOTLINE",
      need: "FOOD",
      urgency: "HIGH",
      contactPhone: "+7 701 123 45 67",
      description: "  no   food ",
    }),
    other: () => ({ region: "KZ-75", channel: "HOTLINE", need: "MEDICINE", urgency: "HIGH", contactPhone: "+77011234567" }),
    audited: true,
  },
  {
    mutation: "enrollBeneficiary",
    subgraph: "beneficiaries",
    inputType: "EnrollBeneficiaryInput",
    collection: "beneficiaries",
    input: (n) => ({
      region: "KZ-75",
      fullName: "Omarova family",
      householdSize: 4,
      nationalId: IINS[n],
      needs: ["FOOD", "CLOTHING"],
      consent: { given: true, purpose: "food aid" },
    }),
    sameAgain: (n) => ({
      region: "KZ-75",
      fullName: " Omarova  family",
      householdSize: 4,
      nationalId: IINS[n],
      needs: ["CLOTHING", "FOOD"],
      consent: { given: true, purpose: "food aid" },
    }),
    other: (n) => ({
      region: "KZ-75",
      fullName: "Omarova family",
      householdSize: 5,
      nationalId: IINS[n],
      consent: { given: true, purpose: "food aid" },
    }),
    audited: true,
  },
  {
    mutation: "registerVolunteer",
    subgraph: "volunteers",
    inputType: "RegisterVolunteerInput",
    collection: "volunteers",
    input: (n) => ({
      region: "KZ-75",
      fullName: "Aigerim S.",
      phone: `+7701555${String(n).padStart(4, "0")}`,
      skills: ["DRIVING", "MEDICAL"],
    }),
    sameAgain: (n) => ({
      region: "KZ-75",
      fullName: "Aigerim S.",
      phone: `+7 701 555 ${String(n).padStart(4, "0")}`,
      skills: ["MEDICAL", "DRIVING"],
    }),
    other: (n) => ({ region: "KZ-75", fullName: "Aigerim T.", phone: `+7701555${String(n).padStart(4, "0")}` }),
  },
  {
    mutation: "createVolunteerGroup",
    subgraph: "volunteers",
    inputType: "CreateVolunteerGroupInput",
    collection: "volunteer_groups",
    input: (n) => ({ region: "KZ-75", name: `Team ${n}` }),
    other: (n) => ({ region: "KZ-75", name: `Team ${n}b` }),
  },
  {
    mutation: "addWarehouse",
    subgraph: "inventory",
    inputType: "AddWarehouseInput",
    collection: "warehouses",
    input: (n) => ({
      region: "KZ-75",
      name: `Depot ${n}`,
      thresholds: [
        { item: "FOOD_KIT", minimum: 10 },
        { item: "WATER", minimum: 5 },
      ],
    }),
    sameAgain: (n) => ({
      region: "KZ-75",
      name: `Depot ${n}`,
      thresholds: [
        { item: "WATER", minimum: 5 },
        { item: "FOOD_KIT", minimum: 10 },
      ],
    }),
    other: (n) => ({ region: "KZ-75", name: `Depot ${n}`, address: "Medeu district" }),
  },
  {
    mutation: "createEvent",
    subgraph: "events",
    inputType: "CreateEventInput",
    collection: "events",
    input: (n) => ({
      region: "KZ-75",
      title: `Blood drive ${n}`,
      kind: "BLOOD_DRIVE",
      startsAt: "2030-03-01T09:00:00.000Z",
      endsAt: "2030-03-01T15:00:00.000Z",
      location: "City hospital",
      capacity: 40,
    }),
    other: (n) => ({
      region: "KZ-75",
      title: `Blood drive ${n}`,
      kind: "BLOOD_DRIVE",
      startsAt: "2030-03-01T09:00:00.000Z",
      endsAt: "2030-03-01T15:00:00.000Z",
      location: "City hospital",
      capacity: 41,
    }),
  },
];

async function create(c: CreateCase, input: Record<string, unknown>, token = staff): Promise<GraphQLResponse> {
  const query = `mutation($input: ${c.inputType}!) { ${c.mutation}(input: $input) { id } }`;
  return postGraphQL(host.url("KZ-75", c.subgraph), query, { input }, token);
}
const idOf = (res: GraphQLResponse, c: CreateCase) => (res.data?.[c.mutation] as { id: string } | null)?.id;
const writes = (mutation: string) => db().collection<AuditDoc>("audit_log").countDocuments({ action: "WRITE", operation: mutation });

describe.each(CASES)("$mutation with an idempotency key", (c) => {
  it("retried 5 times at the same moment: every retry succeeds with one record, written and audited once", async () => {
    const key = `dev-1:${randomSuffix()}`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => create(c, { ...c.input(1), idempotencyKey: key })));
    for (const res of answers) expect(res.errors).toBeUndefined();
    const ids = new Set(answers.map((res) => idOf(res, c)));
    expect(ids.size).toBe(1);
    expect(await db().collection(c.collection).countDocuments()).toBe(1);
    if (c.audited) expect(await writes(c.mutation)).toBe(1);

    // And once more later, the request written differently: the same record, nothing new.
    const later = await create(c, { ...(c.sameAgain ?? c.input)(1), idempotencyKey: key });
    expect(later.errors).toBeUndefined();
    expect(idOf(later, c)).toBe([...ids][0]);
    expect(await db().collection(c.collection).countDocuments()).toBe(1);
    if (c.audited) expect(await writes(c.mutation)).toBe(1);
  });

  it("the same key with another input is CONFLICT naming the key, and writes nothing", async () => {
    const key = `dev-2:${randomSuffix()}`;
    const first = await create(c, { ...c.input(2), idempotencyKey: key });
    expect(first.errors).toBeUndefined();
    const stored = await db().collection(c.collection).find().toArray();
    const res = await create(c, { ...c.other(2), idempotencyKey: key });
    expect(res.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(res.errors?.[0].message).toContain(JSON.stringify(key));
    expect(res.data?.[c.mutation]).toBeNull();
    expect(await db().collection(c.collection).find().toArray()).toEqual(stored);
    // Another caller's identical request is another request too.
    const someoneElse = await create(c, { ...c.input(2), idempotencyKey: key }, otherStaff);
    expect(someoneElse.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(await db().collection(c.collection).countDocuments()).toBe(1);
  });

  it("keys are per mutation: without a key, or with other keys, each call creates", async () => {
    const a = await create(c, { ...c.input(3), idempotencyKey: `k-${randomSuffix()}` });
    const b = await create(c, c.input(4));
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(idOf(a, c)).not.toBe(idOf(b, c));
    expect(await db().collection(c.collection).countDocuments()).toBe(2);
  });
});

describe("keys and their claims", () => {
  const help = CASES[0];
  const volunteer = CASES.find((c) => c.mutation === "registerVolunteer")!;
  const group = CASES.find((c) => c.mutation === "createVolunteerGroup")!;

  it("are kept by a TTL index of the documented lifetime (30 days), and the schema says so", async () => {
    // The driver types listIndexes' cursor `any`.
    const indexes = (await db().collection("idempotency_keys").listIndexes().toArray()) as IndexDescriptionInfo[];
    const ttl = indexes.find((i) => i.expireAfterSeconds !== undefined);
    expect(IDEMPOTENCY_DAYS).toBeGreaterThanOrEqual(30);
    expect(ttl).toMatchObject({ key: { createdAt: 1 }, expireAfterSeconds: IDEMPOTENCY_DAYS * 86_400 });
    const res = await postGraphQL<{ __type: { inputFields: Array<{ name: string; description: string }> } }>(
      host.url("KZ-75", "beneficiaries"),
      `{ __type(name: "OpenHelpRequestInput") { inputFields { name description } } }`,
      {},
      staff,
    );
    const field = res.data!.__type.inputFields.find((f) => f.name === "idempotencyKey")!;
    expect(field.description).toContain(`kept ${IDEMPOTENCY_DAYS} days`);
  });

  it("hold nothing personal: the input is kept only as a keyed hash", async () => {
    const key = `dev-p:${randomSuffix()}`;
    await create(help, { ...help.input(0), idempotencyKey: key });
    const claims = await db().collection("idempotency_keys").find().toArray();
    expect(claims).toHaveLength(1);
    const text = JSON.stringify(claims);
    expect(text).not.toContain("7011234567");
    expect(text).not.toContain("no food");
  });

  it("a refused create gives its key back: fixed and sent again with the same key, it is made", async () => {
    const key = `dev-g:${randomSuffix()}`;
    await create(group, group.input(7));
    const refused = await create(group, { ...group.input(7), idempotencyKey: key });
    expect(refused.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(refused.errors?.[0].message).toMatch(/already exists/);
    const fixed = await create(group, { ...group.other(7), idempotencyKey: key });
    expect(fixed.errors).toBeUndefined();
    expect(await db().collection("volunteer_groups").countDocuments()).toBe(2);
  });

  it("bad keys are BAD_USER_INPUT naming the field, and nothing is written", async () => {
    for (const bad of ["", "   ", "x".repeat(101), "a\u0000b"]) {
      const res = await create(volunteer, { ...volunteer.input(8), idempotencyKey: bad });
      expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0].message).toMatch(/^input\.idempotencyKey:/);
    }
    expect(await db().collection("volunteers").countDocuments()).toBe(0);
    expect(await db().collection("idempotency_keys").countDocuments()).toBe(0);
  });

  it("a create that stopped half-way (claimed, never stored) is finished by its repeat, under the claimed id", async () => {
    const key = `dev-c:${randomSuffix()}`;
    const first = await create(volunteer, { ...volunteer.input(9), idempotencyKey: key });
    const claim = await db().collection("idempotency_keys").findOne({});
    // As if the process died between the claim and the insert.
    await db().collection("volunteers").deleteMany({});
    await db()
      .collection("idempotency_keys")
      .updateOne({ _id: claim!._id }, { $set: { status: "PENDING" } });
    const repeat = await create(volunteer, { ...volunteer.input(9), idempotencyKey: key });
    expect(repeat.errors).toBeUndefined();
    expect(idOf(repeat, volunteer)).toBe(idOf(first, volunteer));
    expect(await db().collection("volunteers").countDocuments()).toBe(1);
  });

  it("a repeat of a create whose record has since gone is NOT_FOUND, not a second record", async () => {
    const key = `dev-d:${randomSuffix()}`;
    await create(volunteer, { ...volunteer.input(10), idempotencyKey: key });
    await db().collection("volunteers").deleteMany({});
    const repeat = await create(volunteer, { ...volunteer.input(10), idempotencyKey: key });
    expect(repeat.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    expect(await db().collection("volunteers").countDocuments()).toBe(0);
  });

  it("after the household withdrew consent, its keys confirm nothing and make nothing again", async () => {
    const enrol = CASES[1];
    const enrolKey = `dev-e:${randomSuffix()}`;
    const household = await create(enrol, { ...enrol.input(11), idempotencyKey: enrolKey });
    const beneficiaryId = idOf(household, enrol)!;
    const key = `dev-w:${randomSuffix()}`;
    const input = { ...help.input(0), beneficiaryId, idempotencyKey: key };
    expect((await create(help, input)).errors).toBeUndefined();
    const withdrawn = await postGraphQL(
      host.url("KZ-75", "beneficiaries"),
      `mutation($id: ID!) { withdrawConsent(id: $id) { status } }`,
      { id: beneficiaryId },
      staff,
    );
    expect(withdrawn.errors).toBeUndefined();
    // A right guess and a wrong one answer alike: the claims hold nothing to compare with.
    const right = await create(help, input);
    const wrong = await create(help, { ...input, contactPhone: "+77019999999" });
    for (const res of [right, wrong]) {
      expect(res.errors?.[0].extensions?.code).toBe("CONFLICT");
      expect(res.errors?.[0].message).toMatch(/erased/);
    }
    // The device syncing its enrolment again does not enrol the household again.
    const again = await create(enrol, { ...enrol.input(11), idempotencyKey: enrolKey });
    expect(again.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(await db().collection("beneficiaries").countDocuments()).toBe(1);
    expect(await db().collection("help_requests").countDocuments()).toBe(1);
    expect(JSON.stringify(await db().collection("idempotency_keys").find().toArray())).not.toMatch(/payloadHash":"[0-9a-f]/);
  });

  it("a key freed by a refused create keeps its record id: a repeat of the first input stored late keeps the key for it", async () => {
    const key = `dev-r:${randomSuffix()}`;
    await create(group, group.input(20));
    const refused = await create(group, { ...group.input(20), idempotencyKey: key });
    expect(refused.errors?.[0].extensions?.code).toBe("CONFLICT");
    const freed = await db().collection<{ recordId: ObjectId; payloadHash: string }>("idempotency_keys").findOne({});
    expect(freed).toMatchObject({ status: "FREE" });
    // As if a repeat of the first input, which read the claim before the refusal, stored its record late.
    const recordId = freed!.recordId;
    await db().collection("volunteer_groups").insertOne({
      _id: recordId,
      name: "Late team",
      nameKey: "late team",
      organisationId: null,
      leaderId: null,
      createdAt: new Date(),
      idempotencyHash: freed!.payloadHash,
    });
    // A corrected input under that key is told the key is taken, and nothing more is made…
    const corrected = await create(group, { ...group.other(20), idempotencyKey: key });
    expect(corrected.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(corrected.errors?.[0].message).toMatch(/already used for a different createVolunteerGroup/);
    expect(await db().collection("volunteer_groups").countDocuments()).toBe(2);
    // …while the first input's repeat gets the record made for it.
    const repeat = await create(group, { ...group.input(20), idempotencyKey: key });
    expect(idOf(repeat, group)).toBe(`KZ-75:grp:${recordId.toHexString()}`);
  });

  it("a freed key taken over by a corrected input: a late repeat of the refused input never gets the corrected record", async () => {
    const key = `dev-t:${randomSuffix()}`;
    await create(group, group.input(25));
    expect((await create(group, { ...group.input(25), idempotencyKey: key })).errors?.[0].extensions?.code).toBe("CONFLICT");
    const claims = db().collection<{ payloadHash: string }>("idempotency_keys");
    const refusedHash = (await claims.findOne({}))!.payloadHash;
    const fixed = await create(group, { ...group.other(25), idempotencyKey: key });
    expect(fixed.errors).toBeUndefined();
    // A repeat of the refused input that read the claim before it was freed, arriving now.
    await claims.updateOne({}, { $set: { status: "PENDING", payloadHash: refusedHash } });
    const late = await create(group, { ...group.input(25), idempotencyKey: key });
    expect(late.errors?.[0].extensions?.code).toBe("CONFLICT");
    expect(late.data?.createVolunteerGroup).toBeNull();
    // The claim is back to the input its record was made from: the corrected input's repeat still gets it.
    const again = await create(group, { ...group.other(25), idempotencyKey: key });
    expect(idOf(again, group)).toBe(idOf(fixed, group));
    expect(await db().collection("volunteer_groups").countDocuments()).toBe(2);
  });

  it("a claim left PENDING by a crash is freed by a refused repeat, so a corrected input can use the key", async () => {
    const key = `dev-p2:${randomSuffix()}`;
    await create(volunteer, { ...volunteer.input(21), idempotencyKey: key });
    await db().collection("volunteers").deleteMany({});
    await db()
      .collection("idempotency_keys")
      .updateOne({}, { $set: { status: "PENDING" } });
    // Meanwhile someone else registered with that phone: the repeat is refused, and frees the key.
    await create(volunteer, volunteer.input(21));
    const repeat = await create(volunteer, { ...volunteer.input(21), idempotencyKey: key });
    expect(repeat.errors?.[0].extensions?.code).toBe("CONFLICT");
    const corrected = await create(volunteer, { ...volunteer.input(22), idempotencyKey: key });
    expect(corrected.errors).toBeUndefined();
    expect(await db().collection("volunteers").countDocuments()).toBe(2);
  });

  it("repeats of a group's creation never move its leader again", async () => {
    const leader = await create(volunteer, volunteer.input(23));
    const leaderId = idOf(leader, volunteer)!;
    const key = `dev-l:${randomSuffix()}`;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => create(group, { ...group.input(23), leaderId, idempotencyKey: key })),
    );
    const groupId = idOf(answers[0], group)!;
    const stored = await db().collection("volunteers").findOne({});
    expect((stored!.groupId as ObjectId).toHexString()).toBe(groupId.slice(-24));
    // Moved to another group afterwards; the device repeats its creation with the claim unfinished.
    const other = await create(group, group.input(24));
    await postGraphQL(
      host.url("KZ-75", "volunteers"),
      `mutation($id: ID!, $input: UpdateVolunteerInput!) { updateVolunteer(id: $id, input: $input) { id } }`,
      { id: leaderId, input: { groupId: idOf(other, group) } },
      staff,
    );
    await db()
      .collection("idempotency_keys")
      .updateOne({ mutation: "createVolunteerGroup" }, { $set: { status: "PENDING" } });
    const before = await db().collection("volunteers").findOne({});
    await create(group, { ...group.input(23), leaderId, idempotencyKey: key });
    expect(await db().collection("volunteers").findOne({})).toEqual(before);
  });
});

describe("capturedAt: when the person recorded it", () => {
  const help = CASES[0];
  const HELP = `mutation($input: OpenHelpRequestInput!) { openHelpRequest(input: $input) { id capturedAt createdAt } }`;
  const url = () => host.url("KZ-75", "beneficiaries");

  it("is stored beside the server's time and returned", async () => {
    const capturedAt = new Date(Date.now() - 3 * 24 * HOUR).toISOString();
    const res = await postGraphQL<{ openHelpRequest: { id: string; capturedAt: string; createdAt: string } }>(
      url(),
      HELP,
      { input: { ...help.input(0), capturedAt } },
      staff,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.openHelpRequest.capturedAt).toBe(capturedAt);
    expect(Date.parse(res.data!.openHelpRequest.createdAt)).toBeGreaterThan(Date.parse(capturedAt));
    const stored = await db().collection("help_requests").findOne({});
    expect(stored!.capturedAt).toEqual(new Date(capturedAt));
  });

  it("refuses a time in the future beyond 5 minutes, or before the region existed, and writes nothing", async () => {
    const cases: Array<[string, string, RegExp]> = [
      ["KZ-75", new Date(Date.now() + 10 * 60_000).toISOString(), /in the future/],
      ["KZ-75", "1985-05-01T10:00:00.000Z", /before KZ-75 existed \(1991-12-16\)/],
    ];
    for (const [region, capturedAt, message] of cases) {
      const res = await postGraphQL(url(), HELP, { input: { ...help.input(0), region, capturedAt } }, staff);
      expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0].message).toMatch(message);
      expect(res.errors?.[0].message).toMatch(/^input\.capturedAt:/);
    }
    const enrol = await postGraphQL(
      host.url("KZ-75", "beneficiaries"),
      `mutation($input: EnrollBeneficiaryInput!) { enrollBeneficiary(input: $input) { id } }`,
      { input: { ...CASES[1].input(12), capturedAt: new Date(Date.now() + HOUR).toISOString() } },
      staff,
    );
    expect(enrol.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await db().collection("help_requests").countDocuments()).toBe(0);
    expect(await db().collection("beneficiaries").countDocuments()).toBe(0);
    // A device whose clock runs a little ahead is fine.
    const ahead = await postGraphQL(
      url(),
      HELP,
      { input: { ...help.input(0), capturedAt: new Date(Date.now() + 60_000).toISOString() } },
      staff,
    );
    expect(ahead.errors).toBeUndefined();
  });

  it("for regions formed recently, the bound is their own date (Abai Region, 2022)", async () => {
    const kz10 = await startTestHost(await buildSubgraphs(), ["KZ-10"]);
    try {
      const token = await kz10.token({ sub: "staff-10", role: "REGIONAL_STAFF", region: "KZ-10" });
      const send = (capturedAt: string) =>
        postGraphQL(kz10.url("KZ-10", "beneficiaries"), HELP, { input: { ...help.input(0), region: "KZ-10", capturedAt } }, token);
      const before = await send("2022-06-01T10:00:00.000Z");
      expect(before.errors?.[0].message).toMatch(/before KZ-10 existed \(2022-06-08\)/);
      expect((await send("2022-06-09T10:00:00.000Z")).errors).toBeUndefined();
    } finally {
      await kz10.stop();
    }
  });

  it("for a region whose registry entry gives no date, nothing before 2000 is accepted", () => {
    const region = { code: "XX-1", kind: "OBLAST" as const, name: { kk: "x", ru: "x", en: "x" } };
    expect(() => capturedAt(new Date("1999-12-31T00:00:00Z"), region)).toThrow(/before 2000-01-01, the earliest capture accepted for XX-1/);
    expect(capturedAt(new Date("2001-01-01T00:00:00Z"), region)).toEqual(new Date("2001-01-01T00:00:00Z"));
  });

  it("on attendance: stored, and recording the same again writes nothing", async () => {
    const volunteerId = `KZ-75:vol:${new ObjectId().toHexString()}`;
    const eventId = new ObjectId();
    const startsAt = new Date(Date.now() - 5 * HOUR);
    await db()
      .collection("events")
      .insertOne({
        _id: eventId,
        title: "Cleanup",
        kind: "CLEANUP",
        description: null,
        startsAt,
        endsAt: new Date(startsAt.getTime() + 4 * HOUR),
        location: "Park",
        onlineUrl: null,
        capacity: 10,
        spotsLeft: 9,
        organisationId: null,
        status: "SCHEDULED",
        cancelReason: null,
        participants: [{ volunteerId, signedUpAt: startsAt, hours: null, attendedAt: null }],
        createdAt: startsAt,
        updatedAt: startsAt,
      });
    const ATTEND = `mutation($e: ID!, $v: ID!, $h: Float!, $c: DateTimeISO) {
      recordAttendance(eventId: $e, volunteerId: $v, hours: $h, capturedAt: $c) { attendance { hours attendedAt capturedAt } }
    }`;
    const capturedAt = new Date(Date.now() - HOUR).toISOString();
    const vars = { e: `KZ-75:evt:${eventId.toHexString()}`, v: volunteerId, h: 3.5, c: capturedAt };
    const first = await postGraphQL<{ recordAttendance: { attendance: Array<Record<string, unknown>> } }>(
      host.url("KZ-75", "events"),
      ATTEND,
      vars,
      staff,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data!.recordAttendance.attendance[0]).toMatchObject({ hours: 3.5, capturedAt });
    const stored = await db().collection("events").findOne({ _id: eventId });
    const again = await postGraphQL(host.url("KZ-75", "events"), ATTEND, vars, staff);
    expect(again.data).toEqual(first.data);
    expect(await db().collection("events").findOne({ _id: eventId })).toEqual(stored);
    // Corrected hours are a change.
    const corrected = await postGraphQL(host.url("KZ-75", "events"), ATTEND, { ...vars, h: 3, c: null }, staff);
    expect(corrected.errors).toBeUndefined();
    // The device syncing its day again does not undo the correction.
    const replay = await postGraphQL(host.url("KZ-75", "events"), ATTEND, vars, staff);
    expect(replay.errors).toBeUndefined();
    // A device whose clock runs ahead cannot outrank a later correction.
    const ahead = await postGraphQL(
      host.url("KZ-75", "events"),
      ATTEND,
      { ...vars, h: 4, c: new Date(Date.now() + 4 * 60_000).toISOString() },
      staff,
    );
    expect(ahead.errors).toBeUndefined();
    const staffFix = await postGraphQL<{ recordAttendance: { attendance: Array<{ hours: number }> } }>(
      host.url("KZ-75", "events"),
      ATTEND,
      { ...vars, h: 3, c: null },
      staff,
    );
    expect(staffFix.data!.recordAttendance.attendance[0].hours).toBe(3);
    // Nor can a capture claim a time before the event began.
    const early = await postGraphQL(
      host.url("KZ-75", "events"),
      ATTEND,
      { ...vars, c: new Date(startsAt.getTime() - 60_000).toISOString() },
      staff,
    );
    expect(early.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(early.errors?.[0].message).toMatch(/^capturedAt: .* before the event started/);
    const after = await db().collection<{ participants: Array<{ hours: number }> }>("events").findOne({ _id: eventId });
    expect(after!.participants[0].hours).toBe(3);
  });
});

describe("every create mutation", () => {
  it("takes an optional idempotencyKey (those that move stock require one)", async () => {
    const subgraphs = await buildSubgraphs();
    const creates: string[] = [];
    for (const sub of subgraphs) {
      const mutation = sub.schema.getMutationType();
      for (const field of Object.values(mutation?.getFields() ?? {})) {
        // A create makes a record from its input; receiveTransfer, cancelEvent… act on one by its id.
        if (!/^(create|open|enroll|register|add|receive|distribute|transfer)[A-Z]/.test(field.name)) continue;
        if (field.args.some((a) => a.name === "id" || a.name.endsWith("Id"))) continue;
        creates.push(field.name);
        const input = field.args.find((a) => a.name === "input");
        expect(input, `${field.name} has an input`).toBeDefined();
        const type = getNamedType(input!.type);
        expect(isInputObjectType(type)).toBe(true);
        const key = (type as GraphQLInputObjectType).getFields().idempotencyKey;
        expect(key, `${field.name}'s input has an idempotencyKey`).toBeDefined();
        if (/^(open|enroll|register|add|create)/.test(field.name)) expect(isNonNullType(key.type)).toBe(false);
      }
    }
    expect(creates).toEqual(
      expect.arrayContaining([
        "openHelpRequest",
        "enrollBeneficiary",
        "registerVolunteer",
        "createVolunteerGroup",
        "addWarehouse",
        "createEvent",
        "receiveDonation",
        "distributeAid",
        "transferStock",
      ]),
    );
  });
});
