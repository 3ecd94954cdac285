// Which region a root field goes to, from its arguments: a `region` argument, then
// `input.region`, then the id of a record the target subgraph owns (the record it will
// read or change: the event for signUpForEvent, the help request for assignHelpRequest),
// then any entity id. Of two ids, `id` comes first, then a `from…Id` (an operation with
// two ends, like a transfer, belongs to its source), then the others in the order given.
// Literals, variables and values inside input objects all count.
import { valueFromASTUntyped, type FieldNode } from "graphql";
import { badInput } from "../../subgraphs/kernel/errors.js";
import { decodeId, ownerOf, peekId } from "../../subgraphs/kernel/ids.js";
import type { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import type { SubgraphName } from "../../subgraphs/manifest.js";

type Args = Record<string, unknown>;

function argumentValues(node: FieldNode, variables: Record<string, unknown>): Args {
  const args: Args = {};
  for (const arg of node.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value, variables);
  return args;
}

const looksLikeIdArgument = (name: string) => name === "id" || /Id$/.test(name);

const rank = (name: string) => (name === "id" ? 0 : /^(input\.)?from[A-Z]/.test(name) ? 1 : 2);

/** Id-valued entries of the arguments and of an `input` object, `id` first, then `from…Id`. */
function idCandidates(args: Args): Array<[string, string]> {
  const entries: Array<[string, unknown]> = Object.entries(args);
  const input = args.input;
  if (input && typeof input === "object" && !Array.isArray(input)) {
    entries.push(...Object.entries(input as Args).map(([k, v]): [string, unknown] => [`input.${k}`, v]));
  }
  // The gateway may re-print an ID literal such as "42" as the number 42.
  const ids = entries
    .filter(
      ([name, value]) => (typeof value === "string" || typeof value === "number") && looksLikeIdArgument(name.replace(/^input\./, "")),
    )
    .map(([name, value]): [string, string] => [name, String(value)]);
  return ids.sort(([a], [b]) => rank(a) - rank(b));
}

/** The region for a root field, or a BAD_USER_INPUT naming the field or the bad value. */
export function routeRootField(
  subgraph: SubgraphName,
  parentType: string,
  node: FieldNode,
  variables: Record<string, unknown>,
  registry: RegionRegistry,
): string {
  const field = `${parentType}.${node.name.value}`;
  const args = argumentValues(node, variables);
  const input = args.input as Args | undefined;
  if (typeof args.region === "string") return registry.require(args.region, "region").code;
  if (input && typeof input === "object" && typeof input.region === "string") return registry.require(input.region, "input.region").code;
  const ids = idCandidates(args);
  for (const [name, value] of ids) {
    // A malformed id is the caller's error, reported as such rather than "cannot route".
    if (!peekId(value)) decodeId(value, undefined, name);
  }
  const owned = ids.find(([, value]) => ownerOf(peekId(value)!.type) === subgraph) ?? ids[0];
  if (owned) return registry.require(peekId(owned[1])!.region, owned[0]).code;
  throw badInput(`${field} cannot be routed: it has no region, input.region or id argument; national views go through Query.regions`, {
    field,
  });
}

/** The region a representation belongs to: a Region by its code, anything else by its id. */
export function routeRepresentation(rep: unknown, registry: RegionRegistry): string {
  const r = (rep ?? {}) as { __typename?: string; code?: unknown; id?: unknown };
  if (r.__typename === "Region") return registry.require(r.code, "code").code;
  return registry.require(decodeId(r.id, undefined, "id").region, "id").code;
}
