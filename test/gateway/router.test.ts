// The regional router in process: a fake transport stands in for the regions (answering
// per URL and recording every request), so splitting and re-assembly, partial failure,
// timeouts and the batch endpoint are checked without sockets. router.e2e.ts and
// batch.e2e.ts check the same paths over real ones.
import { ObjectId } from "bson";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it, vi } from "vitest";
import { Metrics } from "../../gateway/metrics.js";
import { registryFor } from "../../gateway/registry.js";
import { analyse } from "../../gateway/router/plan.js";
import {
  RegionalRouter,
  type CallerInfo,
  type FetchRequest,
  type RouterOptions,
  type SubgraphResponse,
} from "../../gateway/router/router.js";
import { TimeoutError, type PostResult, type Transport } from "../../gateway/router/transport.js";
import { encodeId, type EntityType } from "../../subgraphs/kernel/ids.js";
import { MAX_BATCH, RegionRegistry } from "../../subgraphs/kernel/regions.js";
import type { SubgraphName } from "../../subgraphs/manifest.js";

const HOST = "http://regions.test";
const TIMEOUT_MS = 250;
/** Three regions behind one host, each with its batch endpoint. */
const withBatch = registryFor(RegionRegistry.load().select("KZ-75,KZ-43,KZ-11"), () => HOST);
/** The same regions without a batch endpoint: every fetch is its own request. */
const direct = new RegionRegistry(withBatch.regions.map((r) => ({ ...r, batch: undefined })));

const idOf = (type: EntityType, region: string) => encodeId(type, region, new ObjectId());
const subgraphUrl = (region: string, subgraph: SubgraphName) => `${HOST}/${region}/${subgraph}/graphql`;
const batchUrl = (region: string) => `${HOST}/${region}/batch`;
const json = (status: number, body: unknown): PostResult => ({ status, body: JSON.stringify(body) });

interface Operation extends FetchRequest {
  subgraph: SubgraphName;
}

interface Call {
  url: string;
  region: string;
  /** The subgraph, or "batch". */
  endpoint: string;
  body: { query: string; variables?: Record<string, unknown>; requests?: Operation[] };
  headers: Record<string, string>;
  timeoutMs: number;
}

type Rep = { __typename: string; id?: string; code?: string };

/** A healthy region's answer: each representation or root field echoed with who answered it. */
function answer(region: string, subgraph: string, op: FetchRequest): SubgraphResponse {
  const plan = analyse(op.query);
  if (plan.kind === "entities") {
    const reps = op.variables![plan.representationsVariable] as Rep[];
    return { data: { [plan.responseKey]: reps.map((rep) => ({ key: rep.id ?? rep.code, region, subgraph })) } };
  }
  return { data: Object.fromEntries(plan.fields.map((f) => [f.responseKey, { field: f.name, region, subgraph }])) };
}

function healthy(call: Call): PostResult {
  if (call.endpoint === "batch") {
    return json(200, { responses: call.body.requests!.map((op) => ({ status: 200, body: answer(call.region, op.subgraph, op) })) });
  }
  return json(200, answer(call.region, call.endpoint, call.body));
}

/**
 * The regions, faked: `respond` may answer a request itself (or throw, as a network error
 * would); what it leaves (undefined) a healthy region answers.
 */
function fakeRegions(respond?: (call: Call) => PostResult | undefined | Promise<PostResult | undefined>) {
  const calls: Call[] = [];
  const transport: Transport = async (url, body, headers, timeoutMs) => {
    const [, region, endpoint] = new URL(url).pathname.split("/");
    const call: Call = { url, region: region, endpoint: endpoint, body: JSON.parse(body) as Call["body"], headers, timeoutMs };
    calls.push(call);
    return (await respond?.(call)) ?? healthy(call);
  };
  return { calls, transport };
}

function routerFor(transport: Transport, options: Partial<RouterOptions> = {}) {
  const metrics = new Metrics();
  const router = new RegionalRouter({ registry: direct, timeoutMs: TIMEOUT_MS, metrics, transport, ...options });
  return { router, metrics };
}

/** Requests held until released: to see what the router sends before anything answers. */
function gate() {
  const held: Array<() => void> = [];
  return {
    wait: () => new Promise<void>((resolve) => held.push(resolve)),
    release: () => held.splice(0).forEach((go) => go()),
  };
}

const caller: CallerInfo = { authorization: "Bearer caller", requestId: "req-1" };
const ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Volunteer { fullName } ... on Region { code } } }`;
const entities = (router: RegionalRouter, reps: unknown[], subgraph: SubgraphName = "volunteers", who = caller) =>
  router.process(subgraph, { query: ENTITIES, variables: { representations: reps } }, who);
const repsOf = (call: Call) => (call.body.variables?.representations ?? []) as Rep[];
/** The root fields (response keys) a request asks for. */
const rootKeys = (query: string) => {
  const plan = analyse(query);
  return plan.kind === "root" ? plan.fields.map((f) => f.responseKey) : [];
};
const region = (code: string): Rep => ({ __typename: "Region", code });
const volunteer = (region: string): Rep => ({ __typename: "Volunteer", id: idOf("Volunteer", region) });
const echoed = (rep: Rep, region: string, subgraph = "volunteers") => ({ key: rep.id ?? rep.code, region, subgraph });

describe("_entities fetches", () => {
  it("splits the representations by region and re-assembles the answers in the original order", async () => {
    // KZ-75 answers last: the order of the answer is the order of the representations, not of arrival.
    const { calls, transport } = fakeRegions(
      async (call) => void (call.region === "KZ-75" && (await new Promise((r) => setTimeout(r, 20)))),
    );
    const { router } = routerFor(transport);
    const reps = [volunteer("KZ-75"), volunteer("KZ-43"), region("KZ-11"), volunteer("KZ-75"), volunteer("KZ-43")];
    const res = await entities(router, reps);
    expect(res).toEqual({
      data: {
        _entities: [
          echoed(reps[0], "KZ-75"),
          echoed(reps[1], "KZ-43"),
          echoed(reps[2], "KZ-11"),
          echoed(reps[3], "KZ-75"),
          echoed(reps[4], "KZ-43"),
        ],
      },
    });
    expect(calls.map((c) => [c.url, repsOf(c)]).sort()).toEqual(
      [
        [subgraphUrl("KZ-11", "volunteers"), [reps[2]]],
        [subgraphUrl("KZ-43", "volunteers"), [reps[1], reps[4]]],
        [subgraphUrl("KZ-75", "volunteers"), [reps[0], reps[3]]],
      ].sort(),
    );
    expect(calls.every((c) => c.body.query === ENTITIES)).toBe(true);
  });

  it("re-indexes error paths to the original positions and tags them with the region", async () => {
    const { transport } = fakeRegions((call) => {
      if (call.region !== "KZ-43") return undefined;
      const [first] = repsOf(call);
      return json(200, {
        data: { _entities: [{ key: first.id }, null] },
        errors: [
          { message: "not visible", path: ["_entities", 1, "fullName"], extensions: { code: "FORBIDDEN" } },
          { message: "slow disk", extensions: { code: "WARNING" } },
        ],
      });
    });
    const { router } = routerFor(transport);
    const reps = [
      volunteer("KZ-75"),
      volunteer("KZ-43"),
      volunteer("KZ-75"),
      volunteer("KZ-11"),
      volunteer("KZ-43"),
      { __typename: "Volunteer", id: "KZ-75:vol:nothex" },
    ];
    const res = await entities(router, reps);
    expect(res.data!._entities).toEqual([
      echoed(reps[0], "KZ-75"),
      { key: reps[1].id },
      echoed(reps[2], "KZ-75"),
      echoed(reps[3], "KZ-11"),
      null,
      null,
    ]);
    // KZ-43 had [1, 4]: its index 1 is the original 4.
    expect(res.errors).toEqual(
      expect.arrayContaining([
        { message: "not visible", path: ["_entities", 4, "fullName"], extensions: { code: "FORBIDDEN", region: "KZ-43" } },
        { message: "slow disk", extensions: { code: "WARNING", region: "KZ-43" } },
      ]),
    );
    // The malformed id is the caller's error, at its own position; no region is asked about it.
    expect(res.errors).toContainEqual(
      expect.objectContaining<Record<string, unknown>>({
        path: ["_entities", 5],
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    );
    expect(res.errors).toHaveLength(3);
  });

  it("gives null and REGION_UNAVAILABLE naming region and subgraph for a region that fails or times out; the others answer", async () => {
    const { calls, transport } = fakeRegions((call) => {
      if (call.region === "KZ-11") throw Object.assign(new Error("connect ECONNREFUSED 10.0.0.11:443"), { code: "ECONNREFUSED" });
      // The router words the timeout itself, from its own setting.
      if (call.region === "KZ-43") throw new TimeoutError("timed out");
      return undefined;
    });
    const { router, metrics } = routerFor(transport);
    const reps = [volunteer("KZ-11"), volunteer("KZ-75"), volunteer("KZ-43"), volunteer("KZ-11")];
    const res = await entities(router, reps);
    expect(res.data!._entities).toEqual([null, echoed(reps[1], "KZ-75"), null, null]);
    const down = (i: number, region: string, reason: string) => ({
      message: `region ${region} is unavailable (volunteers: ${reason})`,
      path: ["_entities", i],
      extensions: { code: "REGION_UNAVAILABLE", region, subgraph: "volunteers" },
    });
    expect(res.errors).toHaveLength(3);
    expect(res.errors).toEqual(
      expect.arrayContaining([
        down(0, "KZ-11", "ECONNREFUSED"),
        down(3, "KZ-11", "ECONNREFUSED"),
        down(2, "KZ-43", `no answer within ${TIMEOUT_MS} ms`),
      ]),
    );
    // The region timeout is the transport's deadline.
    expect(calls.map((c) => c.timeoutMs)).toEqual([TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS]);
    const text = metrics.render();
    expect(text).toContain('aidgraph_subgraph_unavailable_total{region="KZ-11",subgraph="volunteers"} 1');
    expect(text).toContain('aidgraph_subgraph_unavailable_total{region="KZ-75",subgraph="volunteers"} 0');
  });

  it.each([
    ["HTTP 5xx, even with a GraphQL body", json(503, { errors: [{ message: "overloaded" }] }), "HTTP 503"],
    ["an HTML page from a proxy", { status: 200, body: "<html>bad gateway</html>" }, "HTTP 200"],
    ["JSON that is no GraphQL answer", json(200, { ok: true }), "HTTP 200"],
    ["an empty 502", { status: 502, body: "" }, "HTTP 502"],
  ])("treats %s as the region being unavailable", async (_what, reply, reason) => {
    const { transport } = fakeRegions((call) => (call.region === "KZ-43" ? reply : undefined));
    const { router } = routerFor(transport);
    const reps = [volunteer("KZ-43"), volunteer("KZ-75")];
    const res = await entities(router, reps);
    expect(res).toEqual({
      data: { _entities: [null, echoed(reps[1], "KZ-75")] },
      errors: [
        {
          message: `region KZ-43 is unavailable (volunteers: ${reason})`,
          path: ["_entities", 0],
          extensions: { code: "REGION_UNAVAILABLE", region: "KZ-43", subgraph: "volunteers" },
        },
      ],
    });
  });

  it("asks every region about broadcast types (Volunteer for events) and merges: lists concatenated, numbers summed", async () => {
    const hours: Record<string, number> = { "KZ-75": 2, "KZ-43": 3.5, "KZ-11": 1 };
    const { calls, transport } = fakeRegions((call) =>
      json(200, {
        data: {
          _entities: repsOf(call).map((rep) =>
            rep.__typename !== "Volunteer"
              ? { title: `event of ${call.region}` }
              : // KZ-11 knows nothing of the second volunteer: null adds nothing.
                call.region === "KZ-11" && rep === repsOf(call).at(-1)
                ? null
                : { hoursServed: hours[call.region], events: [{ id: `${call.region}-${rep.id}` }], stats: { signUps: 1 } },
          ),
        },
      }),
    );
    const { router } = routerFor(transport, { broadcast: { events: ["Volunteer"] } });
    const [a, b] = [volunteer("KZ-75"), volunteer("KZ-11")];
    const event = { __typename: "Event", id: idOf("Event", "KZ-43") };
    const res = await entities(router, [a, event, b], "events");
    // Every region gets every volunteer; the event goes only to its own region.
    expect(Object.fromEntries(calls.map((c) => [c.region, repsOf(c)]))).toEqual({
      "KZ-75": [a, b],
      "KZ-43": [event, a, b],
      "KZ-11": [a, b],
    });
    const [first, ev, second] = res.data!._entities as Array<{
      hoursServed: number;
      events: Array<{ id: string }>;
      stats: { signUps: number };
    }>;
    expect(ev).toEqual({ title: "event of KZ-43" });
    expect(first.hoursServed).toBe(6.5);
    expect(first.stats).toEqual({ signUps: 3 });
    expect(first.events.map((e) => e.id).sort()).toEqual(["KZ-11", "KZ-43", "KZ-75"].map((r) => `${r}-${a.id}`).sort());
    expect(second.hoursServed).toBe(5.5);
    expect(second.events).toHaveLength(2);
    expect(res.errors).toBeUndefined();
  });

  it("merges what the other regions answer for a broadcast type when one region is down", async () => {
    const { transport } = fakeRegions((call) => {
      if (call.region === "KZ-43") throw new TimeoutError("late");
      return json(200, { data: { _entities: repsOf(call).map(() => ({ hoursServed: 1 })) } });
    });
    const { router } = routerFor(transport, { broadcast: { events: ["Volunteer"] } });
    const res = await entities(router, [volunteer("KZ-75")], "events");
    expect(res.data!._entities).toEqual([{ hoursServed: 2 }]);
    expect(res.errors).toEqual([
      expect.objectContaining({ path: ["_entities", 0], extensions: { code: "REGION_UNAVAILABLE", region: "KZ-43", subgraph: "events" } }),
    ]);
  });

  it("sends a share larger than maxRepresentations in several requests and answers in order", async () => {
    // Later parts answer first.
    const { calls, transport } = fakeRegions(async (call) => void (await new Promise((r) => setTimeout(r, 30 - 10 * calls.indexOf(call)))));
    const { router } = routerFor(transport, { maxRepresentations: 3 });
    const reps = [
      volunteer("KZ-75"),
      volunteer("KZ-75"),
      volunteer("KZ-43"),
      volunteer("KZ-75"),
      volunteer("KZ-75"),
      volunteer("KZ-75"),
      volunteer("KZ-43"),
      volunteer("KZ-75"),
      volunteer("KZ-75"),
    ];
    const res = await entities(router, reps);
    expect(res.data!._entities).toEqual(reps.map((rep) => echoed(rep, rep.id!.slice(0, 5))));
    const to75 = calls.filter((c) => c.region === "KZ-75").map(repsOf);
    expect(to75.map((r) => r.length)).toEqual([3, 3, 1]);
    expect(to75.flat()).toEqual(reps.filter((r) => r.id!.startsWith("KZ-75")));
    expect(calls.filter((c) => c.region === "KZ-43").map(repsOf)).toEqual([[reps[2], reps[6]]]);
  });
});

describe("root fields", () => {
  const REGISTER = `mutation ($input: RegisterVolunteerInput!) { registerVolunteer(input: $input) { id } }`;
  const [v75, v43, e43, w75, w43, t75] = [
    idOf("Volunteer", "KZ-75"),
    idOf("Volunteer", "KZ-43"),
    idOf("Event", "KZ-43"),
    idOf("Warehouse", "KZ-75"),
    idOf("Warehouse", "KZ-43"),
    idOf("Transfer", "KZ-75"),
  ];

  it.each([
    ["a region argument", "inventory", `mutation { receiveTransfer(region: "KZ-11", id: "${t75}") { id } }`, {}, "KZ-11"],
    ["input.region", "volunteers", REGISTER, { input: { region: "KZ-43", fullName: "Asel", phone: "+77010000001" } }, "KZ-43"],
    ["an id", "volunteers", `query ($id: ID!) { volunteer(id: $id) { fullName } }`, { id: v43 }, "KZ-43"],
    [
      "the id of the record the subgraph owns",
      "events",
      `mutation { signUpForEvent(volunteerId: "${v75}", eventId: "${e43}") { id } }`,
      {},
      "KZ-43",
    ],
    [
      "the from…Id of a transfer",
      "inventory",
      `mutation ($i: TransferStockInput!) { transferStock(input: $i) { id } }`,
      { i: { toWarehouseId: w43, fromWarehouseId: w75 } },
      "KZ-75",
    ],
  ] as const)("go to the region named by %s", async (_what, subgraph, query, variables, region) => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport);
    const res = await router.process(subgraph, { query, variables }, caller);
    expect(calls.map((c) => c.url)).toEqual([subgraphUrl(region, subgraph)]);
    // A fetch wholly for one region travels as it is.
    expect(calls[0].body).toEqual({ query, variables });
    const [key] = rootKeys(query);
    expect(res).toEqual({ data: { [key]: { field: key, region, subgraph } } });
  });

  it("refuses a field it cannot route and a malformed id, naming them, without asking any region", async () => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport);
    const res = await router.process(
      "volunteers",
      { query: `{ __typename everyone { id } one: volunteer(id: "KZ-75:vol:42") { id } }` },
      caller,
    );
    expect(res.data).toEqual({ __typename: "Query", everyone: null, one: null });
    expect(res.errors).toEqual([
      expect.objectContaining<Record<string, unknown>>({
        path: ["everyone"],
        message: expect.stringContaining("Query.everyone cannot be routed"),
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
      expect.objectContaining<Record<string, unknown>>({
        path: ["one"],
        message: expect.stringContaining('malformed id "KZ-75:vol:42"'),
        extensions: expect.objectContaining({ code: "BAD_USER_INPUT" }),
      }),
    ]);
    expect(calls).toEqual([]);
  });

  it("splits a query for several regions into one request per region, in parallel, each with only its fields", async () => {
    const held = gate();
    const { calls, transport } = fakeRegions(async () => void (await held.wait()));
    const { router } = routerFor(transport);
    const query = `query ($a: ID!, $b: ID!) { a: volunteer(id: $a) { ...F } b: volunteer(id: $b) { fullName } c: volunteer(id: "${v75}") { fullName } } fragment F on Volunteer { fullName }`;
    const pending = router.process("volunteers", { query, variables: { a: idOf("Volunteer", "KZ-75"), b: v43 } }, caller);
    // Both regions are asked before either answers.
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    held.release();
    const res = await pending;
    expect(res).toEqual({
      data: {
        a: { field: "volunteer", region: "KZ-75", subgraph: "volunteers" },
        b: { field: "volunteer", region: "KZ-43", subgraph: "volunteers" },
        c: { field: "volunteer", region: "KZ-75", subgraph: "volunteers" },
      },
    });
    const sent = Object.fromEntries(calls.map((c) => [c.region, c.body.query]));
    expect(rootKeys(sent["KZ-75"])).toEqual(["a", "c"]);
    expect(rootKeys(sent["KZ-43"])).toEqual(["b"]);
    // Each request declares only the variables and fragments its fields use (subgraphs refuse unused ones).
    const definitions = (text: string) => {
      const doc = parse(text);
      const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
      return {
        variables: op.variableDefinitions!.map((v) => v.variable.name.value),
        fragments: doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).length,
      };
    };
    expect(definitions(sent["KZ-75"])).toEqual({ variables: ["a"], fragments: 1 });
    expect(definitions(sent["KZ-43"])).toEqual({ variables: ["b"], fragments: 0 });
  });

  it("runs mutations for several regions in their order, one region's group finished before the next starts", async () => {
    const held = gate();
    const { calls, transport } = fakeRegions(async () => void (await held.wait()));
    const { router } = routerFor(transport);
    const register = (key: string, region: string) =>
      `${key}: registerVolunteer(input: { region: "${region}", fullName: "${key}", phone: "+77010000001" }) { id }`;
    const query = `mutation { ${register("first", "KZ-75")} ${register("elsewhere", "KZ-43")} ${register("second", "KZ-75")} ${register("third", "KZ-75")} }`;
    const pending = router.process("volunteers", { query }, caller);
    const sentSoFar = async (n: number) => {
      await vi.waitFor(() => expect(calls).toHaveLength(n));
      // Nothing more leaves while the request in flight is unanswered.
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toHaveLength(n);
      held.release();
    };
    await sentSoFar(1);
    await sentSoFar(2);
    await sentSoFar(3);
    const res = await pending;
    expect(calls.map((c) => [c.region, rootKeys(c.body.query)])).toEqual([
      ["KZ-75", ["first"]],
      ["KZ-43", ["elsewhere"]],
      ["KZ-75", ["second", "third"]],
    ]);
    expect(Object.keys(res.data!)).toEqual(["first", "elsewhere", "second", "third"]);
    expect(res.data!.elsewhere).toEqual({ field: "registerVolunteer", region: "KZ-43", subgraph: "volunteers" });
  });

  it("gives a failed region's mutations null and REGION_UNAVAILABLE, never retries them, and goes on with the next region", async () => {
    const { calls, transport } = fakeRegions((call) => {
      if (call.region === "KZ-43") throw new TimeoutError("late");
      return undefined;
    });
    const { router } = routerFor(transport);
    const query = `mutation { a: registerVolunteer(input: { region: "KZ-43", fullName: "A", phone: "+77010000001" }) { id } b: registerVolunteer(input: { region: "KZ-75", fullName: "B", phone: "+77010000002" }) { id } }`;
    const res = await router.process("volunteers", { query }, caller);
    expect(calls.map((c) => c.region)).toEqual(["KZ-43", "KZ-75"]);
    expect(res.data).toEqual({ a: null, b: { field: "registerVolunteer", region: "KZ-75", subgraph: "volunteers" } });
    expect(res.errors).toEqual([
      {
        message: `region KZ-43 is unavailable (volunteers: no answer within ${TIMEOUT_MS} ms)`,
        path: ["a"],
        extensions: { code: "REGION_UNAVAILABLE", region: "KZ-43", subgraph: "volunteers" },
      },
    ]);
  });

  it("tags a region's own errors with the region", async () => {
    const { transport } = fakeRegions(() =>
      json(200, { data: { volunteer: null }, errors: [{ message: "not found", path: ["volunteer"], extensions: { code: "NOT_FOUND" } }] }),
    );
    const { router } = routerFor(transport);
    const res = await router.process("volunteers", { query: `{ volunteer(id: "${v43}") { id } }` }, caller);
    expect(res).toEqual({
      data: { volunteer: null },
      errors: [{ message: "not found", path: ["volunteer"], extensions: { code: "NOT_FOUND", region: "KZ-43" } }],
    });
  });
});

describe("the batch endpoint", () => {
  it("carries the fetches of one region and caller started in the same turn in one request; a fetch alone goes straight to its subgraph", async () => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport, { registry: withBatch });
    const [volunteers, inventory, other] = await Promise.all([
      entities(router, [region("KZ-75")], "volunteers"),
      entities(router, [region("KZ-75")], "inventory"),
      entities(router, [region("KZ-43")], "volunteers"),
    ]);
    expect(volunteers.data!._entities).toEqual([echoed(region("KZ-75"), "KZ-75", "volunteers")]);
    expect(inventory.data!._entities).toEqual([echoed(region("KZ-75"), "KZ-75", "inventory")]);
    expect(other.data!._entities).toEqual([echoed(region("KZ-43"), "KZ-43", "volunteers")]);
    expect(calls.map((c) => c.url).sort()).toEqual([batchUrl("KZ-75"), subgraphUrl("KZ-43", "volunteers")].sort());
    const batch = calls.find((c) => c.endpoint === "batch")!;
    expect(batch.body).toEqual({
      requests: [
        { subgraph: "volunteers", query: ENTITIES, variables: { representations: [region("KZ-75")] } },
        { subgraph: "inventory", query: ENTITIES, variables: { representations: [region("KZ-75")] } },
      ],
    });
  });

  it("keeps different callers' fetches, other requests' fetches, and fetches of different turns apart", async () => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport, { registry: withBatch });
    const otherCaller: CallerInfo = { ...caller, authorization: "Bearer other" };
    const otherRequest: CallerInfo = { ...caller, requestId: "req-2" };
    await Promise.all(
      [caller, otherCaller, otherRequest].flatMap((who) =>
        (["volunteers", "events"] as const).map((s) => entities(router, [region("KZ-75")], s, who)),
      ),
    );
    expect(calls.map((c) => [c.url, c.headers.authorization, c.headers["x-request-id"], c.body.requests!.length])).toEqual([
      [batchUrl("KZ-75"), "Bearer caller", "req-1", 2],
      [batchUrl("KZ-75"), "Bearer other", "req-1", 2],
      [batchUrl("KZ-75"), "Bearer caller", "req-2", 2],
    ]);
    calls.length = 0;
    await entities(router, [region("KZ-75")], "volunteers");
    await entities(router, [region("KZ-75")], "events");
    expect(calls.map((c) => c.url)).toEqual([subgraphUrl("KZ-75", "volunteers"), subgraphUrl("KZ-75", "events")]);
  });

  it("gives each fetch its own answer from the batch: one that failed is unavailable, the others arrive", async () => {
    const { transport } = fakeRegions((call) => {
      if (call.endpoint !== "batch") return undefined;
      const [, second] = call.body.requests!;
      return json(200, {
        responses: [
          { status: 500, body: { errors: [{ message: "boom" }] } },
          { status: 200, body: answer("KZ-75", second.subgraph, second) },
        ],
      });
    });
    const { router } = routerFor(transport, { registry: withBatch });
    const [failed, answered] = await Promise.all([
      entities(router, [region("KZ-75")], "volunteers"),
      entities(router, [region("KZ-75")], "events"),
    ]);
    expect(failed).toEqual({
      data: { _entities: [null] },
      errors: [
        {
          message: "region KZ-75 is unavailable (volunteers: HTTP 500)",
          path: ["_entities", 0],
          extensions: { code: "REGION_UNAVAILABLE", region: "KZ-75", subgraph: "volunteers" },
        },
      ],
    });
    expect(answered).toEqual({ data: { _entities: [echoed(region("KZ-75"), "KZ-75", "events")] } });
  });

  it("falls back to one fetch at a time when the batch URL answers 404, and remembers it for that host only", async () => {
    const { calls, transport } = fakeRegions((call) =>
      call.url === batchUrl("KZ-75") ? json(404, { errors: [{ message: "no such endpoint" }] }) : undefined,
    );
    const { router } = routerFor(transport, { registry: withBatch });
    const round = () =>
      Promise.all(
        ["KZ-75", "KZ-43"].flatMap((code) => (["volunteers", "inventory"] as const).map((s) => entities(router, [region(code)], s))),
      );
    const expected = ["KZ-75", "KZ-43"].flatMap((code) =>
      (["volunteers", "inventory"] as const).map((s) => ({ data: { _entities: [echoed(region(code), code, s)] } })),
    );
    expect(await round()).toEqual(expected);
    expect(calls.map((c) => c.url).sort()).toEqual(
      [batchUrl("KZ-75"), subgraphUrl("KZ-75", "volunteers"), subgraphUrl("KZ-75", "inventory"), batchUrl("KZ-43")].sort(),
    );
    calls.length = 0;
    expect(await round()).toEqual(expected);
    expect(calls.map((c) => c.url).sort()).toEqual(
      [subgraphUrl("KZ-75", "volunteers"), subgraphUrl("KZ-75", "inventory"), batchUrl("KZ-43")].sort(),
    );
  });

  it.each([
    [401, "token revoked", "UNAUTHENTICATED"],
    [413, "request body too large", "PAYLOAD_TOO_LARGE"],
  ])("gives a whole-batch refusal (%i) to each fetch as its answer, not as the region being down", async (status, message, code) => {
    const { calls, transport } = fakeRegions((call) =>
      call.endpoint === "batch" ? json(status, { errors: [{ message, extensions: { code } }] }) : undefined,
    );
    const { router } = routerFor(transport, { registry: withBatch });
    const both = () => Promise.all([entities(router, [region("KZ-75")], "volunteers"), entities(router, [region("KZ-75")], "events")]);
    for (const res of await both()) {
      expect(res).toEqual({ data: { _entities: [null] }, errors: [{ message, extensions: { code, region: "KZ-75" } }] });
    }
    // No fallback, and the endpoint is still used next time.
    await both();
    expect(calls.map((c) => c.url)).toEqual([batchUrl("KZ-75"), batchUrl("KZ-75")]);
  });

  it(`sends at most MAX_BATCH (${MAX_BATCH}) operations in one batch`, async () => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport, { registry: withBatch });
    const reps = Array.from({ length: 2 * MAX_BATCH + 1 }, () => volunteer("KZ-75"));
    const results = await Promise.all(reps.map((rep) => entities(router, [rep])));
    expect(results).toEqual(reps.map((rep) => ({ data: { _entities: [echoed(rep, "KZ-75")] } })));
    // Two full batches, and the one left over goes on its own.
    expect(calls.map((c) => (c.endpoint === "batch" ? c.body.requests!.length : c.url))).toEqual([
      MAX_BATCH,
      MAX_BATCH,
      subgraphUrl("KZ-75", "volunteers"),
    ]);
    expect(
      calls.flatMap((c) => (c.endpoint === "batch" ? c.body.requests!.flatMap((r) => r.variables!.representations as Rep[]) : repsOf(c))),
    ).toEqual(reps);
  });

  it("sends at most maxRepresentations representations in one batch", async () => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport, { registry: withBatch, maxRepresentations: 5 });
    const shares = [3, 3, 2, 4].map((n) => Array.from({ length: n }, () => volunteer("KZ-75")));
    const results = await Promise.all(shares.map((reps) => entities(router, reps)));
    expect(results).toEqual(shares.map((reps) => ({ data: { _entities: reps.map((rep) => echoed(rep, "KZ-75")) } })));
    const sizes = calls.map((c) =>
      c.endpoint === "batch" ? c.body.requests!.map((r) => (r.variables!.representations as Rep[]).length) : [repsOf(c).length],
    );
    expect(sizes).toEqual([[3], [3, 2], [4]]);
    expect(calls.map((c) => c.endpoint)).toEqual(["volunteers", "batch", "volunteers"]);
  });
});

describe("who the regions are told the caller is", () => {
  it("sends each region the authorization made for it, and the request id", async () => {
    const { calls, transport } = fakeRegions();
    const asked: string[] = [];
    const assertion: CallerInfo = {
      authorization: "Bearer caller",
      requestId: "req-9",
      authorizationFor: (code) => {
        asked.push(code);
        return Promise.resolve(`Bearer assertion-for-${code}`);
      },
    };
    for (const registry of [direct, withBatch]) {
      const { router } = routerFor(transport, { registry });
      calls.length = 0;
      await Promise.all([
        entities(router, [volunteer("KZ-75"), volunteer("KZ-43"), volunteer("KZ-11")], "volunteers", assertion),
        entities(router, [region("KZ-75")], "inventory", assertion),
      ]);
      expect(calls.length).toBe(registry === direct ? 4 : 3);
      for (const call of calls) {
        expect(call.headers).toEqual({
          authorization: `Bearer assertion-for-${call.region}`,
          "x-request-id": "req-9",
          // So that the region's own waits end in time for this one.
          "x-region-timeout-ms": String(TIMEOUT_MS),
        });
      }
    }
    expect(new Set(asked)).toEqual(new Set(["KZ-75", "KZ-43", "KZ-11"]));
  });

  it("forwards the caller's own header without authorizationFor, and nothing for an anonymous caller", async () => {
    const { calls, transport } = fakeRegions();
    const { router } = routerFor(transport);
    await entities(router, [volunteer("KZ-75")], "volunteers", { authorization: "Bearer caller", requestId: "r" });
    await entities(router, [volunteer("KZ-75")], "volunteers", {});
    expect(calls[0].headers).toEqual({ authorization: "Bearer caller", "x-request-id": "r", "x-region-timeout-ms": String(TIMEOUT_MS) });
    expect(Object.keys(calls[1].headers)).toEqual(["x-request-id", "x-region-timeout-ms"]);
    expect(calls[1].headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
