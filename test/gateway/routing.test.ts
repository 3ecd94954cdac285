// The router's pure parts: which region a root field goes to, and how a fetch is cut
// down to some of its root fields.
import { ObjectId } from "bson";
import { GraphQLError, Kind, parse, type FieldNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { analyse, restrictToFields } from "../../gateway/router/plan.js";
import { routeRepresentation, routeRootField } from "../../gateway/router/routing.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";

const registry = RegionRegistry.load();
const event43 = encodeId("Event", "KZ-43", new ObjectId());
const volunteer75 = encodeId("Volunteer", "KZ-75", new ObjectId());
const warehouse11 = encodeId("Warehouse", "KZ-11", new ObjectId());
const beneficiary75 = encodeId("Beneficiary", "KZ-75", new ObjectId());

function field(source: string): FieldNode {
  const op = parse(source).definitions[0] as OperationDefinitionNode;
  return op.selectionSet.selections[0] as FieldNode;
}

const route = (subgraph: "volunteers" | "beneficiaries" | "inventory" | "events", source: string, variables: Record<string, unknown> = {}) =>
  routeRootField(subgraph, "Mutation", field(source), variables, registry);

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
    expect(route("events", `mutation ($e: ID!, $v: ID!) { f(volunteerId: $v, eventId: $e) { id } }`, { e: event43, v: volunteer75 })).toBe("KZ-43");
    // distributeAid goes to the warehouse's region
    expect(route("inventory", `mutation ($i: In!) { f(input: $i) { id } }`, { i: { beneficiaryId: beneficiary75, warehouseId: warehouse11 } })).toBe("KZ-11");
    // an `id` argument comes first among owned ids
    const help = encodeId("HelpRequest", "KZ-43", new ObjectId());
    expect(route("beneficiaries", `mutation { f(volunteerId: "${volunteer75}", id: "${help}") { id } }`)).toBe("KZ-43");
  });

  it("sends an operation with two ends (a transfer) to its `from…Id`, in whatever order the input lists them", () => {
    const warehouse75 = encodeId("Warehouse", "KZ-75", new ObjectId());
    for (const i of [{ toWarehouseId: warehouse11, fromWarehouseId: warehouse75 }, { fromWarehouseId: warehouse75, toWarehouseId: warehouse11 }]) {
      expect(route("inventory", `mutation ($i: In!) { f(input: $i) { id } }`, { i })).toBe("KZ-75");
    }
    expect(route("inventory", `mutation { f(input: { toWarehouseId: "${warehouse11}", fromWarehouseId: "${warehouse75}" }) { id } }`)).toBe("KZ-75");
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
    expect(errorOf(() => route("volunteers", `{ f(id: "${encodeId("Volunteer", "KZ-98", new ObjectId())}") { id } }`)).message).toContain('unknown region "KZ-98"');
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
    expect(doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => (d as { name: { value: string } }).name.value).sort()).toEqual(["N", "V"]);
    expect(text).not.toContain("b: volunteer");
  });

  it("recognises an _entities fetch and its representations variable", () => {
    const plan = analyse(`query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Region { code } } }`);
    expect(plan).toMatchObject({ kind: "entities", representationsVariable: "representations", responseKey: "_entities" });
  });
});
