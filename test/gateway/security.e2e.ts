// What the gateway refuses before anything reaches a region: anonymous callers beyond
// regions { code name status }, over-deep, over-aliased and over-costly queries; and
// tokens that are forged, expired or for another audience, at the gateway and at a
// subgraph called directly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, SignJWT } from "jose";
import { gatewayEnv } from "../../gateway/config.js";
import { checkGatewayRegistry } from "../../gateway/registry.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { SUBGRAPH_NAMES } from "../../subgraphs/manifest.js";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { hostEnv } from "../../subgraphs/host/main.js";
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
    [
      "a write",
      `mutation { registerVolunteer(input: { region: "KZ-75", fullName: "X", phone: "+77010000000" }) { id } }`,
      "Mutation.registerVolunteer",
    ],
  ])("are refused %s with UNAUTHENTICATED naming the field, before any fan-out", async (_what, query, field) => {
    const { res, fetches } = await fetchesFor(query);
    expect(res.status).toBe(401);
    expect(res.errors![0].extensions).toMatchObject({ code: "UNAUTHENTICATED", field });
    expect(fetches).toBe(0);
  });
});

describe("limits before fan-out", () => {
  it("refuses an over-deep query", async () => {
    let selection = "id";
    for (let i = 0; i < 7; i++) selection = `leader { group { ${selection} } }`;
    const { res, fetches } = await fetchesFor(
      `query ($id: ID!) { volunteerGroup(id: $id) { ${selection} } }`,
      { id: "KZ-75:grp:6650c0ffee0123456789abcd" },
      coordinator,
    );
    expect(res.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
    expect(res.errors![0].message).toMatch(/query depth \d+ exceeds the limit of 12/);
    expect(fetches).toBe(0);
  });

  it("refuses an over-costly national query, also when the page size comes in a variable", async () => {
    const query = `query ($n: Int) { regions { volunteers(first: $n) { nodes { id events { id participants { id } } } } } }`;
    const { res, fetches } = await fetchesFor(query, { n: 100 }, coordinator);
    expect(res.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
    expect(res.errors![0].message).toMatch(/estimated cost \d+ exceeds the limit of 50000/);
    expect(fetches).toBe(0);
    const small = await fetchesFor(query, { n: 2 }, coordinator);
    expect(small.res.errors).toBeUndefined();
    expect(small.fetches).toBeGreaterThan(0);
  });

  it("refuses too many aliases", async () => {
    const fields = Array.from({ length: 31 }, (_, i) => `a${i}: region(code: "KZ-75") { code }`).join(" ");
    const { res, fetches } = await fetchesFor(`{ ${fields} }`, {}, coordinator);
    expect(res.errors![0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "aliases" });
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

  const HS = new TextEncoder().encode(TEST_SECRET);
  const raw = (claims: Record<string, unknown>, expires?: number | string, iat = Math.floor(Date.now() / 1000)) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("aidgraph-test-issuer")
      .setAudience("aidgraph")
      .setIssuedAt(iat);
    if (expires !== undefined) jwt = jwt.setExpirationTime(expires);
    return jwt.sign(HS);
  };

  it.each([
    ["forged", async () => `${(await mintToken(AUTH, staff)).slice(0, -6)}AAAAAA`, "the token is invalid"],
    [
      "signed with another secret",
      () => mintToken(hs256Config("another-secret-another-secret-another-1", "aidgraph-test-issuer", "aidgraph"), staff),
      "the token is invalid",
    ],
    ["expired", () => mintToken(AUTH, staff, Math.floor(Date.now() / 1000) - 10), "the token has expired"],
    [
      "for another audience",
      () => mintToken(hs256Config(TEST_SECRET, "aidgraph-test-issuer", "someone-else"), staff),
      "the token is invalid",
    ],
    ["from another issuer", () => mintToken(hs256Config(TEST_SECRET, "elsewhere", "aidgraph"), staff), "the token is invalid"],
    ["never-expiring (no exp)", () => raw({ sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" }), "the token has no expiry (exp)"],
    [
      "day-and-more (25 h)",
      () => raw({ sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" }, "25h"),
      "the token lives longer than 86400 s; ask for a shorter-lived one",
    ],
    [
      "long-lived (issued two days ago)",
      () => raw({ sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" }, "1h", Math.floor(Date.now() / 1000) - 2 * 86400),
      "the token lives longer than 86400 s; ask for a shorter-lived one",
    ],
    [
      "foreign-region (KZ-99)",
      () => raw({ sub: "s", role: "REGIONAL_STAFF", region: "KZ-99" }, "1h"),
      "the token's claims are invalid: region KZ-99 is not in the registry",
    ],
    ["volunteer's (sub not a volunteer id)", () => raw({ sub: "vol-1", role: "VOLUNTEER" }, "1h"), "the token's claims are invalid: sub"],
    [
      "future-issued (iat in ten years)",
      () =>
        raw(
          { sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" },
          Math.floor(Date.now() / 1000) + 10 * 365 * 86400,
          Math.floor(Date.now() / 1000) + 10 * 365 * 86400 - 3600,
        ),
      "the token is issued in the future",
    ],
    [
      "unprintable-subject",
      () => raw({ sub: "x\u202Egnp.exe\n", role: "NATIONAL_COORDINATOR" }, "1h"),
      "the token's claims are invalid: sub",
    ],
    [
      "two-region volunteer's (region claim not the id's)",
      () => raw({ sub: "KZ-43:vol:6650c0ffee0123456789abcd", role: "VOLUNTEER", region: "KZ-75" }, "1h"),
      "the token's claims are invalid: region KZ-75 is not the volunteer's region KZ-43",
    ],
    [
      "foreign volunteer's behind a known region claim",
      () => raw({ sub: "ZZ-9:vol:6650c0ffee0123456789abcd", role: "VOLUNTEER", region: "ZZ-9" }, "1h"),
      "the token's claims are invalid: region ZZ-9 is not in the registry",
    ],
    [
      "foreign volunteer's (KZ-99)",
      () => raw({ sub: "KZ-99:vol:6650c0ffee0123456789abcd", role: "VOLUNTEER" }, "1h"),
      "the token's claims are invalid: region KZ-99 is not in the registry",
    ],
  ])("refuses a %s token at the gateway and at a subgraph called directly", async (_what, make, message) => {
    const token = await make();
    const atGateway = await fetchesFor(`{ regions { code volunteerStats { total } } }`, {}, token);
    expect(atGateway.res.status).toBe(401);
    expect(atGateway.res.errors![0]).toMatchObject({ message, extensions: { code: "UNAUTHENTICATED" } });
    expect(atGateway.fetches).toBe(0);
    const direct = await postGraphQL(subgraphUrl(), QUERY, {}, token);
    expect(direct.status).toBe(401);
    expect(direct.errors![0]).toMatchObject({ message, extensions: { code: "UNAUTHENTICATED" } });
  });

  it("accepts a valid token at both", async () => {
    const token = await mintToken(AUTH, staff);
    expect((await national.query(`{ regions { volunteerStats { total } } }`, {}, token)).errors).toBeUndefined();
    expect((await postGraphQL(subgraphUrl(), QUERY, {}, token)).errors).toBeUndefined();
  });
});

describe("what the gateway hands a region", () => {
  let seen: Array<{ path: string; authorization?: string }> = [];
  let watched: National;
  beforeAll(async () => {
    watched = await startNational({
      healthy: ["KZ-75", "KZ-43"],
      auth: AUTH,
      front: (req, res, host) => {
        seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
        host(req, res);
      },
    });
  });
  afterAll(async () => {
    await watched?.stop();
  });

  it("is its own short-lived assertion of the caller, bound to that region: never the caller's token, useless at another region", async () => {
    const token = await mintToken(AUTH, { sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" });
    seen = [];
    const res = await watched.query(`{ regions { code volunteerStats { total } } }`, {}, token);
    expect(res.errors).toBeUndefined();
    const byRegion = new Map(seen.map((r) => [r.path.split("/")[1], r.authorization!]));
    expect([...byRegion.keys()].sort()).toEqual(["KZ-43", "KZ-75"]);
    for (const [region, authorization] of byRegion) {
      expect(authorization).not.toContain(token);
      const assertion = authorization.replace(/^Bearer /, "");
      expect(decodeJwt(assertion)).toMatchObject({
        iss: "aidgraph-gateway",
        aud: region,
        sub: "s",
        role: "REGIONAL_STAFF",
        region: "KZ-75",
      });
      const { exp, iat } = decodeJwt(assertion);
      expect(exp! - iat!).toBeLessThanOrEqual(300);
    }
    // What KZ-43 received, replayed at KZ-75 (by KZ-43's host, say), is refused there; at KZ-43 it works.
    const fromKz43 = byRegion.get("KZ-43")!.replace(/^Bearer /, "");
    const stats = (region: string) =>
      `{ _entities(representations: [{ __typename: "Region", code: "${region}" }]) { ... on Region { volunteerStats { total } } } }`;
    const replayed = await postGraphQL(watched.host.url("KZ-75", "volunteers"), stats("KZ-75"), {}, fromKz43);
    expect(replayed.status).toBe(401);
    expect(replayed.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    expect((await postGraphQL(watched.host.url("KZ-43", "volunteers"), stats("KZ-43"), {}, fromKz43)).errors).toBeUndefined();
    // A host that does not know the gateway's key does not take its assertions at all.
    expect((await postGraphQL(national.host.url("KZ-43", "volunteers"), stats("KZ-43"), {}, fromKz43)).status).toBe(401);
  });
});

describe("configuration with NODE_ENV=production", () => {
  const base = { REGISTRY: "registry.json", NODE_ENV: "production", GATEWAY_KEY: "key.json" };
  const problems = (schema: typeof gatewayEnv | typeof hostEnv, env: Record<string, string>) => {
    const parsed = schema.safeParse(env);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("refuses HS256 unless explicitly allowed, http:// JWKS URLs, and a gateway without its own key", () => {
    expect(problems(gatewayEnv, { ...base, JWT_SECRET: TEST_SECRET })).toEqual([
      expect.stringMatching(/^JWT_SECRET: .*JWT_ALLOW_HS256=true/),
    ]);
    expect(problems(gatewayEnv, { ...base, JWT_SECRET: TEST_SECRET, JWT_ALLOW_HS256: "true" })).toEqual([]);
    expect(problems(gatewayEnv, { ...base, JWKS_URL: "http://idp.example.kz/jwks", JWT_ISSUER: "i", JWT_AUDIENCE: "a" })).toEqual([
      "JWKS_URL: must be an https:// URL with NODE_ENV=production",
    ]);
    expect(problems(gatewayEnv, { ...base, JWKS_URL: "https://idp.example.kz/jwks", JWT_ISSUER: "i", JWT_AUDIENCE: "a" })).toEqual([]);
    expect(
      problems(gatewayEnv, { ...base, GATEWAY_KEY: "", JWKS_URL: "https://idp.example.kz/jwks", JWT_ISSUER: "i", JWT_AUDIENCE: "a" }),
    ).toEqual([expect.stringMatching(/^GATEWAY_KEY: is required with NODE_ENV=production/)]);
    const host = { MONGODB_URI: "mongodb://localhost", PSEUDONYM_KEY: "p".repeat(32), NODE_ENV: "production" };
    expect(problems(hostEnv, { ...host, JWT_SECRET: TEST_SECRET })).toEqual([expect.stringMatching(/^JWT_SECRET: .*JWT_ALLOW_HS256=true/)]);
    expect(problems(hostEnv, { ...host, JWT_SECRET: TEST_SECRET, NODE_ENV: "development" })).toEqual([]);
  });

  it("refuses plain-http region addresses in the gateway's registry, as the region hosts do", () => {
    const demo = RegionRegistry.load();
    const registry = (base: string, batch = `${base}/KZ-75/batch`) =>
      new RegionRegistry([
        { ...demo.require("KZ-75"), subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, `${base}/KZ-75/${s}/graphql`])), batch },
      ]);
    expect(() => checkGatewayRegistry(registry("http://kz75.aid.example.kz"), "r.json", { production: true })).toThrow(
      /regions\.0\.subgraphs\.volunteers \(KZ-75\): must be an https:\/\/ URL with NODE_ENV=production/,
    );
    expect(() =>
      checkGatewayRegistry(registry("https://kz75.aid.example.kz", "http://kz75.aid.example.kz/KZ-75/batch"), "r.json", {
        production: true,
      }),
    ).toThrow(/regions\.0\.batch \(KZ-75\): must be an https:\/\/ URL/);
    expect(() => checkGatewayRegistry(registry("https://kz75.aid.example.kz"), "r.json", { production: true })).not.toThrow();
    expect(() => checkGatewayRegistry(registry("http://127.0.0.1:4001"), "r.json", { production: true })).toThrow(
      /must be an https:\/\/ URL/,
    );
    expect(() => checkGatewayRegistry(registry("http://kz75.aid.example.kz"), "r.json")).not.toThrow();
  });
});
