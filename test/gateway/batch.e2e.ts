// One request per region: the region host's batch endpoint (`/<REGION>/batch`), and the
// gateway sending a region's share of a query there — falling back to one request per
// fetch for a host without the endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { regionDbName } from "../../subgraphs/kernel/mongo.js";
import { postGraphQL } from "../support/host.js";
import { MAX_BATCH } from "../../subgraphs/kernel/regions.js";
import { startNational, type National } from "../support/national.js";

const NATIONAL = `{ regions { code volunteerStats { total } beneficiaryStats { beneficiaries } stock { item quantity } upcomingEvents(first: 5) { id } } }`;
const REGISTER = `mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) { id } }`;
const STATS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { volunteerStats { total active } } } }`;
const REGION_75 = { r: [{ __typename: "Region", code: "KZ-75" }] };

let national: National;
let older: National;
/** POSTs the healthy host received, by path. */
const posts: string[] = [];
const olderPosts: string[] = [];
let coordinator: string;
let staff75: string;
let staff43: string;

beforeAll(async () => {
  national = await startNational({
    healthy: ["KZ-75", "KZ-43"],
    front: (req, res, host) => {
      if (req.method === "POST") posts.push(req.url ?? "");
      // The host refusing a caller the gateway let through (a token revoked at the region).
      const payload = req.headers.authorization?.split(".")[1];
      if (payload && (JSON.parse(Buffer.from(payload, "base64url").toString()) as { sub?: string }).sub === "revoked") {
        res.writeHead(401, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ errors: [{ message: "token revoked", extensions: { code: "UNAUTHENTICATED" } }] }));
      }
      host(req, res);
    },
  });
  // A host of an older version: no batch endpoint.
  older = await startNational({
    healthy: ["KZ-75"],
    front: (req, res, host) => {
      if (req.method === "POST") olderPosts.push(req.url ?? "");
      if (req.url?.endsWith("/batch")) {
        res.writeHead(404, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ errors: [{ message: `no such endpoint ${req.url}`, extensions: { code: "NOT_FOUND" } }] }));
      }
      host(req, res);
    },
  });
  coordinator = await national.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
  staff75 = await national.token({ sub: "s75", role: "REGIONAL_STAFF", region: "KZ-75" });
  staff43 = await national.token({ sub: "s43", role: "REGIONAL_STAFF", region: "KZ-43" });
  await national.query(REGISTER, { input: { region: "KZ-75", fullName: "Asel", phone: "+77010000001", skills: ["DRIVING"] } }, staff75);
});
afterAll(async () => {
  await Promise.all([national?.stop(), older?.stop()]);
});

async function batch(
  body: unknown,
  token?: string,
  region = "KZ-75",
  method = "POST",
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${national.host.baseUrl}/${region}/batch`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(method === "POST" ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Answer = { status: number; body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } };

describe("the region host's batch endpoint", () => {
  it("answers each operation exactly as its own endpoint does, in order", async () => {
    const alone = await fetch(national.host.url("KZ-75", "volunteers"), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${coordinator}` },
      body: JSON.stringify({ query: STATS, variables: REGION_75 }),
    });
    const res = await batch(
      {
        requests: [
          { subgraph: "events", query: "{ __typename }" },
          { subgraph: "volunteers", query: STATS, variables: REGION_75 },
        ],
      },
      coordinator,
    );
    expect(res.status).toBe(200);
    const [events, volunteers] = res.body.responses as Answer[];
    expect(events).toEqual({ status: 200, body: { data: { __typename: "Query" } } });
    expect(volunteers).toEqual({ status: 200, body: await alone.json() });
    expect(volunteers.body.data).toEqual({ _entities: [{ volunteerStats: { total: 1, active: 1 } }] });
  });

  it("keeps each operation's errors its own: an unknown subgraph, a refused write", async () => {
    const res = await batch(
      {
        requests: [
          { subgraph: "warehouses", query: "{ __typename }" },
          {
            subgraph: "volunteers",
            query: REGISTER,
            variables: { input: { region: "KZ-75", fullName: "Bolat", phone: "+77010000002", skills: ["DRIVING"] } },
          },
          { subgraph: "volunteers", query: STATS, variables: REGION_75 },
        ],
      },
      staff43,
    );
    const [unknown, write, read] = res.body.responses as Answer[];
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors![0]).toMatchObject({
      message: "subgraph warehouses is not served by this host",
      extensions: { code: "NOT_FOUND" },
    });
    expect(write.body.errors![0].extensions!.code).toBe("FORBIDDEN");
    expect(read.body.data).toEqual({ _entities: [{ volunteerStats: { total: 1, active: 1 } }] }); // nothing stored
  });

  it("refuses a batch without a caller, with nothing run", async () => {
    const res = await batch({
      requests: [
        {
          subgraph: "volunteers",
          query: REGISTER,
          variables: { input: { region: "KZ-75", fullName: "X", phone: "+77010000009", skills: [] } },
        },
      ],
    });
    expect(res.status).toBe(401);
    expect((res.body.errors as Answer["body"]["errors"])![0].extensions!.code).toBe("UNAUTHENTICATED");
  });

  it.each([
    ["not an object", [1, 2], /a batch is \{ "requests": \[\.\.\.\] \} with 1 to 16 operations/],
    ["no operations", { requests: [] }, /1 to 16 operations/],
    [
      "too many operations",
      { requests: Array.from({ length: MAX_BATCH + 1 }, () => ({ subgraph: "events", query: "{ __typename }" })) },
      /1 to 16 operations/,
    ],
    [
      "an operation without its subgraph",
      { requests: [{ subgraph: "events", query: "{ __typename }" }, { query: "{ __typename }" }] },
      /requests\.1: an operation is \{ subgraph, query/,
    ],
  ])("answers 400 BAD_REQUEST for %s", async (_name, body, message) => {
    const res = await batch(body, coordinator);
    expect(res.status).toBe(400);
    const [error] = res.body.errors as Array<{ message: string; extensions: { code: string } }>;
    expect(error.extensions.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(message);
  });

  it("answers 404 for a region it does not serve and 405 for GET", async () => {
    expect((await batch({ requests: [] }, coordinator, "KZ-11")).status).toBe(404);
    expect((await batch(undefined, coordinator, "KZ-75", "GET")).status).toBe(405);
  });
});

describe("the gateway", () => {
  it("sends each region's share of a national query in one request", async () => {
    posts.length = 0;
    const res = await national.query<{ regions: Array<{ code: string; volunteerStats: { total: number } }> }>(NATIONAL, {}, coordinator);
    expect(res.errors).toBeUndefined();
    expect(Object.fromEntries(res.data!.regions.map((r) => [r.code, r.volunteerStats.total]))).toEqual({ "KZ-75": 1, "KZ-43": 0 });
    expect(posts.sort()).toEqual(["/KZ-43/batch", "/KZ-75/batch"]);
  });

  it("reads a region's database once for its share of a national query, with the answers each subgraph gives alone", async () => {
    const db = regionDbName(national.host.dbPrefix, "KZ-75");
    const STATS_COLLECTIONS = ["volunteers", "beneficiaries", "help_requests", "warehouses", "events"];
    national.host.commands.length = 0;
    const res = await national.query<{ regions: Array<{ code: string }> }>(NATIONAL, {}, coordinator);
    expect(res.errors).toBeUndefined();
    const reads = national.host.commands.filter(
      (c) =>
        c.databaseName === db &&
        ["aggregate", "find", "count"].includes(c.commandName) &&
        STATS_COLLECTIONS.includes(String(c.command[c.commandName])),
    );
    expect(reads).toHaveLength(1);
    // The same figures from each subgraph's own endpoint, where each operation reads alone.
    const alone: Record<string, unknown> = {};
    for (const [subgraph, selection] of [
      ["volunteers", "volunteerStats { total }"],
      ["beneficiaries", "beneficiaryStats { beneficiaries }"],
      ["inventory", "stock { item quantity }"],
      ["events", "upcomingEvents(first: 5) { id }"],
    ]) {
      const answer = await postGraphQL<{ _entities: Array<Record<string, unknown>> }>(
        national.host.url("KZ-75", subgraph),
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { ${selection} } } }`,
        REGION_75,
        coordinator,
      );
      Object.assign(alone, answer.data!._entities[0]);
    }
    expect(res.data!.regions.find((r) => r.code === "KZ-75")).toEqual({ code: "KZ-75", ...alone });
  });

  it("sends a fetch that has no company straight to its subgraph", async () => {
    posts.length = 0;
    const res = await national.query(`{ region(code: "KZ-75") { volunteerStats { total } } }`, {}, coordinator);
    expect(res.data).toEqual({ region: { volunteerStats: { total: 1 } } });
    expect(posts).toEqual(["/KZ-75/volunteers/graphql"]);
  });

  it("passes on the host's refusal of a whole batch as each fetch's error, not as the region being down", async () => {
    const revoked = await national.token({ sub: "revoked", role: "NATIONAL_COORDINATOR" });
    posts.length = 0;
    const res = await national.query<{ regions: Array<Record<string, unknown>> }>(NATIONAL, {}, revoked);
    expect(posts.sort()).toEqual(["/KZ-43/batch", "/KZ-75/batch"]);
    const codes = new Set(res.errors!.map((e) => e.extensions?.code));
    expect(codes).toEqual(new Set(["UNAUTHENTICATED"]));
    expect(res.errors!.map((e) => e.message)).toContain("token revoked");
  });

  it("falls back to one request per fetch for a host without the endpoint, and remembers", async () => {
    const token = await older.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
    const first = await older.query<{ regions: Array<Record<string, unknown>> }>(NATIONAL, {}, token);
    expect(first.errors).toBeUndefined();
    expect(first.data!.regions[0]).toMatchObject({
      code: "KZ-75",
      volunteerStats: { total: 0 },
      beneficiaryStats: { beneficiaries: 0 },
      upcomingEvents: [],
    });
    const graphql = ["/KZ-75/beneficiaries/graphql", "/KZ-75/events/graphql", "/KZ-75/inventory/graphql", "/KZ-75/volunteers/graphql"];
    expect([...olderPosts].sort()).toEqual(["/KZ-75/batch", ...graphql]);
    olderPosts.length = 0;
    expect((await older.query(NATIONAL, {}, token)).errors).toBeUndefined();
    expect([...olderPosts].sort()).toEqual(graphql);
  });
});
