// Households enrolled in more than one region: two region hosts (KZ-75 and KZ-11), each on
// its own port, database and signing key, over real HTTP. An enrolment in one asks the
// other by national match token only; a region that is down or hangs is listed as missing
// and the enrolment goes on; both sides audit every comparison; nothing personal crosses.
import { Writable } from "node:stream";
import { ObjectId } from "bson";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RegionLink } from "../../subgraphs/host/link.js";
import { waitWithin } from "../../subgraphs/host/outbox.js";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { listen, type Listening } from "../../subgraphs/kernel/http.js";
import { generatePrivateJwk } from "../../subgraphs/kernel/keys.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { NATIONAL_ID_PURPOSE } from "../../subgraphs/beneficiaries/data/beneficiaries.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { keyedHasher, matchTokener } from "../../subgraphs/kernel/pseudonym.js";
import { MAX_CHECKS_PER_MINUTE } from "../../subgraphs/beneficiaries/data/duplicates.js";
import { postGraphQL, TEST_NATIONAL_MATCH_KEY, TEST_PSEUDONYM_KEY, type GraphQLResponse } from "../support/host.js";
import { makeIins } from "../support/iin.js";
import { makeSide, startSide, stopSide, type Side as PairSide } from "../support/pair.js";
import { eventually } from "../support/wait.js";

const REGION_TIMEOUT_MS = 2000;
/** The national key's id, as regions under TEST_NATIONAL_MATCH_KEY send it. */
const KEY_ID = matchTokener(TEST_NATIONAL_MATCH_KEY)("key-id").slice(0, 16);
const WAIT_MS = waitWithin(REGION_TIMEOUT_MS);
const ALL = RegionRegistry.load().regions.map((r) => r.code);
const [IIN_MOVED, IIN_OTHER, IIN_DOWN, IIN_HANG, IIN_ERASED, IIN_NOKEY, IIN_KEEP, IIN_OLD, IIN_OTHERKEY, IIN_FLOOD] = makeIins(
  10,
  new Date(Date.UTC(1984, 4, 12)),
);

interface Side extends PairSide {
  /** Everything the side's host logged. */
  logs: string[];
}

let A: Side; // KZ-75, where the household was enrolled first
let B: Side; // KZ-11, where it enrols again
const tokens: Record<string, string> = {};

async function up(side: Side, peerPort = (side === A ? B : A).port, nationalMatchKey?: string | null): Promise<void> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      side.logs.push(chunk.toString());
      done();
    },
  });
  await startSide(
    side,
    side === A ? B : A,
    await buildSubgraphs(["beneficiaries"]),
    pino({ level: "info" }, sink),
    { retry: { waitMs: WAIT_MS }, ...(nationalMatchKey === undefined ? {} : { nationalMatchKey }) },
    peerPort,
  );
}

const down = stopSide;

beforeAll(async () => {
  A = { ...(await makeSide("KZ-75", "aidgraph_dup")), logs: [] };
  B = { ...(await makeSide("KZ-11", "aidgraph_dup")), logs: [] };
  await up(A);
  await up(B);
  tokens.staffA = await A.host!.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staffB = await A.host!.token({ sub: "staff-11", role: "REGIONAL_STAFF", region: "KZ-11" });
  tokens.coordinator = await A.host!.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  for (const side of [A, B]) {
    if (!side) continue;
    await down(side);
    await side.mongo.stop();
  }
});
beforeEach(async () => {
  for (const side of [A, B]) if (!side.host) await up(side);
});

const FIELDS = `id fullName possibleDuplicateRegions duplicateCheckMissing`;
type Enrolled = { id: string; fullName: string; possibleDuplicateRegions: string[]; duplicateCheckMissing: string[] };

async function enroll(
  side: Side,
  nationalId: string,
  fullName = "Nurlanovy family",
): Promise<GraphQLResponse<{ enrollBeneficiary: Enrolled }>> {
  return postGraphQL(
    side.host!.url(side.code, "beneficiaries"),
    `mutation ($input: EnrollBeneficiaryInput!) { enrollBeneficiary(input: $input) { ${FIELDS} } }`,
    {
      input: {
        region: side.code,
        fullName,
        nationalId,
        householdSize: 5,
        needs: ["FOOD"],
        consent: { given: true, purpose: "food aid" },
      },
    },
    side === A ? tokens.staffA : tokens.staffB,
  );
}

async function read(side: Side, id: string, token = side === A ? tokens.staffA : tokens.staffB) {
  return postGraphQL<{ beneficiary: Enrolled | null }>(
    side.host!.url(side.code, "beneficiaries"),
    `query ($id: ID!) { beneficiary(id: $id) { ${FIELDS} } }`,
    { id },
    token,
  );
}

/** Everything stored in a side's database, as text. */
async function dump(side: Side): Promise<string> {
  const db = side.host!.db(side.code);
  const out: unknown[] = [];
  for (const c of await db.listCollections().toArray()) out.push(c.name, await db.collection(c.name).find().toArray());
  return JSON.stringify(out);
}

const comparisons = (side: Side) =>
  side
    .host!.db(side.code)
    .collection("audit_log")
    .find({ action: "COMPARE" }, { projection: { _id: 0, actor: 1, role: 1, operation: 1, ids: 1, compared: 1 } })
    .toArray();

const others = (...codes: string[]) => ALL.filter((c) => !codes.includes(c));

describe("a household enrolled in two regions", () => {
  it("enrolment in KZ-11 of a household enrolled in KZ-75 flags KZ-75 on both sides, and both audit the comparison", async () => {
    const first = await enroll(A, IIN_MOVED);
    expect(first.errors).toBeUndefined();
    expect(first.data!.enrollBeneficiary.possibleDuplicateRegions).toEqual([]);
    const again = await enroll(B, IIN_MOVED, "Nurlanova Aigul");
    // Families move: the enrolment succeeds, and says where else the household is.
    expect(again.errors).toBeUndefined();
    const moved = again.data!.enrollBeneficiary;
    expect(moved.possibleDuplicateRegions).toEqual(["KZ-75"]);
    // Regions nobody runs here could not be asked; KZ-75 was.
    expect(moved.duplicateCheckMissing.sort()).toEqual(others("KZ-11", "KZ-75").sort());
    // The first region's household is flagged too.
    expect((await read(A, first.data!.enrollBeneficiary.id)).data!.beneficiary!.possibleDuplicateRegions).toEqual(["KZ-11"]);

    expect(await comparisons(A)).toContainEqual({
      actor: "KZ-11",
      role: "REGION",
      operation: "duplicateCheck",
      ids: [first.data!.enrollBeneficiary.id],
      compared: [{ region: "KZ-11", outcome: "MATCH", message: expect.stringMatching(/^duplicate\.check:/) as string }],
    });
    expect(await comparisons(B)).toContainEqual({
      actor: "staff-11",
      role: "REGIONAL_STAFF",
      operation: "enrollBeneficiary",
      ids: [moved.id],
      // Only the regions the token went to: those nobody runs here were not asked.
      compared: [{ region: "KZ-75", outcome: "MATCH", message: expect.any(String) as string }],
    });
    // An auditor pairs the two entries by the message's id.
    const asked = (await comparisons(B)).find((c) => (c.ids as string[])[0] === moved.id)!.compared as Array<{ message: string }>;
    const answered = (await comparisons(A)).filter((c) => (c.compared as Array<{ message: string }>)[0].message === asked[0].message);
    expect(answered).toHaveLength(1);

    // Nothing of KZ-11's household reached KZ-75 but the comparison: no id, no name, no national ID. (Its
    // stored hash is KZ-75's own here: the test hosts share one PSEUDONYM_KEY.)
    const stored = await B.host!.db("KZ-11").collection("beneficiaries").findOne({ fullName: "Nurlanova Aigul" });
    const inA = await dump(A);
    for (const secret of [moved.id, stored!._id.toHexString(), "Nurlanova", IIN_MOVED]) {
      expect(inA).not.toContain(secret);
    }
    for (const side of [A, B]) {
      const logs = side.logs.join("");
      for (const secret of [IIN_MOVED, "Nurlanov", stored!.nationalIdHash as string, stored!.nationalMatchToken as string]) {
        expect(logs).not.toContain(secret);
      }
    }
  });

  it("another household: nothing flagged, and KZ-75 audits a comparison that found nothing", async () => {
    await enroll(A, IIN_MOVED).catch(() => undefined);
    const res = await enroll(B, IIN_OTHER);
    expect(res.data!.enrollBeneficiary.possibleDuplicateRegions).toEqual([]);
    expect(await comparisons(A)).toContainEqual(
      expect.objectContaining({ actor: "KZ-11", ids: [], compared: [expect.objectContaining({ region: "KZ-11", outcome: "NO_MATCH" })] }),
    );
  });

  it("with KZ-75 down, the enrolment succeeds, flags nothing and lists KZ-75 as missing; a recheck once it is back flags it", async () => {
    const first = await enroll(A, IIN_DOWN);
    await down(A);
    const res = await enroll(B, IIN_DOWN);
    expect(res.errors).toBeUndefined();
    const household = res.data!.enrollBeneficiary;
    expect(household.possibleDuplicateRegions).toEqual([]);
    expect(household.duplicateCheckMissing).toContain("KZ-75");
    expect(await comparisons(B)).toContainEqual(
      expect.objectContaining({ ids: [household.id], compared: [expect.objectContaining({ region: "KZ-75", outcome: "UNREACHABLE" })] }),
    );

    await up(A);
    const RECHECK = `mutation ($id: ID!) { recheckDuplicates(id: $id) { ${FIELDS} } }`;
    const url = B.host!.url("KZ-11", "beneficiaries");
    const rechecked = await postGraphQL<{ recheckDuplicates: Enrolled }>(url, RECHECK, { id: household.id }, tokens.staffB);
    expect(rechecked.data!.recheckDuplicates.possibleDuplicateRegions).toEqual(["KZ-75"]);
    expect(rechecked.data!.recheckDuplicates.duplicateCheckMissing).not.toContain("KZ-75");
    expect((await read(A, first.data!.enrollBeneficiary.id)).data!.beneficiary!.possibleDuplicateRegions).toEqual(["KZ-11"]);
    // Staff of the region only.
    for (const token of [tokens.coordinator, tokens.staffA]) {
      expect((await postGraphQL(url, RECHECK, { id: household.id }, token)).errors![0].extensions!.code).toBe("FORBIDDEN");
    }
  });

  it("a region that hangs is missing once the wait is over: the enrolment does not wait for it", async () => {
    const hanging: Listening = await listen(() => {
      /* never answers */
    });
    await down(B);
    await up(B, hanging.port);
    try {
      const started = Date.now();
      const res = await enroll(B, IIN_HANG);
      const took = Date.now() - started;
      expect(res.errors).toBeUndefined();
      expect(res.data!.enrollBeneficiary.duplicateCheckMissing).toContain("KZ-75");
      expect(took).toBeLessThan(REGION_TIMEOUT_MS + 1500);
    } finally {
      await down(B);
      await hanging.close();
    }
  });

  it("a household that withdrew consent: its flags go with its data, and the other region drops its own", async () => {
    const first = await enroll(A, IIN_ERASED);
    const second = await enroll(B, IIN_ERASED);
    expect(second.data!.enrollBeneficiary.possibleDuplicateRegions).toEqual(["KZ-75"]);
    const withdrawn = await postGraphQL<{ withdrawConsent: Enrolled }>(
      A.host!.url("KZ-75", "beneficiaries"),
      `mutation ($id: ID!) { withdrawConsent(id: $id) { ${FIELDS} } }`,
      { id: first.data!.enrollBeneficiary.id },
      tokens.staffA,
    );
    expect(withdrawn.data!.withdrawConsent).toMatchObject({ possibleDuplicateRegions: [], duplicateCheckMissing: [] });
    const stored = await A.host!.db("KZ-75").collection("beneficiaries").findOne({ status: "CONSENT_WITHDRAWN" });
    expect(stored!.nationalMatchToken).toBeUndefined();
    // KZ-11 is told, and its household drops the flag: no pair is counted any more.
    await eventually(
      () => read(B, second.data!.enrollBeneficiary.id),
      (r) => r.data?.beneficiary?.possibleDuplicateRegions.length === 0,
      "KZ-11 drops the flag of the household that withdrew in KZ-75",
    );
    // Nothing of the household's went with the message but its token: no id.
    expect(JSON.stringify(await comparisons(B))).not.toContain(first.data!.enrollBeneficiary.id);
  });

  it("a recheck while the other region is down keeps what that region said before", async () => {
    await enroll(A, IIN_KEEP);
    const res = await enroll(B, IIN_KEEP);
    expect(res.data!.enrollBeneficiary.possibleDuplicateRegions).toEqual(["KZ-75"]);
    await down(A);
    const rechecked = await postGraphQL<{ recheckDuplicates: Enrolled }>(
      B.host!.url("KZ-11", "beneficiaries"),
      `mutation ($id: ID!) { recheckDuplicates(id: $id) { ${FIELDS} } }`,
      { id: res.data!.enrollBeneficiary.id },
      tokens.staffB,
    );
    expect(rechecked.data!.recheckDuplicates.possibleDuplicateRegions).toEqual(["KZ-75"]);
    expect(rechecked.data!.recheckDuplicates.duplicateCheckMissing).toContain("KZ-75");
  });

  it("a household enrolled before the checks: every other region missing, until a recheck with its national ID", async () => {
    const _id = new ObjectId();
    await B.host!.db("KZ-11")
      .collection("beneficiaries")
      .insertOne({
        _id,
        fullName: "Old record",
        nationalIdHash: keyedHasher(TEST_PSEUDONYM_KEY)(NATIONAL_ID_PURPOSE, IIN_OLD),
        householdSize: 2,
        vulnerabilities: [],
        needs: [],
        consent: { given: true, purpose: "aid", recordedAt: new Date(), recordedBy: "s", withdrawnAt: null },
        status: "ACTIVE",
        registeredAt: new Date(),
        updatedAt: new Date(),
      });
    await enroll(A, IIN_OLD);
    const id = encodeId("Beneficiary", "KZ-11", _id);
    expect((await read(B, id)).data!.beneficiary!.duplicateCheckMissing.sort()).toEqual(others("KZ-11").sort());
    const RECHECK = `mutation ($id: ID!, $n: String) { recheckDuplicates(id: $id, nationalId: $n) { ${FIELDS} } }`;
    const url = B.host!.url("KZ-11", "beneficiaries");
    const without = await postGraphQL(url, RECHECK, { id }, tokens.staffB);
    expect(without.errors![0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "nationalId" } });
    const wrong = await postGraphQL(url, RECHECK, { id, n: IIN_OTHER }, tokens.staffB);
    expect(wrong.errors![0].message).toMatch(/not the national ID/);
    const right = await postGraphQL<{ recheckDuplicates: Enrolled }>(url, RECHECK, { id, n: IIN_OLD }, tokens.staffB);
    expect(right.data!.recheckDuplicates.possibleDuplicateRegions).toEqual(["KZ-75"]);
    // Meanwhile KZ-11 could not say "no" for such households: it answered INCOMPLETE, and was listed missing.
    await B.host!.db("KZ-11")
      .collection("beneficiaries")
      .updateOne({ _id }, { $unset: { nationalMatchToken: "" } });
    const elsewhere = await enroll(A, IIN_NOKEY);
    expect(elsewhere.data!.enrollBeneficiary.duplicateCheckMissing).toContain("KZ-11");
    await B.host!.db("KZ-11").collection("beneficiaries").deleteOne({ _id });
  });

  it("a region with another national key is missing, not a region without the household", async () => {
    await down(B);
    await up(B, undefined, "another-national-match-key-0123456789abcdef");
    const res = await enroll(A, IIN_OTHERKEY);
    expect(res.errors).toBeUndefined();
    expect(res.data!.enrollBeneficiary.duplicateCheckMissing).toContain("KZ-11");
    await down(B);
  });

  it("a region answering without end is missing once the wait is over", async () => {
    const flood: Listening = await listen((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1 << 20, " ");
      const write = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once("drain", write);
      };
      write();
    });
    await down(B);
    await up(B, flood.port);
    try {
      const started = Date.now();
      const res = await enroll(B, IIN_FLOOD);
      expect(res.data!.enrollBeneficiary.duplicateCheckMissing).toContain("KZ-75");
      expect(Date.now() - started).toBeLessThan(REGION_TIMEOUT_MS);
    } finally {
      await down(B);
      flood.server.closeAllConnections();
      await flood.close();
    }
  });

  it("personal fields: the region's staff only", async () => {
    const res = await enroll(A, makeIins(1, new Date(Date.UTC(1979, 1, 2)))[0]);
    const id = res.data!.enrollBeneficiary.id;
    const coordinator = await postGraphQL(
      A.host!.url("KZ-75", "beneficiaries"),
      `query ($id: ID!) { beneficiary(id: $id) { id possibleDuplicateRegions } }`,
      { id },
      tokens.coordinator,
    );
    expect(coordinator.errors![0].extensions!.code).toBe("FORBIDDEN");
    const counts = await postGraphQL<{ _entities: Array<{ duplicateHouseholds: Array<{ region: string; households: number }> }> }>(
      A.host!.url("KZ-75", "beneficiaries"),
      `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { duplicateHouseholds { region households } } } }`,
      {},
      tokens.coordinator,
    );
    expect(counts.errors).toBeUndefined();
    expect(counts.data!._entities[0].duplicateHouseholds).toEqual([{ region: "KZ-11", households: expect.any(Number) as number }]);
    // Counts are for coordinators and the region's own staff, not another region's.
    const elsewhere = await postGraphQL(
      A.host!.url("KZ-75", "beneficiaries"),
      `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { duplicateHouseholds { region households } } } }`,
      {},
      tokens.staffB,
    );
    expect(elsewhere.errors![0].extensions!.code).toBe("FORBIDDEN");
    for (const field of ["duplicateCheckMissing", "possibleDuplicateRegions"]) {
      const res = await postGraphQL(
        A.host!.url("KZ-75", "beneficiaries"),
        `query ($id: ID!) { beneficiary(id: $id) { id ${field} } }`,
        { id },
        tokens.staffB,
      );
      expect(res.errors![0].extensions!.code).toBe("FORBIDDEN");
    }
  });

  it("the message is not a lookup service: unsigned, forged or malformed checks are refused", async () => {
    const messages = `http://127.0.0.1:${A.port}/KZ-75/beneficiaries/messages`;
    const unsigned = await fetch(messages, { method: "POST", headers: { "content-type": "application/jose" }, body: "abc.def.ghi" });
    expect(unsigned.status).toBe(401);
    // Signed by a key KZ-75 does not know for KZ-11.
    const forger = await RegionLink.create({ "KZ-11": await generatePrivateJwk() });
    const forged = await forger.sign({
      from: "KZ-11",
      to: "KZ-75",
      subgraph: "beneficiaries",
      id: "x",
      type: "duplicate.check",
      body: { token: "0".repeat(64) },
    });
    expect((await fetch(messages, { method: "POST", body: forged })).status).toBe(401);
    // KZ-11's own key, but no token in it.
    const link = await RegionLink.create({ "KZ-11": B.key });
    // A check answered once is not answered again: a replay is refused.
    const check = await link.sign({
      from: "KZ-11",
      to: "KZ-75",
      subgraph: "beneficiaries",
      id: "z",
      type: "duplicate.check",
      body: { token: "0".repeat(64), key: KEY_ID },
    });
    expect((await fetch(messages, { method: "POST", body: check })).status).toBe(200);
    expect((await fetch(messages, { method: "POST", body: check })).status).toBe(409);
    // Under another national key, or none: refused, so that the asking region lists this one as missing.
    const otherKey = await link.sign({
      from: "KZ-11",
      to: "KZ-75",
      subgraph: "beneficiaries",
      id: "w",
      type: "duplicate.check",
      body: { token: "0".repeat(64), key: "0123456789abcdef" },
    });
    expect((await fetch(messages, { method: "POST", body: otherKey })).status).toBe(409);
    const malformed = await link.sign({
      from: "KZ-11",
      to: "KZ-75",
      subgraph: "beneficiaries",
      id: "y",
      type: "duplicate.check",
      body: { nationalId: IIN_MOVED },
    });
    expect((await fetch(messages, { method: "POST", body: malformed })).status).toBe(400);
  });

  it("without a national key, no check leaves the region: every other region is missing", async () => {
    await down(B);
    await up(B, undefined, null);
    try {
      const res = await enroll(B, IIN_NOKEY);
      expect(res.errors).toBeUndefined();
      expect(res.data!.enrollBeneficiary.duplicateCheckMissing.sort()).toEqual(others("KZ-11").sort());
      for (const side of [A, B])
        expect(await comparisons(side)).not.toContainEqual(expect.objectContaining({ ids: [res.data!.enrollBeneficiary.id] }));
    } finally {
      await down(B);
    }
  });

  // Last: it uses up KZ-11's checks with KZ-75 for a minute.
  it("a region asking more than a region enrols in a minute is refused: a lookup, not enrolments", async () => {
    const messages = `http://127.0.0.1:${A.port}/KZ-75/beneficiaries/messages`;
    const link = await RegionLink.create({ "KZ-11": B.key });
    const statuses: number[] = [];
    for (let i = 0; i <= MAX_CHECKS_PER_MINUTE; i++) {
      const jws = await link.sign({
        from: "KZ-11",
        to: "KZ-75",
        subgraph: "beneficiaries",
        id: `n${i}`,
        type: "duplicate.check",
        body: { token: i.toString(16).padStart(64, "0"), key: KEY_ID },
      });
      statuses.push((await fetch(messages, { method: "POST", body: jws })).status);
    }
    expect(statuses.at(-1)).toBe(429);
    // (The earlier tests' checks count in the same minute.)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(MAX_CHECKS_PER_MINUTE - 30);
    expect(A.logs.join("")).toContain("too many duplicate checks");
  });
});
