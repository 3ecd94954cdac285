// Entity fields every region answers for records of any region (the manifest's BROADCAST):
// the router asks each of them and merges the answers, so such a field costs once per
// region, and the gateway's cost estimate says so.
import { Kind, parse, type ConstDirectiveNode } from "graphql";
import { answersEveryRegion, type EntityType, type SubgraphName } from "../../subgraphs/manifest.js";

const argument = (directive: ConstDirectiveNode, name: string) => {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.ENUM || value?.kind === Kind.STRING ? value.value : undefined;
};

/** The `Type.field` coordinates, read from the supergraph, that BROADCAST makes every region answer. */
export function perRegionFields(supergraphSdl: string): Set<string> {
  const document = parse(supergraphSdl);
  // join__Graph enum values name the subgraphs: EVENTS @join__graph(name: "events").
  const graphOf = new Map<string, string>();
  const fields = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== "join__Graph") continue;
    for (const value of definition.values ?? []) {
      const name = value.directives?.find((d) => d.name.value === "join__graph");
      if (name) graphOf.set(value.name.value, argument(name, "name") ?? "");
    }
  }
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const field of definition.fields ?? []) {
      for (const join of field.directives?.filter((d) => d.name.value === "join__field") ?? []) {
        const subgraph = graphOf.get(argument(join, "graph") ?? "") as SubgraphName | undefined;
        if (subgraph && answersEveryRegion(subgraph, definition.name.value as EntityType))
          fields.add(`${definition.name.value}.${field.name.value}`);
      }
    }
  }
  return fields;
}
