// The router's pure parts: which region a root field goes to, and how a fetch is cut
// down to some of its root fields; and that every root field of the supergraph can be routed.
import { readFileSync } from "node:fs";
import { ObjectId } from "bson";
import {
  GraphQLError,
  Kind,
  parse,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type FieldNode,
  type InputObjectTypeDefinitionNode,
  type InputValueDefinitionNode,
  type OperationDefinitionNode,
  type TypeNode,
} from "graphql";
import { describe, expect, it } from "vitest";
import { REGIONS_SUBGRAPH } from "../../gateway/regions/schema.js";
import { analyse, restrictToFields } from "../../gateway/router/plan.js";
import { routeRepresentation, routeRootField } from "../../gateway/router/routing.js";
import { encodeId, type EntityType } from "../../subgraphs/kernel/ids.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { ENTITIES, SUBGRAPH_NAMES, type SubgraphName } from "../../subgraphs/manifest.js";

const registry = RegionRegistry.load();
const event43 = encodeId("Event", "KZ-43", new ObjectId());
const volunteer75 = encodeId("Volunteer", "KZ-75", new ObjectId());
const warehouse11 = encodeId("Warehouse", "KZ-11", new ObjectId());
const beneficiary75 = encodeId("Beneficiary", "KZ-75", new ObjectId());

function field(source: string): FieldNode {
  const op = parse(source).definitions[0] as OperationDefinitionNode;
  return op.selectionSet.selections[0] as FieldNode;
}

const route = (
  subgraph: "volunteers" | "beneficiaries" | "inventory" | "events",
  source: string,
  variables: Record<string, unknown> = {},
) => routeRootField(subgraph, "Mutation", field(source), variables, registry);

function errorOf(fn: () => unknown): GraphQLError {
  try {
    fn();
  } catch (err) {
    return err as GraphQLError;
  }
  throw new Error("expected an error");
}

describe("routing root fields", () => {
  it("takes a region argument, or input.region, literal or variable", () => {
    expect(route("volunteers", `{ f(region: "KZ-43") { id } }`)).toBe("KZ-43");
    expect(route("volunteers", `mutation ($i: In!) { f(input: $i) { id } }`, { i: { region: "KZ-11", fullName: "x" } })).toBe("KZ-11");
    expect(route("volunteers", `mutation { f(input: { region: "KZ-79" }) { id } }`)).toBe("KZ-79");
  });

  it("prefers the id of a record the target subgraph owns", () => {
    // signUpForEvent goes to the event's region, whatever the volunteer's
    expect(route("events", `mutation ($e: ID!, $v: ID!) { f(volunteerId: $v, eventId: $e) { id } }`, { e: event43, v: volunteer75 })).toBe(
      "KZ-43",
    );
    // distributeAid goes to the warehouse's region
    expect(
      route("inventory", `mutation ($i: In!) { f(input: $i) { id } }`, { i: { beneficiaryId: beneficiary75, warehouseId: warehouse11 } }),
    ).toBe("KZ-11");
    // an `id` argument comes first among owned ids
    const help = encodeId("HelpRequest", "KZ-43", new ObjectId());
    expect(route("beneficiaries", `mutation { f(volunteerId: "${volunteer75}", id: "${help}") { id } }`)).toBe("KZ-43");
  });

  it("sends an operation with two ends (a transfer) to its `from…Id`, in whatever order the input lists them", () => {
    const warehouse75 = encodeId("Warehouse", "KZ-75", new ObjectId());
    for (const i of [
      { toWarehouseId: warehouse11, fromWarehouseId: warehouse75 },
      { fromWarehouseId: warehouse75, toWarehouseId: warehouse11 },
    ]) {
      expect(route("inventory", `mutation ($i: In!) { f(input: $i) { id } }`, { i })).toBe("KZ-75");
    }
    expect(route("inventory", `mutation { f(input: { toWarehouseId: "${warehouse11}", fromWarehouseId: "${warehouse75}" }) { id } }`)).toBe(
      "KZ-75",
    );
    // receiveTransfer names the receiving region, which comes before the transfer's (source) id
    const transfer75 = encodeId("Transfer", "KZ-75", new ObjectId());
    expect(route("inventory", `mutation { f(id: "${transfer75}", region: "KZ-11") { id } }`)).toBe("KZ-11");
  });

  it("refuses a field it cannot route, naming it", () => {
    const err = errorOf(() => route("volunteers", `{ everything { id } }`));
    expect(err.extensions.code).toBe("BAD_USER_INPUT");
    expect(err.message).toContain("Mutation.everything cannot be routed");
  });

  it("refuses unknown regions and malformed ids, naming the argument", () => {
    expect(errorOf(() => route("volunteers", `{ f(region: "KZ-00") { id } }`)).message).toBe('region: unknown region "KZ-00"');
    expect(errorOf(() => route("events", `{ f(eventId: "evt-1") { id } }`)).message).toContain('eventId: malformed id "evt-1"');
    expect(errorOf(() => route("volunteers", `{ f(id: 42) { id } }`)).message).toContain('id: malformed id "42"');
    expect(errorOf(() => route("volunteers", `{ f(id: "${encodeId("Volunteer", "KZ-98", new ObjectId())}") { id } }`)).message).toContain(
      'unknown region "KZ-98"',
    );
  });

  it("routes representations by Region code or entity id", () => {
    expect(routeRepresentation({ __typename: "Region", code: "KZ-75" }, registry)).toBe("KZ-75");
    expect(routeRepresentation({ __typename: "Event", id: event43 }, registry)).toBe("KZ-43");
    expect(errorOf(() => routeRepresentation({ __typename: "Event", id: "x" }, registry)).extensions.code).toBe("BAD_USER_INPUT");
  });
});

describe("cutting a fetch down to some root fields", () => {
  it("keeps only the fragments and variables those fields use", () => {
    const plan = analyse(`query ($a: ID!, $b: ID!, $unusedLater: Int) {
      a: volunteer(id: $a) { ...V }
      b: volunteer(id: $b) { ...W groupCount(max: $unusedLater) }
    }
    fragment V on Volunteer { id ...N }
    fragment N on Volunteer { fullName }
    fragment W on Volunteer { skills }`);
    if (plan.kind !== "root") throw new Error("expected a root fetch");
    const text = restrictToFields(plan, new Set(["a"]));
    const doc = parse(text);
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
    expect(op.variableDefinitions!.map((v) => v.variable.name.value)).toEqual(["a"]);
    expect(
      doc.definitions
        .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => (d as { name: { value: string } }).name.value)
        .sort(),
    ).toEqual(["N", "V"]);
    expect(text).not.toContain("b: volunteer");
  });

  it("recognises an _entities fetch and its representations variable", () => {
    const plan = analyse(`query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Region { code } } }`);
    expect(plan).toMatchObject({ kind: "entities", representationsVariable: "representations", responseKey: "_entities" });
  });
});

// Every root field of the supergraph must be routable by the rules of routing.ts, or a
// client would get "cannot be routed" for it: a new field without a routing key fails here.
/** The gateway's own fields (its local `regions` subgraph): served in-process, never routed. */
const GATEWAY_FIELDS = ["Query.regions", "Query.region", "Query.nationalStock", "Query.nationalDuplicates"];
const HOME = "KZ-75";
const ELSEWHERE = "KZ-43";

const supergraphSdl = readFileSync(projectPath("schema", "supergraph.graphql"), "utf8");
const supergraph = parse(supergraphSdl);

const stringArgument = (directive: ConstDirectiveNode, name: string) => {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM || value?.kind === Kind.STRING ? value.value : undefined;
};
const namedType = (type: TypeNode): string => (type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type));
/** A routing key the caller may leave out routes nothing: only non-null ones count. */
const required = (type: TypeNode, name: string) => type.kind === Kind.NON_NULL_TYPE && namedType(type) === name;
const isIdName = (name: string) => name === "id" || /Id$/.test(name);

/**
 * The entity an id argument names: `id` the field's own type, `…Id` the entity it spells
 * (`fromWarehouseId` a Warehouse, `groupId` a VolunteerGroup), when exactly one matches.
 */
function entityOf(argument: string, returnType: string): EntityType | undefined {
  if (argument === "id") return returnType in ENTITIES ? (returnType as EntityType) : undefined;
  const stem = argument.replace(/Id$/, "").replace(/^(from|to)(?=[A-Z])/, "");
  const spelled = stem.charAt(0).toUpperCase() + stem.slice(1);
  const matches = Object.keys(ENTITIES).filter((type) => type === spelled || type.endsWith(spelled));
  return matches.length === 1 ? (matches[0] as EntityType) : undefined;
}

interface RootFieldInfo {
  coordinate: string;
  parentType: "Query" | "Mutation";
  field: FieldDefinitionNode;
  subgraphs: string[];
}

function rootFields(document: DocumentNode): { fields: RootFieldInfo[]; inputs: Map<string, InputObjectTypeDefinitionNode> } {
  const graphs = new Map<string, string>();
  const inputs = new Map<string, InputObjectTypeDefinitionNode>();
  const fields: RootFieldInfo[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === "join__Graph") {
      for (const value of definition.values ?? []) {
        const graph = value.directives?.find((d) => d.name.value === "join__graph");
        if (graph) graphs.set(value.name.value, stringArgument(graph, "name")!);
      }
    }
    if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) inputs.set(definition.name.value, definition);
  }
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION || !["Query", "Mutation"].includes(definition.name.value)) continue;
    for (const field of definition.fields ?? []) {
      const joins = field.directives?.filter((d) => d.name.value === "join__field") ?? [];
      fields.push({
        coordinate: `${definition.name.value}.${field.name.value}`,
        parentType: definition.name.value as "Query" | "Mutation",
        field,
        subgraphs: joins.map((d) => graphs.get(stringArgument(d, "graph") ?? "") ?? "(unknown graph)"),
      });
    }
  }
  return { fields, inputs };
}

/** Why each root field of `document` cannot be routed; empty when all can. */
function unroutable(document: DocumentNode): string[] {
  const { fields, inputs } = rootFields(document);
  const problems: string[] = [];
  const gatewayFields = fields.filter((f) => f.subgraphs.includes(REGIONS_SUBGRAPH)).map((f) => f.coordinate);
  for (const stale of GATEWAY_FIELDS.filter((c) => !gatewayFields.includes(c)))
    problems.push(`${stale}: allow-listed, but not a field of the ${REGIONS_SUBGRAPH} subgraph`);
  for (const { coordinate, field, subgraphs } of fields) {
    if (subgraphs.includes(REGIONS_SUBGRAPH)) {
      if (!GATEWAY_FIELDS.includes(coordinate))
        problems.push(`${coordinate}: a field of the gateway's ${REGIONS_SUBGRAPH} subgraph missing from GATEWAY_FIELDS`);
      continue;
    }
    if (!subgraphs.length) problems.push(`${coordinate}: no @join__field names its subgraph`);
    for (const unknown of subgraphs.filter((s) => !(SUBGRAPH_NAMES as readonly string[]).includes(s)))
      problems.push(`${coordinate}: ${unknown} is not a subgraph of the manifest`);
    const returnType = namedType(field.type);
    const input = field.arguments?.find((a) => a.name.value === "input" && a.type.kind === Kind.NON_NULL_TYPE);
    const inputFields = (input && inputs.get(namedType(input.type))?.fields) ?? [];
    const ids = [...(field.arguments ?? []), ...inputFields].filter((a) => isIdName(a.name.value) && required(a.type, "ID"));
    for (const subgraph of subgraphs) {
      const routed =
        field.arguments?.some((a) => a.name.value === "region" && required(a.type, "String")) ||
        inputFields.some((f) => f.name.value === "region" && required(f.type, "String")) ||
        ids.some((a) => {
          const entity = entityOf(a.name.value, returnType);
          return entity !== undefined && ENTITIES[entity].owner === subgraph;
        });
      if (!routed) {
        problems.push(
          `${coordinate} (${subgraph}) cannot be routed: it needs a region: String! argument, an input: …! with region: String!, or an id/…Id: ID! (argument or in input) of an entity ${subgraph} owns`,
        );
      }
    }
  }
  return problems;
}

/**
 * A call of the field as a client might make it, with variables: region keys and ids of
 * entities its subgraph owns in HOME, ids of other entities in ELSEWHERE (so the owned id
 * must win), other arguments left out (routing ignores them).
 */
function sampleCall(info: RootFieldInfo, inputs: Map<string, InputObjectTypeDefinitionNode>, subgraph: string) {
  const returnType = namedType(info.field.type);
  const valueOf = (arg: InputValueDefinitionNode): unknown => {
    const name = arg.name.value;
    if (name === "region" && namedType(arg.type) === "String") return HOME;
    if (name === "input") {
      const input = inputs.get(namedType(arg.type));
      if (!input) return undefined;
      return Object.fromEntries((input.fields ?? []).map((f) => [f.name.value, valueOf(f)] as const).filter(([, v]) => v !== undefined));
    }
    const entity = isIdName(name) && namedType(arg.type) === "ID" ? entityOf(name, returnType) : undefined;
    if (!entity) return undefined;
    return encodeId(entity, ENTITIES[entity].owner === subgraph ? HOME : ELSEWHERE, new ObjectId());
  };
  const variables = Object.fromEntries(
    (info.field.arguments ?? []).map((a) => [a.name.value, valueOf(a)] as const).filter(([, v]) => v !== undefined),
  );
  const args = Object.keys(variables).map((name) => `${name}: $${name}`);
  const keyword = info.parentType === "Mutation" ? "mutation" : "query";
  const text = `${keyword} { ${info.field.name.value}${args.length ? `(${args.join(", ")})` : ""} { __typename } }`;
  return { node: (parse(text).definitions[0] as OperationDefinitionNode).selectionSet.selections[0] as FieldNode, variables };
}

describe("every root field of the supergraph", () => {
  const { fields, inputs } = rootFields(supergraph);

  it("is the gateway's own (allow-listed) or has a key the routing rules route by", () => {
    expect(fields.length).toBeGreaterThan(30);
    expect(unroutable(supergraph)).toEqual([]);
  });

  it("routed from a sample call with its keys in KZ-75 arrives at KZ-75", () => {
    const routed = fields
      .filter((f) => !f.subgraphs.includes(REGIONS_SUBGRAPH))
      .flatMap((f) =>
        f.subgraphs.map((subgraph) => {
          const { node, variables } = sampleCall(f, inputs, subgraph);
          let region: string;
          try {
            region = routeRootField(subgraph as SubgraphName, f.parentType, node, variables, registry);
          } catch (err) {
            region = (err as Error).message;
          }
          return [`${f.coordinate} (${subgraph})`, region];
        }),
      );
    expect(routed.length).toBeGreaterThanOrEqual(fields.length - GATEWAY_FIELDS.length);
    // As one object, a failure shows every field that went astray, by name.
    expect(Object.fromEntries(routed)).toEqual(Object.fromEntries(routed.map(([call]) => [call, HOME])));
  });

  it("the check itself names fields the rules cannot route", () => {
    const extended = parse(
      supergraphSdl.replace(
        /^(type Query\b[^{]*\{)/m,
        `$1
  volunteers(first: Int): [Volunteer!]! @join__field(graph: VOLUNTEERS)
  signUpsOf(volunteerId: ID!): [Event!]! @join__field(graph: EVENTS)
  eventsNear(region: String): [Event!]! @join__field(graph: EVENTS)
  registryVersion: String @join__field(graph: REGIONS)
`,
      ),
    );
    const problems = unroutable(extended);
    expect(problems).toEqual([
      expect.stringMatching(/^Query\.volunteers \(volunteers\) cannot be routed/),
      expect.stringMatching(/^Query\.signUpsOf \(events\) cannot be routed/),
      expect.stringMatching(/^Query\.eventsNear \(events\) cannot be routed/),
      expect.stringMatching(/^Query\.registryVersion: a field of the gateway's regions subgraph missing from GATEWAY_FIELDS/),
    ]);
  });
});
