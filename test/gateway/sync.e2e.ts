// A field device syncing a day of work through the national endpoint: many creates in one
// document (in parts that fit the alias limit), applied in order, each succeeding or
// failing on its own; and the whole sync sent again, as a device does when it never saw
// the answers, gives the same ids and writes nothing new.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db, Document } from "mongodb";
import { DEFAULT_LIMITS } from "../../subgraphs/kernel/limits.js";
import { makeIins } from "../support/iin.js";
import { startNational, type National } from "../support/national.js";

let national: National;
let staff: string;
let db: Db;
const IINS = makeIins(220, new Date(Date.UTC(1985, 2, 1)));
const PART = 20;
const DAY_START = Date.now() - 10 * 3_600_000;

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75"] });
  staff = await national.token({ sub: "field-7", role: "REGIONAL_STAFF", region: "KZ-75" });
  db = national.host.db("KZ-75");
});
afterAll(async () => {
  await national?.stop();
});

interface Capture {
  field: "openHelpRequest" | "enrollBeneficiary" | "registerVolunteer";
  type: string;
  select: string;
  input: Record<string, unknown>;
}

/** The i-th thing recorded on the device today: mostly calls and visits, some enrolments, a volunteer now and then. */
function capture(i: number, device = "tablet-7"): Capture {
  const capturedAt = new Date(DAY_START + i * 60_000).toISOString();
  const idempotencyKey = `${device}:${i}`;
  if (i % 10 === 9) {
    return {
      field: "registerVolunteer",
      type: "RegisterVolunteerInput",
      select: "id fullName",
      input: { region: "KZ-75", fullName: `Volunteer ${i}`, phone: `+7702${String(1_000_000 + i)}`, idempotencyKey },
    };
  }
  if (i % 10 >= 7) {
    return {
      field: "enrollBeneficiary",
      type: "EnrollBeneficiaryInput",
      select: "id householdSize capturedAt",
      input: {
        region: "KZ-75",
        fullName: `Household ${i}`,
        householdSize: 1 + (i % 6),
        nationalId: IINS[i],
        needs: ["FOOD"],
        consent: { given: true, purpose: "food aid" },
        capturedAt,
        idempotencyKey,
      },
    };
  }
  return {
    field: "openHelpRequest",
    type: "OpenHelpRequestInput",
    select: "id need urgency capturedAt",
    input: { region: "KZ-75", channel: "OUTREACH", need: i % 2 ? "FOOD" : "MEDICINE", urgency: "NORMAL", capturedAt, idempotencyKey },
  };
}

/** One part of the sync: a document of aliased mutations m<i>, each with its own variable. */
function part(captures: Array<[number, Capture]>) {
  const defs = captures.map(([i, c]) => `$v${i}: ${c.type}!`).join(", ");
  const fields = captures.map(([i, c]) => `m${i}: ${c.field}(input: $v${i}) { ${c.select} }`).join("\n");
  const variables = Object.fromEntries(captures.map(([i, c]) => [`v${i}`, c.input]));
  return { query: `mutation Sync(${defs}) {\n${fields}\n}`, variables };
}

async function sync(count: number, from = 0) {
  const answers: Array<Record<string, unknown>> = [];
  for (let start = from; start < from + count; start += PART) {
    const captures = Array.from({ length: Math.min(PART, from + count - start) }, (_, k): [number, Capture] => [
      start + k,
      capture(start + k),
    ]);
    const { query, variables } = part(captures);
    const res = await national.query<Record<string, unknown>>(query, variables, staff);
    expect(res.errors).toBeUndefined();
    answers.push(res.data!);
  }
  return answers;
}

const COLLECTIONS = ["help_requests", "beneficiaries", "volunteers", "audit_log", "idempotency_keys"];
async function snapshot(): Promise<Record<string, Document[]>> {
  const contents = await Promise.all(COLLECTIONS.map((c) => db.collection(c).find().toArray()));
  return Object.fromEntries(COLLECTIONS.map((c, i) => [c, contents[i]]));
}

describe("a day of field work synced through the gateway", () => {
  it("200 creates in documents of 20 (within the alias limit), in order; all replayed: the same answers, nothing written", async () => {
    expect(PART).toBeLessThanOrEqual(DEFAULT_LIMITS.maxAliases);
    const first = await sync(200);
    expect(await db.collection("help_requests").countDocuments()).toBe(140);
    expect(await db.collection("beneficiaries").countDocuments()).toBe(40);
    expect(await db.collection("volunteers").countDocuments()).toBe(20);

    // Applied in order: records of each kind were made in the order of the mutations.
    const ids = first.flatMap((answer) =>
      Object.entries(answer).map(([alias, value]) => [Number(alias.slice(1)), (value as { id: string }).id] as const),
    );
    for (const kind of [":req:", ":ben:", ":vol:"]) {
      const inOrder = ids
        .filter(([, id]) => id.includes(kind))
        .sort(([a], [b]) => a - b)
        .map(([, id]) => id.slice(-24));
      expect(inOrder).toEqual([...inOrder].sort());
    }
    // The device's times are kept beside the server's.
    const stored = await db.collection("help_requests").find().sort({ capturedAt: 1 }).limit(1).toArray();
    expect(stored[0].capturedAt as Date).toEqual(new Date(DAY_START));

    const before = await snapshot();
    const again = await sync(200);
    expect(again).toEqual(first);
    expect(await snapshot()).toEqual(before);
  });

  it("each mutation of a part succeeds or fails on its own, in place, and the good ones are kept", async () => {
    // Captures 200… of another device: new people, new keys.
    const captures = Array.from({ length: PART }, (_, k): [number, Capture] => [200 + k, capture(200 + k, "phone-3")]);
    // Two bad captures in the middle: a clock far ahead, and a phone that is no phone.
    captures[4][1].input.capturedAt = new Date(Date.now() + 86_400_000).toISOString();
    captures[9][1].input.phone = "not a phone";
    const { query, variables } = part(captures);
    const res = await national.query<Record<string, { id: string } | null>>(query, variables, staff);
    expect(res.data!.m204).toBeNull();
    expect(res.data!.m209).toBeNull();
    expect(res.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [["m204"], "BAD_USER_INPUT"],
      [["m209"], "BAD_USER_INPUT"],
    ]);
    const made = Object.entries(res.data!).filter(([, v]) => v !== null);
    expect(made).toHaveLength(PART - 2);
    // The fixed captures go through on the next sync, under the same keys; the rest are repeats.
    captures[4][1].input.capturedAt = new Date(DAY_START).toISOString();
    captures[9][1].input.phone = "+77029999999";
    const fixed = await national.query<Record<string, { id: string } | null>>(part(captures).query, part(captures).variables, staff);
    expect(fixed.errors).toBeUndefined();
    for (const [alias, value] of made) expect(fixed.data![alias]).toEqual(value);
    expect(fixed.data!.m204).not.toBeNull();
    expect(fixed.data!.m209).not.toBeNull();
  });
});
