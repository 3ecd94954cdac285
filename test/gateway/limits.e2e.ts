// The same request limits at every entry point — the gateway, a region host's subgraph
// endpoints and its batch endpoint — answered in milliseconds whatever the document's
// nesting, before anything reaches a region or a database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postGraphQL, type GraphQLResponse } from "../support/host.js";
import { startNational, type National } from "../support/national.js";

let national: National;
let coordinator: string;
let staff: string;
let volunteer: string;
const VOLUNTEER = "KZ-75:vol:6650c0ffee0123456789abcd";

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43"] });
  coordinator = await national.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
  staff = await national.token({ sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" });
  volunteer = await national.token({ sub: VOLUNTEER, role: "VOLUNTEER" });
});
afterAll(async () => {
  await national?.stop();
});

/** `fragment F0 on T { ...F1 ...F1 } … fragment Fn on T { <leaf> }`: 2^n copies of the leaf in ~40 bytes a level. */
function doubling(levels: number, type: string, leaf: string): string {
  let fragments = "";
  for (let i = 0; i < levels; i++) fragments += `fragment F${i} on ${type} { ...F${i + 1} ...F${i + 1} } `;
  return `${fragments}fragment F${levels} on ${type} { ${leaf} }`;
}

/** A request's answer, how long it took, and how many subgraph fetches the gateway made for it. */
async function timed(run: () => Promise<GraphQLResponse>) {
  const before = national.gateway.metrics.totalFetches;
  const started = performance.now();
  const res = await run();
  return { res, ms: performance.now() - started, fetches: national.gateway.metrics.totalFetches - before };
}

const limitOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions;

describe("at the gateway", () => {
  it.each([20, 30, 45])(
    "answers an exponential-fragment document (%i levels) in milliseconds, refused, without calling a region",
    async (levels) => {
      for (const token of [undefined, coordinator]) {
        const { res, ms, fetches } = await timed(() =>
          national.query(`query { ...F0 } ${doubling(levels, "Query", "regions { code }")}`, {}, token),
        );
        expect(res.status).toBe(400);
        expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "fields", fields: 2 * 2 ** levels });
        expect(fetches).toBe(0);
        expect(ms).toBeLessThan(100);
      }
      // The same inside a type's selection, and with inline fragments in between.
      const nested = `{ regions { ...F0 } } ${doubling(levels, "Region", "... on Region { code name }")}`;
      const { res, ms } = await timed(() => national.query(nested, {}, coordinator));
      expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "fields" });
      expect(ms).toBeLessThan(100);
    },
  );

  it("refuses a document whose fragments double only __typename under conditions (what the query planner would expand), in production too", async () => {
    const production = await startNational({ healthy: ["KZ-75"], production: true });
    try {
      for (const levels of [12, 19]) {
        let fragments = "";
        for (let i = 0; i < levels; i++) fragments += `fragment F${i} on Region { ...F${i + 1} ... @include(if: true) { ...F${i + 1} } } `;
        const query = `{ regions { ...F0 } } ${fragments}fragment F${levels} on Region { __typename }`;
        const started = performance.now();
        const res = await production.query(query);
        expect(performance.now() - started).toBeLessThan(100);
        expect(res.status).toBe(400);
        expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "fields" });
      }
    } finally {
      await production.stop();
    }
  });

  it("takes a variable's default value for what it is: a page size or a list of representations", async () => {
    const query = `query ($n: Int = 100) { regions { volunteers(first: $n) { nodes { id events { id participants { id } } } } } }`;
    const { res, fetches } = await timed(() => national.query(query, {}, coordinator));
    expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
    expect(fetches).toBe(0);
  });

  it("counts a field every region answers (a volunteer's events and hours) once per region", async () => {
    // Two regions: each of the 2 × 100 volunteers' events is asked of both regions, 2 × 20 × 7 fields each.
    const events = `events { id title startsAt endsAt kind capacity spotsLeft }`;
    const query = `{ regions { volunteers(first: 100) { nodes { id ${events} } } } }`;
    const { res, fetches } = await timed(() => national.query(query, {}, coordinator));
    expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost", cost: 1 + 2 * (10 + 1 + 100 * (1 + 2 + 2 * 20 * 7)) });
    expect(fetches).toBe(0);
    // A field of the volunteer's own region costs once.
    expect(
      (await national.query(`{ regions { volunteers(first: 100) { nodes { id fullName skills } } } }`, {}, coordinator)).errors,
    ).toBeUndefined();
  });

  it("refuses an anonymous request whose fragments reach a protected field through other fragments, before any region is called", async () => {
    const query = `{ ...A } fragment A on Query { regions { ...B } } fragment B on Region { code ...C } fragment C on Region { volunteerStats { total } }`;
    const { res, fetches } = await timed(() => national.query(query));
    expect(res.status).toBe(401);
    expect(limitOf(res)).toMatchObject({ code: "UNAUTHENTICATED", field: "Region.volunteerStats" });
    expect(fetches).toBe(0);
    // The same through inline fragments and a second operation's fragments.
    const inline = await timed(() => national.query(`query Public { regions { ... on Region { ... on Region { stock { item } } } } }`));
    expect(limitOf(inline.res)).toMatchObject({ code: "UNAUTHENTICATED", field: "Region.stock" });
    expect(inline.fetches).toBe(0);
  });

  it.each([
    ["tokens", `{ ${'region(code: "KZ-75") { code } '.repeat(200)} }`],
    ["fragments", `{ ...A0 } ${Array.from({ length: 51 }, (_, i) => `fragment A${i} on Query { __typename }`).join(" ")}`],
    ["spreads", `{ ${"...A ".repeat(101)} } fragment A on Query { __typename }`],
    ["directives", `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: __typename @include(if: true)`).join(" ")} }`],
    ["depth", `{ volunteer(id: "${VOLUNTEER}") { ${"... on Volunteer { group { leader { ".repeat(6)} id ${"} } }".repeat(6)} } }`],
    ["aliases", `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(" ")} }`],
  ])("refuses too many %s with that limit's code, for anyone, without calling a region", async (limit, query) => {
    for (const token of [undefined, coordinator]) {
      const { res, ms, fetches } = await timed(() => national.query(query, {}, token));
      expect(res.status, JSON.stringify(res.errors)).toBe(limit === "depth" && !token ? 401 : 400);
      if (limit !== "depth" || token) expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit });
      expect(fetches).toBe(0);
      expect(ms).toBeLessThan(100);
    }
  });

  it("applies the limits to GET requests too", async () => {
    const query = `query ($n: Int) { regions { volunteers(first: $n) { nodes { id events { id participants { id } } } } } }`;
    const url = `${national.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent(JSON.stringify({ n: 100 }))}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${coordinator}`, "apollo-require-preflight": "1" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as GraphQLResponse).errors![0].extensions).toMatchObject({ limit: "cost" });
  });

  it("runs no persisted query (its text would escape the checks)", async () => {
    const res = await fetch(national.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${coordinator}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }),
    });
    expect(((await res.json()) as GraphQLResponse).errors![0].extensions!.code).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
  });
});

describe("at a region host called directly", () => {
  const url = (subgraph: string) => national.host.url("KZ-75", subgraph);
  const batchUrl = () => `${national.host.baseUrl}/KZ-75/batch`;
  async function batch(requests: unknown[], token = staff) {
    const res = await fetch(batchUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ requests }),
    });
    return {
      status: res.status,
      body: (await res.json()) as { responses?: Array<{ status: number; body: GraphQLResponse }>; errors?: GraphQLResponse["errors"] },
    };
  }
  const regions = (n: number) => Array.from({ length: n }, () => ({ __typename: "Region", code: "KZ-75" }));
  const STATS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { volunteerStats { total active bySkill { skill count } } } } }`;

  it("answers an exponential-fragment document in milliseconds, refused, on a subgraph endpoint and in a batch", async () => {
    const query = `query { ...F0 } ${doubling(40, "Query", `volunteer(id: "${VOLUNTEER}") { id }`)}`;
    let started = performance.now();
    const direct = await postGraphQL(url("volunteers"), query, {}, volunteer);
    expect(performance.now() - started).toBeLessThan(100);
    expect(direct.status).toBe(400);
    expect(limitOf(direct)).toMatchObject({ code: "BAD_USER_INPUT", limit: "fields" });
    started = performance.now();
    const batched = await batch([{ subgraph: "volunteers", query }], volunteer);
    expect(performance.now() - started).toBeLessThan(100);
    expect(batched.body.responses![0]).toMatchObject({
      status: 400,
      body: { errors: [{ extensions: { code: "BAD_USER_INPUT", limit: "fields" } }] },
    });
  });

  it("refuses a volunteer's group { members { nodes { group … } } } nesting by depth, and a wide one by cost", async () => {
    let selection = "id";
    for (let i = 0; i < 5; i++) selection = `group { members { nodes { ${selection} } } }`;
    const deep = await postGraphQL(url("volunteers"), `{ volunteer(id: "${VOLUNTEER}") { ${selection} } }`, {}, volunteer);
    expect(deep.status).toBe(400);
    expect(limitOf(deep)).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
    const wide = `{ volunteerGroup(id: "KZ-75:grp:6650c0ffee0123456789abcd") { members(first: 100) { nodes { group { members(first: 100) { nodes { group { members(first: 100) { nodes { id } } } } } } } } } }`;
    const res = await postGraphQL(url("volunteers"), wide, {}, volunteer);
    expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });

  it("counts representations and page sizes given as variable defaults, on an endpoint and in a batch", async () => {
    const reps = JSON.stringify(regions(1001)).replace(/"(\w+)":/g, "$1:");
    const query = `query ($r: [_Any!]! = ${reps}) { _entities(representations: $r) { ... on Region { code } } }`;
    const res = await postGraphQL(url("volunteers"), query, {}, staff);
    expect(res.status).toBe(400);
    expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "tokens" });
    // Eight representations by default, asked eight times: 64 an operation, 1,024 in sixteen.
    const eight = Array.from({ length: 8 }, () => `{ __typename: "Region", code: "KZ-75" }`).join(", ");
    const few = `query ($r: [_Any!]! = [${eight}]) { ${Array.from({ length: 8 }, (_, i) => `a${i}: _entities(representations: $r) { ... on Region { code } }`).join(" ")} }`;
    const together = await batch(Array.from({ length: 16 }, () => ({ subgraph: "volunteers", query: few })));
    expect(together.status).toBe(400);
    expect(together.body.errors![0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      limit: "representations",
      representations: 16 * 64,
    });
    const wide = `query ($n: Int = 100) { volunteerGroup(id: "KZ-75:grp:6650c0ffee0123456789abcd") { members(first: $n) { nodes { group { members(first: $n) { nodes { group { members(first: $n) { nodes { id } } } } } } } } } }`;
    expect(limitOf(await postGraphQL(url("volunteers"), wide, {}, staff))).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });

  it("answers a malformed representation with BAD_USER_INPUT naming it, not an internal error", async () => {
    for (const bad of [
      [[1]],
      { code: "KZ-75" },
      { __typename: "constructor" },
      { __typename: "__proto__" },
      { __typename: "Query" },
      { __typename: "_Service" },
    ]) {
      const res = await postGraphQL(url("volunteers"), STATS, { r: [{ __typename: "Region", code: "KZ-75" }, bad] }, staff);
      expect(res.status).toBe(400);
      expect(res.errors![0]).toMatchObject({
        message: "representations.1: must be an object whose __typename is an entity type of this subgraph",
        extensions: { code: "BAD_USER_INPUT", field: "representations.1" },
      });
    }
  });

  it("asks the database once for a record a query reaches again and again, and lists no more than first", async () => {
    const db = national.host.db("KZ-75");
    const { ObjectId } = await import("bson");
    const household = new ObjectId();
    await db.collection("beneficiaries").insertOne({
      _id: household,
      householdSize: 3,
      vulnerabilities: [],
      needs: [],
      consent: { given: true, purpose: null, recordedAt: new Date(), recordedBy: "s", withdrawnAt: null },
      status: "ACTIVE",
      registeredAt: new Date(),
      updatedAt: new Date(),
    });
    const at = new Date();
    await db.collection("help_requests").insertMany(
      Array.from({ length: 30 }, () => ({
        _id: new ObjectId(),
        channel: "HOTLINE",
        need: "FOOD",
        urgency: "LOW",
        urgencyRank: 3,
        description: null,
        contactPhone: null,
        beneficiaryId: household,
        assignedVolunteerId: null,
        status: "NEW",
        history: [],
        createdAt: at,
        updatedAt: at,
      })),
    );
    const id = `KZ-75:ben:${household.toHexString()}`;
    const chain = (first?: number) => {
      const page = first ? `(first: ${first})` : "";
      return `query ($id: ID!) { beneficiary(id: $id) { helpRequests${page} { beneficiary { helpRequests${page} { beneficiary { helpRequests${page} { id } } } } } } }`;
    };
    const finds = () =>
      national.host.commands.filter((c) => c.commandName === "find" && (c.command as { find?: string }).find === "help_requests").length;
    const before = finds();
    const res = await postGraphQL<{ beneficiary: { helpRequests: Array<{ beneficiary: { helpRequests: unknown[] } }> } }>(
      url("beneficiaries"),
      chain(),
      { id },
      staff,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.beneficiary.helpRequests).toHaveLength(20);
    expect(res.data!.beneficiary.helpRequests[0].beneficiary.helpRequests).toHaveLength(20);
    expect(finds() - before).toBe(1);
    // Asking for all 100 at every level is what it would cost: refused.
    expect(limitOf(await postGraphQL(url("beneficiaries"), chain(100), { id }, staff))).toMatchObject({
      code: "BAD_USER_INPUT",
      limit: "cost",
    });
  });

  it("refuses more _entities representations than the limit, on an endpoint and in a batch", async () => {
    const res = await postGraphQL(url("volunteers"), STATS, { r: regions(1001) }, staff);
    expect(res.status).toBe(400);
    expect(limitOf(res)).toMatchObject({ code: "BAD_USER_INPUT", limit: "representations", representations: 1001 });
    // Sixteen operations each within the limit, together over it: the batch is refused whole.
    const together = await batch(
      Array.from({ length: 16 }, () => ({ subgraph: "volunteers", query: STATS, variables: { r: regions(100) } })),
    );
    expect(together.status).toBe(400);
    expect(together.body.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "representations", representations: 1600 });
  });

  it("computes a region's statistics once however many representations of it a request carries", async () => {
    const before = national.host.commands.filter((c) => c.commandName === "aggregate").length;
    const res = await postGraphQL<{ _entities: unknown[] }>(url("volunteers"), STATS, { r: regions(900) }, staff);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    expect(res.data!._entities).toHaveLength(900);
    expect(national.host.commands.filter((c) => c.commandName === "aggregate").length - before).toBe(1);
  });

  it("adds up what a batch's operations cost, not their shape: each may use the aliases and fields one operation may", async () => {
    const wide = `{ ${Array.from({ length: 25 }, (_, i) => `a${i}: __typename`).join(" ")} }`;
    const res = await batch(Array.from({ length: 4 }, () => ({ subgraph: "volunteers", query: wide })));
    expect(res.status).toBe(200);
    expect(res.body.responses!.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it("answers a batch's operations one by one when only one breaks a limit", async () => {
    const ok = { subgraph: "volunteers", query: STATS, variables: { r: regions(1) } };
    const res = await batch([
      ok,
      { subgraph: "volunteers", query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(" ")} }` },
      ok,
    ]);
    expect(res.status).toBe(200);
    expect(res.body.responses!.map((r) => r.status)).toEqual([200, 400, 200]);
    expect(res.body.responses![1].body.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "aliases" });
  });
});

describe("the router and the hosts' representation limit", () => {
  let small: National;
  beforeAll(async () => {
    small = await startNational({ healthy: ["KZ-75", "KZ-43"], limits: { maxRepresentations: 2 } });
  });
  afterAll(async () => {
    await small?.stop();
  });

  it("sends a region more representations than its limit in several requests, and answers in order", async () => {
    const staff75 = await small.token({ sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await small.query<{ registerVolunteer: { id: string } }>(
        `mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) { id } }`,
        { input: { region: "KZ-75", fullName: `Volunteer ${i}`, phone: `+7701000000${i}` } },
        staff75,
      );
      ids.push(res.data!.registerVolunteer.id);
    }
    // hoursServed is asked of every region for all five volunteers: five representations each.
    const res = await small.query<{
      region: { volunteers: { nodes: Array<{ id: string; fullName: string; hoursServed: number; events: unknown[] }> } };
    }>(`{ region(code: "KZ-75") { volunteers(first: 10) { nodes { id fullName hoursServed events { id } } } } }`, {}, staff75);
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    const nodes = res.data!.region.volunteers.nodes;
    expect(nodes.map((n) => n.id).sort()).toEqual([...ids].sort());
    expect(nodes.every((n) => n.hoursServed === 0 && n.events.length === 0)).toBe(true);
    expect(nodes.map((n) => n.fullName).sort()).toEqual(ids.map((_, i) => `Volunteer ${i}`));
  });
});
