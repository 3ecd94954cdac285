// What the gateway refuses before anything reaches a region: anonymous callers beyond
// regions { code name status }, over-deep, over-aliased and over-costly queries; and
// tokens that are forged, expired or for another audience, at the gateway and at a
// subgraph called directly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hs256Config, mintToken } from "../../subgraphs/shared/auth.js";
import { postGraphQL, TEST_SECRET } from "../support/host.js";
import { startNational, type National } from "../support/national.js";

const AUTH = hs256Config(TEST_SECRET, "aidgraph-test-issuer", "aidgraph");
let national: National;
let coordinator: string;

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43"], auth: AUTH });
  coordinator = await national.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  await national?.stop();
});

/** Runs a request and reports how many subgraph fetches it caused. */
async function fetchesFor(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const before = national.gateway.metrics.totalFetches;
  const res = await national.query(query, variables, token);
  return { res, fetches: national.gateway.metrics.totalFetches - before };
}

describe("anonymous callers", () => {
  it("may read region names and health, without any subgraph call", async () => {
    const { res, fetches } = await fetchesFor(`{ regions { code name status { healthy subgraphs { name healthy } } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.regions).toHaveLength(2);
    expect(fetches).toBe(0);
  });

  it.each([
    ["regional data", `{ regions { code volunteerStats { total } } }`, "Region.volunteerStats"],
    ["a volunteer", `{ volunteer(id: "KZ-75:vol:6650c0ffee0123456789abcd") { id } }`, "Query.volunteer"],
    ["a write", `mutation { registerVolunteer(input: { region: "KZ-75", fullName: "X", phone: "+77010000000" }) { id } }`, "Mutation.registerVolunteer"],
  ])("are refused %s with UNAUTHENTICATED naming the field, before any fan-out", async (_what, query, field) => {
    const { res, fetches } = await fetchesFor(query);
    expect(res.status).toBe(401);
    expect(res.errors![0]!.extensions).toMatchObject({ code: "UNAUTHENTICATED", field });
    expect(fetches).toBe(0);
  });
});

describe("limits before fan-out", () => {
  it("refuses an over-deep query", async () => {
    let selection = "id";
    for (let i = 0; i < 7; i++) selection = `leader { group { ${selection} } }`;
    const { res, fetches } = await fetchesFor(`query ($id: ID!) { volunteerGroup(id: $id) { ${selection} } }`, { id: "KZ-75:grp:6650c0ffee0123456789abcd" }, coordinator);
    expect(res.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
    expect(res.errors![0]!.message).toMatch(/query depth \d+ exceeds the limit of 12/);
    expect(fetches).toBe(0);
  });

  it("refuses an over-costly national query, also when the page size comes in a variable", async () => {
    const query = `query ($n: Int) { regions { volunteers(first: $n) { nodes { id events { id participants { id } } } } } }`;
    const { res, fetches } = await fetchesFor(query, { n: 100 }, coordinator);
    expect(res.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
    expect(res.errors![0]!.message).toMatch(/estimated cost \d+ exceeds the limit of 50000/);
    expect(fetches).toBe(0);
    const small = await fetchesFor(query, { n: 2 }, coordinator);
    expect(small.res.errors).toBeUndefined();
    expect(small.fetches).toBeGreaterThan(0);
  });

  it("refuses too many aliases", async () => {
    const fields = Array.from({ length: 31 }, (_, i) => `a${i}: region(code: "KZ-75") { code }`).join(" ");
    const { res, fetches } = await fetchesFor(`{ ${fields} }`, {}, coordinator);
    expect(res.errors![0]!.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "aliases" });
    expect(fetches).toBe(0);
  });

  it("answers the contract's national overview within the limits", async () => {
    const { res } = await fetchesFor(
      `{ regions { code name status { healthy } volunteerStats { total active bySkill { skill count } } beneficiaryStats { beneficiaries people openHelpRequests } stock { item quantity } upcomingEvents(first: 5) { id title startsAt } } }`,
      {},
      coordinator,
    );
    expect(res.errors).toBeUndefined();
  });
});

describe("tokens", () => {
  const staff = { sub: "s", role: "REGIONAL_STAFF" as const, region: "KZ-75" };
  const subgraphUrl = () => national.host.url("KZ-75", "volunteers");
  const QUERY = `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { volunteerStats { total } } } }`;

  it.each([
    ["forged", async () => `${(await mintToken(AUTH, staff)).slice(0, -6)}AAAAAA`, "the token is invalid"],
    ["signed with another secret", () => mintToken(hs256Config("another-secret-another-secret-another-1", "aidgraph-test-issuer", "aidgraph"), staff), "the token is invalid"],
    ["expired", () => mintToken(AUTH, staff, Math.floor(Date.now() / 1000) - 10), "the token has expired"],
    ["for another audience", () => mintToken(hs256Config(TEST_SECRET, "aidgraph-test-issuer", "someone-else"), staff), "the token is invalid"],
    ["from another issuer", () => mintToken(hs256Config(TEST_SECRET, "elsewhere", "aidgraph"), staff), "the token is invalid"],
  ])("refuses a %s token at the gateway and at a subgraph called directly", async (_what, make, message) => {
    const token = await make();
    const atGateway = await fetchesFor(`{ regions { code volunteerStats { total } } }`, {}, token);
    expect(atGateway.res.status).toBe(401);
    expect(atGateway.res.errors![0]!).toMatchObject({ message, extensions: { code: "UNAUTHENTICATED" } });
    expect(atGateway.fetches).toBe(0);
    const direct = await postGraphQL(subgraphUrl(), QUERY, {}, token);
    expect(direct.status).toBe(401);
    expect(direct.errors![0]!).toMatchObject({ message, extensions: { code: "UNAUTHENTICATED" } });
  });

  it("accepts a valid token at both", async () => {
    const token = await mintToken(AUTH, staff);
    expect((await national.query(`{ regions { volunteerStats { total } } }`, {}, token)).errors).toBeUndefined();
    expect((await postGraphQL(subgraphUrl(), QUERY, {}, token)).errors).toBeUndefined();
  });
});
