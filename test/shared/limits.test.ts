// The request limits every entry point applies: documents bounded before analysis, and one
// pass, linear in the document's size, for depth, aliases, cost and representations.
import { readFileSync } from "node:fs";
import { getIntrospectionQuery, type GraphQLError, type GraphQLSchema } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { buildSubgraphs } from "../../subgraphs/index.js";
import {
  boundDocument,
  DEFAULT_LIMITS,
  DocumentCache,
  exceeded,
  measureOperation,
  operationOf,
  REGION_FIELD_WEIGHT,
  type BoundedDocument,
  type Measure,
  type QueryLimits,
} from "../../subgraphs/kernel/limits.js";

let volunteers: GraphQLSchema;
let events: GraphQLSchema;
beforeAll(async () => {
  [volunteers, events] = (await buildSubgraphs(["volunteers", "events"])).map((s) => s.schema) as [GraphQLSchema, GraphQLSchema];
});

function bounded(query: string, limits: QueryLimits = DEFAULT_LIMITS): BoundedDocument {
  const result = boundDocument(query, limits);
  if ("syntaxError" in result) throw result.syntaxError;
  return result;
}

function measure(query: string, variables: Record<string, unknown> = {}, schema = volunteers) {
  const doc = bounded(query);
  return measureOperation(schema, doc, operationOf(doc.document, undefined)!, variables, { regions: 20, defaultListSize: 20 });
}

function limitOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as GraphQLError).extensions;
  }
  throw new Error("expected a limit error");
}

/** `fragment F0 on T { ...F1 ...F1 } … fragment Fn on T { <leaf> }`: 2^n copies of the leaf. */
function doubling(levels: number, type: string, leaf: string): string {
  let fragments = "";
  for (let i = 0; i < levels; i++) fragments += `fragment F${i} on ${type} { ...F${i + 1} ...F${i + 1} }\n`;
  return `${fragments}fragment F${levels} on ${type} { ${leaf} }`;
}

describe("bounding the document before analysis", () => {
  it("refuses more tokens than the limit, before building the document", () => {
    const query = `{ ${'volunteer(id: "x") { id } '.repeat(200)} }`;
    expect(limitOf(() => bounded(query))).toMatchObject({ code: "BAD_USER_INPUT", limit: "tokens", max: 1000 });
    expect(() => bounded(query, { ...DEFAULT_LIMITS, maxTokens: 5000 })).not.toThrow();
  });

  it("does not count comments as tokens, and reports a plain syntax error as such", () => {
    expect(() => bounded(`# ${"x".repeat(100_000)}\n{ volunteer(id: "x") { id } }`)).not.toThrow();
    const result = boundDocument(`{ volunteer(id: "x") { id }`, DEFAULT_LIMITS);
    expect(result).toHaveProperty("syntaxError");
  });

  it.each([
    ["fragments", `{ ...A } ${Array.from({ length: 51 }, (_, i) => `fragment A${i === 0 ? "" : i} on Query { __typename }`).join(" ")}`],
    ["spreads", `{ ${"...A ".repeat(101)} } fragment A on Query { __typename }`],
    ["directives", `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: __typename @skip(if: false)`).join(" ")} }`],
  ])("refuses too many %s", (limit, query) => {
    expect(limitOf(() => bounded(query, { ...DEFAULT_LIMITS, maxTokens: 5000 }))).toMatchObject({ code: "BAD_USER_INPUT", limit });
  });
});

describe("measuring in one linear pass", () => {
  it("measures a fragment once however often it is spread: exponential documents cost microseconds to refuse", () => {
    const times: number[] = [];
    for (const levels of [20, 30, 40]) {
      const query = `query { ...F0 } ${doubling(levels, "Query", 'volunteer(id: "x") { id }')}`;
      const started = performance.now();
      const m = measure(query);
      times.push(performance.now() - started);
      // Each spread counts: 2^levels copies of a field costing 2, of two fields.
      expect(m.cost).toBe(2 * 2 ** levels);
      expect(m.fields).toBe(2 * 2 ** levels);
      expect(exceeded(m, DEFAULT_LIMITS)?.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "fields" });
    }
    // 40 levels would take 2^20 times as long as 20 if fragments were expanded.
    expect(times[2]).toBeLessThan(50);
  });

  it("counts aliases inside fragments once per spread, and depth through fragments and inline fragments", () => {
    const m = measure(`{ ...A ...A } fragment A on Query { a: volunteer(id: "x") { ... on Volunteer { group { b: name } } } }`);
    expect(m.aliases).toBe(4);
    expect(m.depth).toBe(3);
  });

  it("counts __typename and every spread in the expanded size, even where nothing costs", () => {
    let fragments = "";
    for (let i = 0; i < 12; i++) fragments += `fragment F${i} on Query { ...F${i + 1} ... @include(if: true) { ...F${i + 1} } } `;
    const m = measure(`{ ...F0 } ${fragments}fragment F12 on Query { __typename }`);
    expect(m).toMatchObject({ cost: 0, fields: 2 ** 12 });
    expect(exceeded(m, DEFAULT_LIMITS)?.extensions.limit).toBe("fields");
  });

  it("takes page sizes and representations from variable defaults, and page sizes from the schema's defaults", () => {
    const query = `query ($n: Int = 7) { volunteerGroup(id: "x") { members(first: $n) { nodes { id } } } }`;
    expect(measure(query).cost).toBe(1 + 1 + 1 + 7);
    expect(measure(query, { n: 3 }).cost).toBe(1 + 1 + 1 + 3);
    const reps = measure(
      `query ($r: [_Any!]! = [{ __typename: "Region", code: "KZ-75" }, { __typename: "Region", code: "KZ-43" }]) { _entities(representations: $r) { __typename } }`,
    );
    expect(reps.representations).toBe(2);
  });

  it("refuses representations that are not objects with a __typename", () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }`;
    for (const bad of [[1], [null], [[{ __typename: "Region" }]], [{ code: "KZ-75" }]]) {
      expect(limitOf(() => measure(query, { r: bad }))).toMatchObject({ code: "BAD_USER_INPUT", field: "representations.0" });
    }
  });

  it("costs a field every region answers once per region", () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Volunteer { hoursServed events { id } } } }`;
    const doc = bounded(query);
    const r = [{ __typename: "Volunteer", id: "KZ-75:vol:6650c0ffee0123456789abcd" }];
    const options = { regions: 20, defaultListSize: 20, perRegion: new Set(["Volunteer.events", "Volunteer.hoursServed"]) };
    const m = measureOperation(events, doc, operationOf(doc.document, undefined)!, { r }, options);
    expect(m.cost).toBe(1 + 1 * (20 + (20 + 20 * 20 * 1)));
    expect(measureOperation(events, doc, operationOf(doc.document, undefined)!, { r }, { ...options, perRegion: undefined }).cost).toBe(
      1 + 1 + (1 + 20),
    );
  });

  it("survives fragment cycles (validation refuses them later)", () => {
    expect(measure(`{ ...A } fragment A on Query { ...B } fragment B on Query { ...A volunteer(id: "x") { id } }`).cost).toBe(2);
  });

  it("multiplies a connection's nodes by its first (literal or variable), and other lists by first or the default", () => {
    const query = `query ($n: Int) { volunteerGroup(id: "x") { members(first: $n) { totalCount nodes { id skills } } } }`;
    expect(measure(query, { n: 5 }).cost).toBe(1 + 1 + 1 + 1 + 5 * (1 + 1));
    expect(measure(query, {}).cost).toBe(1 + 1 + 1 + 1 + 20 * (1 + 1));
    // Through a fragment on the connection, its nodes are as many.
    expect(
      measure(`{ volunteerGroup(id: "x") { members(first: 7) { ...P } } } fragment P on VolunteerConnection { nodes { id } }`).cost,
    ).toBe(1 + 1 + 1 + 7);
  });

  it("counts _entities representations, and weighs every Region field but its code", () => {
    const reps = Array.from({ length: 7 }, () => ({ __typename: "Region", code: "KZ-75" }));
    const m = measure(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code volunteerStats { total } } } }`, {
      r: reps,
    });
    expect(m.representations).toBe(7);
    expect(m.cost).toBe(1 + 7 * (1 + REGION_FIELD_WEIGHT + 1));
    const literal = measure(
      `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }, { __typename: "Region", code: "KZ-75" }]) { __typename } }`,
    );
    expect(literal.representations).toBe(2);
  });

  it("names the first limit a measure exceeds", () => {
    const m = (over: Partial<Measure>): Measure => ({
      depth: 1,
      aliases: 0,
      cost: 1,
      fields: 1,
      representations: 0,
      introspection: 0,
      ...over,
    });
    expect(exceeded(m({ depth: 13 }), DEFAULT_LIMITS)?.message).toBe("query depth 13 exceeds the limit of 12");
    expect(exceeded(m({ aliases: 31 }), DEFAULT_LIMITS)?.extensions.limit).toBe("aliases");
    expect(exceeded(m({ representations: 1001 }), DEFAULT_LIMITS)?.extensions.limit).toBe("representations");
    expect(exceeded(m({ introspection: 4 }), DEFAULT_LIMITS)?.extensions.limit).toBe("introspection");
    expect(exceeded(m({ representations: 1 }), DEFAULT_LIMITS)).toBeUndefined();
  });

  it("lets tools introspect the schema, but not with lists nested deeper than the standard query's", () => {
    const standard = measure(
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }),
    );
    expect(standard.introspection).toBe(3);
    expect(exceeded(standard, DEFAULT_LIMITS)).toBeUndefined();
    const blowUp = measure(`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`);
    expect(exceeded(blowUp, DEFAULT_LIMITS)?.extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "introspection" });
    const viaType = measure(
      `{ __type(name: "Volunteer") { fields { type { fields { type { fields { type { interfaces { name } } } } } } } } }`,
    );
    expect(exceeded(viaType, DEFAULT_LIMITS)?.extensions.limit).toBe("introspection");
  });

  it("keeps the contract's operations well within every limit", () => {
    const contract = readFileSync(new URL("../contract/operations.graphql", import.meta.url), "utf8");
    expect(() => bounded(contract)).not.toThrow();
  });
});

describe("a document cache's measures", () => {
  it("measures the same document anew for other variables, another schema or another operation", () => {
    const cache = new DocumentCache({ ...DEFAULT_LIMITS, maxRepresentations: 3 });
    const query = `query A($r: [_Any!]!, $n: Int) { _entities(representations: $r) { ... on Region { upcomingEvents(first: $n) { id } } } }
      query B($r: [_Any!]!) { _entities(representations: $r) { __typename } }`;
    const region = { __typename: "Region", code: "KZ-75" };
    const check = (schema: GraphQLSchema, variables: Record<string, unknown>, operationName = "A") =>
      cache.check(schema, { query, variables, operationName }, { regions: 1 });
    const one = check(events, { r: [region], n: 5 }) as Measure;
    expect(one).toMatchObject({ representations: 1 });
    // Asked again with the same variables: the same figures.
    expect(check(events, { r: [region], n: 5 })).toEqual(one);
    // A larger page, more representations, too many, malformed ones: each measured for itself.
    expect((check(events, { r: [region], n: 50 }) as Measure).cost).toBeGreaterThan(one.cost);
    expect(check(events, { r: [region, region], n: 5 })).toMatchObject({ representations: 2 });
    expect((check(events, { r: [region, region, region, region], n: 5 }) as GraphQLError).extensions.code).toBe("BAD_USER_INPUT");
    expect((check(events, { r: [{ code: "KZ-75" }], n: 5 }) as GraphQLError).message).toMatch(/^representations\.0:/);
    // The events schema's Region is an entity; the volunteers schema measures its own fields.
    expect((check(volunteers, { r: [region], n: 5 }) as Measure).cost).not.toBe(one.cost);
    // The other operation of the document, with the same variables.
    expect((check(events, { r: [region], n: 5 }, "B") as Measure).cost).toBeLessThan(one.cost);
    expect(check(events, { r: [region], n: 5 })).toEqual(one);
  });
});
