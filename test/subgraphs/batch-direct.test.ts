// The batch endpoint runs most operations straight through graphql-js (host/direct.ts), and
// the rest through Apollo Server, as the subgraph endpoints do. Whichever way, an operation
// in a batch is answered exactly as its own endpoint answers it: data, errors with their
// codes, messages, paths and locations, statuses, the audit trail, and refusals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config } from "../../subgraphs/kernel/auth.js";
import { startTestHost, TEST_SECRET, type TestHost } from "../support/host.js";

let dev: TestHost;
let prod: TestHost;
const tokens: Record<string, string> = {};
let volunteerId: string;

beforeAll(async () => {
  const subgraphs = await buildSubgraphs();
  dev = await startTestHost(subgraphs);
  prod = await startTestHost(subgraphs, ["KZ-75"], hs256Config(TEST_SECRET), undefined, { production: true });
  tokens.staff = await dev.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.other = await dev.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  tokens.coordinator = await dev.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  const registered = await post(dev, "/KZ-75/volunteers/graphql", {
    query: `mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) { id } }`,
    variables: { input: { region: "KZ-75", fullName: "Асель Нурланова", phone: "+77010000001", skills: ["DRIVING"] } },
  });
  volunteerId = (registered.body as { data: { registerVolunteer: { id: string } } }).data.registerVolunteer.id;
});
afterAll(async () => {
  await Promise.all([dev?.stop(), prod?.stop()]);
});

async function post(
  host: TestHost,
  path: string,
  body: unknown,
  token = tokens.staff,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${host.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** The operation on its own endpoint, then in a batch: both answers. */
async function bothWays(
  host: TestHost,
  subgraph: string,
  operation: Record<string, unknown>,
  token?: string,
  headers?: Record<string, string>,
) {
  const alone = await post(host, `/KZ-75/${subgraph}/graphql`, operation, token, headers);
  const batched = await post(host, "/KZ-75/batch", { requests: [{ subgraph, ...operation }] }, token, headers);
  expect(batched.status).toBe(200);
  return { alone, inBatch: (batched.body as { responses: Array<{ status: number; body: unknown }> }).responses[0] };
}

const STATS = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { volunteerStats { total active } } } }`;
const REGION = { r: [{ __typename: "Region", code: "KZ-75" }] };

describe("an operation in a batch", () => {
  it.each([
    ["data", "volunteers", { query: STATS, variables: REGION }],
    ["data, no variables given", "volunteers", { query: `{ _service { sdl } }` }],
    ["null variables and operation name", "volunteers", { query: STATS, variables: REGION, operationName: null }],
    ["a coded error from a resolver", "volunteers", { query: `{ volunteer(id: "KZ-75:vol:000000000000000000000000") { id } }` }],
    ["a malformed id", "volunteers", { query: `{ volunteer(id: "nonsense") { id fullName } }` }],
    [
      "a write refused for its input (nothing stored)",
      "volunteers",
      {
        query: `mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) { id } }`,
        variables: { input: { region: "KZ-75", fullName: "A", phone: "not a phone", skills: [] } },
      },
    ],
    [
      "an error inside a list, with data beside it",
      "events",
      {
        query: `{ upcomingEvents: _entities(representations: [{ __typename: "Region", code: "KZ-75" }, { __typename: "Nope" }]) { __typename } }`,
      },
    ],
    ["a syntax error", "volunteers", { query: `{ volunteer(id: ` }],
    ["a field the schema lacks", "volunteers", { query: `{ nonsense }` }],
    ["variables of the wrong type", "volunteers", { query: STATS, variables: { r: 5 } }],
    ["a missing variable", "volunteers", { query: STATS, variables: {} }],
    ["variables that are not an object", "volunteers", { query: STATS, variables: [1] }],
    ["an operation name the document lacks", "volunteers", { query: `query A { _service { sdl } }`, operationName: "B" }],
    ["two operations and no name", "volunteers", { query: `query A { _service { sdl } } query B { _service { sdl } }` }],
    ["an operation name that is not a string", "volunteers", { query: STATS, variables: REGION, operationName: 7 }],
    [
      "a persisted query",
      "volunteers",
      { query: STATS, variables: REGION, extensions: { persistedQuery: { version: 1, sha256Hash: "ab" } } },
    ],
    ["a field Apollo does not know", "volunteers", { query: STATS, variables: REGION, extra: 1 }],
    ["a query that is not a string", "volunteers", { query: 5 }],
    ["a subscription", "volunteers", { query: `subscription { x }` }],
    ["introspection (allowed outside production)", "volunteers", { query: `{ __schema { queryType { name } } }` }],
  ])("%s: as its own endpoint answers", async (_, subgraph, operation) => {
    const { alone, inBatch } = await bothWays(dev, subgraph, operation);
    expect(inBatch).toEqual(alone);
  });

  it("a forbidden read of personal data: as its own endpoint answers, and nothing audited", async () => {
    const operation = { query: `query Peek($id: ID!) { volunteer(id: $id) { id fullName phone } }`, variables: { id: volunteerId } };
    const { alone, inBatch } = await bothWays(dev, "volunteers", operation, tokens.other);
    expect(inBatch).toEqual(alone);
    expect(JSON.stringify(inBatch)).not.toContain("+77010000001");
    expect((inBatch.body as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe("FORBIDDEN");
    expect(await dev.db("KZ-75").collection("audit_log").countDocuments({ operation: "Peek" })).toBe(0);
  });

  it("a read of personal data: as its own endpoint answers, audited once each way under the operation's name", async () => {
    const audit = dev.db("KZ-75").collection("audit_log");
    const operation = {
      query: `query ReadVolunteer($id: ID!) { volunteer(id: $id) { id fullName phone } }`,
      variables: { id: volunteerId },
    };
    const { alone, inBatch } = await bothWays(dev, "volunteers", operation);
    expect(inBatch).toEqual(alone);
    expect(inBatch.body).toEqual({ data: { volunteer: { id: volunteerId, fullName: "Асель Нурланова", phone: "+77010000001" } } });
    const entries = await audit.find({ operation: "ReadVolunteer" }).project({ _id: 0, actor: 1, action: 1, entity: 1, ids: 1 }).toArray();
    expect(entries).toEqual([
      { actor: "staff-75", action: "READ_PERSONAL", entity: "Volunteer", ids: [volunteerId] },
      { actor: "staff-75", action: "READ_PERSONAL", entity: "Volunteer", ids: [volunteerId] },
    ]);
  });

  it("sent as text/plain (a cross-site form could): refused as its own endpoint refuses it, nothing run", async () => {
    const operation = {
      query: `mutation { registerVolunteer(input: { region: "KZ-75", fullName: "Forged", phone: "+77010000002", skills: [] }) { id } }`,
    };
    const { alone, inBatch } = await bothWays(dev, "volunteers", operation, tokens.staff, { "content-type": "text/plain" });
    expect(inBatch).toEqual(alone);
    expect(inBatch.status).toBe(400);
    expect(await dev.db("KZ-75").collection("volunteers").countDocuments({ phone: "+77010000002" })).toBe(0);
  });

  it.each([
    ["text/html", 406],
    ["application/json;q=0, text/html", 406],
    ["text/html, application/json", 200],
    ["application/graphql-response+json", 200],
    ["*/*", 200],
  ])("asking for an answer as %s: as its own endpoint answers (%i)", async (accept, status) => {
    const { alone, inBatch } = await bothWays(dev, "volunteers", { query: STATS, variables: REGION }, tokens.staff, { accept });
    expect(inBatch).toEqual(alone);
    expect(inBatch.status).toBe(status);
  });

  it("introspection in production: refused as its own endpoint refuses it", async () => {
    const token = await prod.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
    for (const query of [`{ __schema { types { name } } }`, `{ __type(name: "Volunteer") { fields { name } } }`]) {
      const { alone, inBatch } = await bothWays(prod, "volunteers", { query }, token);
      expect(inBatch).toEqual(alone);
      expect(inBatch.status).toBe(400);
      expect(JSON.stringify(inBatch.body)).not.toContain("fullName");
    }
    // The same text again (a document the host has now seen): still refused.
    const again = await bothWays(prod, "volunteers", { query: `{ __schema { types { name } } }` }, token);
    expect(again.inBatch.status).toBe(400);
  });

  it("the same document twice, with different variables: each answered for its own", async () => {
    const first = await bothWays(dev, "volunteers", { query: STATS, variables: REGION });
    const second = await bothWays(dev, "volunteers", { query: STATS, variables: { r: 1 } });
    expect(first.inBatch).toEqual(first.alone);
    expect(second.inBatch).toEqual(second.alone);
    expect(second.inBatch.status).toBe(400);
    expect(first.inBatch.body).toEqual({ data: { _entities: [{ volunteerStats: { total: 1, active: 1 } }] } });
  });

  it("a read whose audit entry cannot be written: no data either way, 500 with the error masked", async () => {
    const audit = dev.db("KZ-75").collection("audit_log");
    // Every entry of this operation collides with one already there.
    await audit.createIndex({ operation: 1 }, { unique: true, partialFilterExpression: { operation: "Unrecorded" } });
    await audit.insertOne({ operation: "Unrecorded" });
    const operation = { query: `query Unrecorded($id: ID!) { volunteer(id: $id) { id phone } }`, variables: { id: volunteerId } };
    const { alone, inBatch } = await bothWays(dev, "volunteers", operation);
    expect(inBatch).toEqual(alone);
    expect(inBatch).toEqual({
      status: 500,
      body: { errors: [{ message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] },
    });
  });

  it("a resolver failing unexpectedly (its database gone): masked as its own endpoint masks it", async () => {
    const broken = await startTestHost(await buildSubgraphs(), ["KZ-75"]);
    try {
      const token = await broken.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
      await broken.mongo.close();
      const { alone, inBatch } = await bothWays(broken, "volunteers", { query: STATS, variables: REGION }, token);
      expect(inBatch).toEqual(alone);
      const errors = (inBatch.body as { errors: Array<{ message: string; extensions: { code: string } }> }).errors;
      expect(errors.map((e) => [e.message, e.extensions.code])).toEqual([["internal error", "INTERNAL_SERVER_ERROR"]]);
    } finally {
      await broken.stop().catch(() => {});
    }
  });
});
