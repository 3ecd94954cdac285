// The volunteers subgraph over HTTP against the test MongoDB: what staff and coordinators
// see, what gets stored, and what is refused.
import { readFileSync } from "node:fs";
import { printSubgraphSchema } from "@apollo/subgraph";
import { ObjectId } from "bson";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { buildVolunteersSchema, volunteersSubgraph } from "../../subgraphs/volunteers/schema.js";
import { postGraphQL, startTestHost, type TestHost } from "../support/host.js";

let host: TestHost;
let staff75: string;
let staff43: string;
let coordinator: string;
const url = () => host.url("KZ-75", "volunteers");

beforeAll(async () => {
  host = await startTestHost([await volunteersSubgraph()]);
  staff75 = await host.token({ sub: "staff-1", role: "REGIONAL_STAFF", region: "KZ-75" });
  staff43 = await host.token({ sub: "staff-2", role: "REGIONAL_STAFF", region: "KZ-43" });
  coordinator = await host.token({ sub: "coord-1", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  await host?.stop();
});
beforeEach(async () => {
  await host.db("KZ-75").collection("volunteers").deleteMany({});
  await host.db("KZ-75").collection("volunteer_groups").deleteMany({});
  await host.db("KZ-75").collection("organisations").deleteMany({});
  await host.db("KZ-43").collection("volunteers").deleteMany({});
});

const REGISTER = /* GraphQL */ `
  mutation RegisterVolunteer($input: RegisterVolunteerInput!) {
    registerVolunteer(input: $input) {
      id
      region {
        code
      }
      fullName
      phone
      skills
      languages
      status
    }
  }
`;

const input = (over: Record<string, unknown> = {}) => ({
  region: "KZ-75",
  fullName: "Aigerim Sadykova",
  phone: "+77011234567",
  skills: ["DRIVING", "FIRST_AID"],
  languages: ["kk", "ru"],
  ...over,
});

async function register(over: Record<string, unknown> = {}, token = staff75) {
  return postGraphQL<{ registerVolunteer: Record<string, unknown> }>(url(), REGISTER, { input: input(over) }, token);
}

const stored = () => host.db("KZ-75").collection("volunteers").countDocuments();

describe("schema", () => {
  it("prints @key on its entities and matches the checked-in schema/volunteers.graphql", async () => {
    const sdl = printSubgraphSchema(await buildVolunteersSchema());
    expect(sdl).toMatch(/type Volunteer\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Region\s+@key\(fields: "code"\)/);
    expect(readFileSync(new URL("../../schema/volunteers.graphql", import.meta.url), "utf8")).toBe(`${sdl}\n`);
  });
});

describe("registerVolunteer", () => {
  it("registers an ACTIVE volunteer with a normalised phone and stores it", async () => {
    const res = await register({ phone: " +7 701 123 45 67 " });
    expect(res.errors).toBeUndefined();
    const v = res.data!.registerVolunteer;
    expect(v).toMatchObject({
      region: { code: "KZ-75" },
      fullName: "Aigerim Sadykova",
      phone: "+77011234567",
      skills: ["DRIVING", "FIRST_AID"],
      languages: ["kk", "ru"],
      status: "ACTIVE",
    });
    expect(v.id).toMatch(/^KZ-75:vol:[0-9a-f]{24}$/);
    const doc = await host.db("KZ-75").collection("volunteers").findOne({});
    expect(doc).toMatchObject({ fullName: "Aigerim Sadykova", phone: "+77011234567", status: "ACTIVE" });
  });

  it("refuses the same phone twice in a region with CONFLICT naming the existing volunteer", async () => {
    const first = await register();
    const second = await register({ fullName: "Someone Else", phone: "+7 701 123 45 67" });
    expect(second.data).toEqual({ registerVolunteer: null });
    expect(second.errors![0].extensions).toMatchObject({ code: "CONFLICT", existingId: first.data!.registerVolunteer.id });
    expect(second.errors![0].message).toContain(first.data!.registerVolunteer.id as string);
    expect(await stored()).toBe(1);
  });

  it("allows the same phone in another region", async () => {
    await register();
    const other = await postGraphQL(host.url("KZ-43", "volunteers"), REGISTER, { input: input({ region: "KZ-43" }) }, staff43);
    expect(other.errors).toBeUndefined();
  });

  it.each([
    ["an unknown region", { region: "KZ-99" }, /unknown region "KZ-99"/],
    ["another instance's region", { region: "KZ-43" }, /region KZ-43 is not served here; this is the KZ-75 volunteers service/],
    ["a malformed phone", { phone: "call me" }, /input\.phone: not a valid phone number/],
    ["a domestic phone form, not E.164", { phone: "8 (701) 123-45-67" }, /input\.phone: not a valid phone number/],
    ["a bad language code", { languages: ["Kazakh"] }, /languages.*ISO 639/],
    ["an empty name", { fullName: "   " }, /input\.fullName: must not be empty/],
    ["an unknown skill", { skills: ["JUGGLING"] }, /JUGGLING/],
    ["a missing field", { fullName: undefined }, /fullName/],
  ])("refuses %s with BAD_USER_INPUT and stores nothing", async (_what, over, message) => {
    const res = await register(over);
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors![0].message).toMatch(message);
    expect(JSON.stringify(res)).not.toMatch(/stacktrace|at .*\.js:/);
    expect(await stored()).toBe(0);
  });

  it("needs REGIONAL_STAFF of the region: anonymous, coordinator and other staff are refused", async () => {
    const anonymous = await register({}, "");
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    const coord = await register({}, coordinator);
    expect(coord.errors![0].extensions!.code).toBe("FORBIDDEN");
    const other = await register({}, staff43);
    expect(other.errors![0].extensions!.code).toBe("FORBIDDEN");
    expect(await stored()).toBe(0);
  });

  it("refuses a forged or expired token", async () => {
    const forged = `${staff75.slice(0, -4)}AAAA`;
    expect((await register({}, forged)).errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    const { mintToken } = await import("../../subgraphs/kernel/auth.js");
    const expired = await mintToken(host.auth, { sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" }, Math.floor(Date.now() / 1000) - 60);
    const res = await register({}, expired);
    expect(res.errors![0]).toMatchObject({ message: "the token has expired", extensions: { code: "UNAUTHENTICATED" } });
    expect(await stored()).toBe(0);
  });
});

describe("volunteer(id) and updates", () => {
  const QUERY = `query ($id: ID!) { volunteer(id: $id) { id fullName phone skills status group { name } } }`;

  it("returns a volunteer, hiding the phone from those without the right to see it", async () => {
    const id = (await register()).data!.registerVolunteer.id as string;
    const asStaff = await postGraphQL(url(), QUERY, { id }, staff75);
    expect(asStaff.data!.volunteer).toMatchObject({ id, fullName: "Aigerim Sadykova", phone: "+77011234567" });
    const asCoordinator = await postGraphQL(url(), QUERY, { id }, coordinator);
    expect(asCoordinator.data!.volunteer).toMatchObject({ id, fullName: "Aigerim Sadykova", phone: null });
    expect(asCoordinator.errors).toEqual([expect.objectContaining({ path: ["volunteer", "phone"], extensions: { code: "FORBIDDEN" } })]);
    const self = await host.token({ sub: id, role: "VOLUNTEER" });
    expect((await postGraphQL(url(), QUERY, { id }, self)).data!.volunteer).toMatchObject({ phone: "+77011234567" });
  });

  it("answers malformed, foreign and unknown ids with BAD_USER_INPUT, BAD_USER_INPUT and NOT_FOUND", async () => {
    const malformed = await postGraphQL(url(), QUERY, { id: "42" }, staff75);
    expect(malformed.errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect(malformed.errors![0].message).toContain("malformed id");
    const foreignId = encodeId("Volunteer", "KZ-43", new ObjectId());
    const foreign = await postGraphQL(url(), QUERY, { id: foreignId }, staff75);
    expect(foreign.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", region: "KZ-43", servedRegion: "KZ-75" });
    const wrongType = await postGraphQL(url(), QUERY, { id: encodeId("Beneficiary", "KZ-75", new ObjectId()) }, staff75);
    expect(wrongType.errors![0].message).toContain("is a Beneficiary id, expected a Volunteer id");
    const missing = await postGraphQL(url(), QUERY, { id: encodeId("Volunteer", "KZ-75", new ObjectId()) }, staff75);
    expect(missing.errors![0].extensions!.code).toBe("NOT_FOUND");
  });

  it("updates fields, keeps phones unique, and sets status", async () => {
    const a = (await register()).data!.registerVolunteer.id as string;
    const b = (await register({ fullName: "Berik Omarov", phone: "+77015550000" })).data!.registerVolunteer.id as string;
    const UPDATE = `mutation ($id: ID!, $input: UpdateVolunteerInput!) { updateVolunteer(id: $id, input: $input) { fullName phone skills } }`;
    const ok = await postGraphQL(url(), UPDATE, { id: b, input: { fullName: "Berik  Omarov ", skills: ["IT", "IT"] } }, staff75);
    expect(ok.data!.updateVolunteer).toEqual({ fullName: "Berik Omarov", phone: "+77015550000", skills: ["IT"] });
    const taken = await postGraphQL(url(), UPDATE, { id: b, input: { phone: "+77011234567" } }, staff75);
    expect(taken.errors![0].extensions).toMatchObject({ code: "CONFLICT", existingId: a });
    expect(
      (await host
        .db("KZ-75")
        .collection("volunteers")
        .findOne({ _id: new ObjectId(b.slice(-24)) }))!.phone,
    ).toBe("+77015550000");
    const STATUS = `mutation ($id: ID!) { setVolunteerStatus(id: $id, status: SUSPENDED) { status } }`;
    expect((await postGraphQL(url(), STATUS, { id: a }, staff75)).data!.setVolunteerStatus).toEqual({ status: "SUSPENDED" });
    const unknown = await postGraphQL(url(), STATUS, { id: encodeId("Volunteer", "KZ-75", new ObjectId()) }, staff75);
    expect(unknown.errors![0].extensions!.code).toBe("NOT_FOUND");
  });
});

describe("Region.volunteers and volunteerStats", () => {
  const ENTITIES = `query ($reps: [_Any!]!, $filter: VolunteerFilter, $first: Int, $after: String) {
    _entities(representations: $reps) {
      ... on Region {
        code
        volunteers(filter: $filter, first: $first, after: $after) {
          nodes { id fullName skills languages status }
          totalCount
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }`;
  type Conn = {
    nodes: Array<{ id: string; fullName: string }>;
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
  const region = [{ __typename: "Region", code: "KZ-75" }];

  async function page(vars: Record<string, unknown>, token = coordinator) {
    return postGraphQL<{ _entities: Array<{ volunteers: Conn }> }>(url(), ENTITIES, { reps: region, ...vars }, token);
  }

  async function seed(n: number) {
    const docs = Array.from({ length: n }, (_, i) => ({
      _id: new ObjectId(),
      fullName: `Volunteer ${String(i).padStart(2, "0")}`,
      nameKey: `volunteer ${String(i).padStart(2, "0")}`,
      phone: `+7701000${String(i).padStart(4, "0")}`,
      skills: i % 3 === 0 ? ["DRIVING"] : ["COOKING", "IT"],
      languages: i % 2 ? ["kk"] : ["ru", "en"],
      status: i % 5 === 0 ? "INACTIVE" : "ACTIVE",
      groupId: null,
      registeredAt: new Date(),
      updatedAt: new Date(),
    }));
    await host.db("KZ-75").collection("volunteers").insertMany(docs);
  }

  it("pages through every volunteer once, in name order", async () => {
    await seed(45);
    const seen: string[] = [];
    let after: string | null = null;
    const sizes: number[] = [];
    for (;;) {
      const res = await page({ first: 20, after });
      expect(res.errors).toBeUndefined();
      const conn: Conn = res.data!._entities[0].volunteers;
      expect(conn.totalCount).toBe(45);
      sizes.push(conn.nodes.length);
      seen.push(...conn.nodes.map((n) => n.fullName));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(sizes).toEqual([20, 20, 5]);
    expect(seen).toEqual(Array.from({ length: 45 }, (_, i) => `Volunteer ${String(i).padStart(2, "0")}`));
  });

  it("filters by skill, status, language and name", async () => {
    await seed(30);
    const count = async (filter: Record<string, unknown>) => (await page({ filter })).data!._entities[0].volunteers.totalCount;
    expect(await count({ skill: "DRIVING" })).toBe(10);
    expect(await count({ skill: "DRIVING", status: "ACTIVE" })).toBe(8);
    expect(await count({ language: "kk" })).toBe(15);
    expect(await count({ search: "TEER 1" })).toBe(10);
    expect(await count({ search: "(" })).toBe(0);
  });

  it("refuses bad page sizes and malformed cursors", async () => {
    expect((await page({ first: 101 })).errors![0].extensions!.code).toBe("BAD_USER_INPUT");
    expect((await page({ first: 0 })).errors![0].message).toContain("first: must be between 1 and 100");
    expect((await page({ after: "not-a-cursor" })).errors![0].message).toContain("after: malformed cursor");
  });

  it("refuses forged cursors, so no client value reaches the filter as an operator", async () => {
    await seed(3);
    const real = (await page({ first: 1 })).data!._entities[0].volunteers.pageInfo.endCursor!;
    const [signature, name, id] = JSON.parse(Buffer.from(real, "base64url").toString("utf8")) as [string, string, string];
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const catastrophic = { $regularExpression: { pattern: "^(a+)+$", options: "" } };
    const forged = [
      cursor([signature, catastrophic, id]),
      cursor([signature, { $gt: "" }, id]),
      cursor([signature, name, { $oid: id }]),
      cursor([signature, 42, id]),
      cursor([signature, name, "not-an-object-id"]),
      cursor([signature, name]),
      cursor(["registeredAt:-1,_id:1", name, id]),
      // The old EJSON form, which decoded $regularExpression into a real regex.
      Buffer.from(`[${JSON.stringify(catastrophic)},{"$oid":"${id}"}]`).toString("base64url"),
    ];
    const finds = () => host.commands.filter((c) => c.commandName === "find").length;
    for (const after of forged) {
      const before = finds();
      const res = await page({ first: 1, after });
      expect(res.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
      expect(finds()).toBe(before);
    }
    // The real one still pages.
    expect((await page({ first: 1, after: real })).data!._entities[0].volunteers.nodes).toHaveLength(1);
  });

  it("refuses an over-long name search", async () => {
    expect((await page({ filter: { search: "x".repeat(101) } })).errors![0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "filter.search",
    });
  });

  it("counts volunteers, active ones, and active ones per skill", async () => {
    await seed(30);
    const res = await postGraphQL<{
      _entities: Array<{ volunteerStats: { total: number; active: number; bySkill: Array<{ skill: string; count: number }> } }>;
    }>(
      url(),
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Region { volunteerStats { total active bySkill { skill count } } } } }`,
      { reps: region },
      coordinator,
    );
    const stats = res.data!._entities[0].volunteerStats;
    expect(stats.total).toBe(30);
    expect(stats.active).toBe(24);
    expect(stats.bySkill.slice(0, 3)).toEqual([
      { skill: "COOKING", count: 16 },
      { skill: "IT", count: 16 },
      { skill: "DRIVING", count: 8 },
    ]);
    expect(stats.bySkill).toHaveLength(9);
  });

  it("refuses a Region reference for another instance's region", async () => {
    const res = await postGraphQL<{ _entities: unknown[] }>(
      url(),
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Region { code } } }`,
      {
        reps: [
          { __typename: "Region", code: "KZ-75" },
          { __typename: "Region", code: "KZ-43" },
        ],
      },
      coordinator,
    );
    expect(res.data!._entities).toEqual([{ code: "KZ-75" }, null]);
    expect(res.errors).toEqual([
      expect.objectContaining<Record<string, unknown>>({
        path: ["_entities", 1],
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    ]);
  });
});

describe("reference resolution", () => {
  it("resolves a batch of Volunteer references with one database query, in order, null for missing", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await register({ fullName: `Ref ${i}`, phone: `+7702000000${i}` })).data!.registerVolunteer.id as string);
    const missing = encodeId("Volunteer", "KZ-75", new ObjectId());
    const foreign = encodeId("Volunteer", "KZ-43", new ObjectId());
    const order = [ids[3], ids[0], missing, ids[4], foreign, ids[1], ids[2]];
    const before = host.commands.length;
    const res = await postGraphQL<{ _entities: Array<{ id: string; fullName: string } | null> }>(
      url(),
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Volunteer { id fullName } } }`,
      { reps: order.map((id) => ({ __typename: "Volunteer", id })) },
      coordinator,
    );
    const finds = host.commands.slice(before).filter((c) => c.commandName === "find" && c.command.find === "volunteers");
    expect(finds).toHaveLength(1);
    expect(res.data!._entities.map((e) => e?.id ?? null)).toEqual([ids[3], ids[0], null, ids[4], null, ids[1], ids[2]]);
    expect(res.errors).toEqual([
      expect.objectContaining<Record<string, unknown>>({
        path: ["_entities", 4],
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT", region: "KZ-43" }),
      }),
    ]);
  });
});

describe("groups", () => {
  it("creates a group with its leader, refuses duplicate names, and keeps leaders members", async () => {
    const leader = (await register()).data!.registerVolunteer.id as string;
    const outsider = (await register({ fullName: "Outsider", phone: "+77019998877" })).data!.registerVolunteer.id as string;
    const ORGANISATION = `mutation ($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id name kind regions { code } } }`;
    const organisation = await postGraphQL<{ createOrganisation: { id: string } }>(
      url(),
      ORGANISATION,
      { input: { region: "KZ-75", name: "Youth resource centre", kind: "PUBLIC_BODY", alsoWorksIn: ["KZ-43"] } },
      staff75,
    );
    expect(organisation.data!.createOrganisation).toMatchObject({
      name: "Youth resource centre",
      regions: [{ code: "KZ-75" }, { code: "KZ-43" }],
    });
    const organisationId = organisation.data!.createOrganisation.id;
    const CREATE = `mutation ($input: CreateVolunteerGroupInput!) { createVolunteerGroup(input: $input) { id name organisation { id name } memberCount leader { id } members { nodes { id } } } }`;
    // An organisation must be registered with the group's region, and exist.
    const foreign = await postGraphQL(
      url(),
      CREATE,
      { input: { region: "KZ-75", name: "X", organisationId: organisationId.replace("KZ-75", "KZ-43") } },
      staff75,
    );
    expect(foreign.errors![0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT", field: "input.organisationId" } });
    const missing = await postGraphQL(
      url(),
      CREATE,
      { input: { region: "KZ-75", name: "X", organisationId: organisationId.replace(/.{4}$/, "ffff") } },
      staff75,
    );
    expect(missing.errors![0]).toMatchObject({ extensions: { code: "NOT_FOUND", field: "input.organisationId" } });
    const created = await postGraphQL<{ createVolunteerGroup: { id: string } }>(
      url(),
      CREATE,
      { input: { region: "KZ-75", name: "Almaly door-to-door", organisationId, leaderId: leader } },
      staff75,
    );
    expect(created.data!.createVolunteerGroup).toMatchObject({
      organisation: { id: organisationId, name: "Youth resource centre" },
      name: "Almaly door-to-door",
      memberCount: 1,
      leader: { id: leader },
      members: { nodes: [{ id: leader }] },
    });
    const dup = await postGraphQL(url(), CREATE, { input: { region: "KZ-75", name: "almaly DOOR-to-door" } }, staff75);
    expect(dup.errors![0].extensions!.code).toBe("CONFLICT");
    const LEADER = `mutation ($g: ID!, $v: ID!) { setVolunteerGroupLeader(groupId: $g, volunteerId: $v) { leader { id } } }`;
    const notMember = await postGraphQL(url(), LEADER, { g: created.data!.createVolunteerGroup.id, v: outsider }, staff75);
    expect(notMember.errors![0].extensions!.code).toBe("CONFLICT");
    expect(await host.db("KZ-75").collection("volunteer_groups").countDocuments()).toBe(1);
  });
});

describe("organisations", () => {
  const CREATE = `mutation ($input: CreateOrganisationInput!) { createOrganisation(input: $input) { id name kind regions { code } } }`;
  const create = (input: Record<string, unknown>, token = staff75) =>
    postGraphQL<{ createOrganisation: { id: string } }>(url(), CREATE, { input: { region: "KZ-75", kind: "NGO", ...input } }, token);

  it("registers an organisation once per name, for the region's staff only, with the regions it works in", async () => {
    const made = await create({ name: "Red Crescent", alsoWorksIn: ["KZ-75", "KZ-11"] });
    // The registering region comes first, once.
    expect(made.data!.createOrganisation).toMatchObject({
      name: "Red Crescent",
      kind: "NGO",
      regions: [{ code: "KZ-75" }, { code: "KZ-11" }],
    });
    const again = await create({ name: "red  CRESCENT" });
    expect(again.errors![0]).toMatchObject({ extensions: { code: "CONFLICT", existingId: made.data!.createOrganisation.id } });
    const unknown = await create({ name: "Other", alsoWorksIn: ["KZ-99"] });
    expect(unknown.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.alsoWorksIn.0" });
    const twice = await create({ name: "Other", alsoWorksIn: ["KZ-11", "KZ-11"] });
    expect(twice.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.alsoWorksIn" });
    const blank = await create({ name: "   " });
    expect(blank.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
    expect((await create({ name: "Other" }, staff43)).errors![0].extensions!.code).toBe("FORBIDDEN");
    expect((await create({ name: "Other" }, coordinator)).errors![0].extensions!.code).toBe("FORBIDDEN");
    expect(await host.db("KZ-75").collection("organisations").countDocuments()).toBe(1);
    const listed = await postGraphQL<{ _entities: Array<{ organisations: { nodes: Array<{ name: string }> } }> }>(
      url(),
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { organisations { nodes { name } } } } }`,
      { r: [{ __typename: "Region", code: "KZ-75" }] },
      staff75,
    );
    expect(listed.data!._entities[0].organisations.nodes).toEqual([{ name: "Red Crescent" }]);
  });
});

describe("HTTP surface", () => {
  it("reports health and refuses unknown paths and regions", async () => {
    const health = await fetch(`${host.baseUrl}/health`);
    expect(await health.json()).toMatchObject({ status: "ok", regions: ["KZ-75", "KZ-43"], subgraphs: ["volunteers"] });
    expect((await fetch(`${host.baseUrl}/KZ-11/volunteers/graphql`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${host.baseUrl}/nope`)).status).toBe(404);
    const badJson = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${staff75}` },
      body: "{",
    });
    expect(badJson.status).toBe(400);
  });
});
