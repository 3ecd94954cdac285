// Limits checked before any planning or fan-out: depth, aliases and an estimated cost in
// which lists multiply what they contain (by `first`, literal or variable; `regions` by
// the number of regions). A national query reaches every region, so an expensive one is
// refused before a single subgraph is called.
import {
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Assumed length of lists without a `first` argument. */
  defaultListSize: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30, maxCost: 50_000, defaultListSize: 20 };

export interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

/** A `…Connection` type: its `nodes` list is as long as the field's `first`. */
function isConnection(type: GraphQLOutputType): boolean {
  const named = getNamedType(type);
  return isObjectType(named) && "nodes" in named.getFields() && "pageInfo" in named.getFields();
}

export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  options: { regions: number; defaultListSize: number },
): Measure {
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );

  const listSize = (node: FieldNode): number => {
    if (node.name.value === "regions") return options.regions;
    const first = node.arguments?.find((a) => a.name.value === "first");
    const value = first ? valueFromASTUntyped(first.value, variables) : undefined;
    return typeof value === "number" && value > 0 ? value : options.defaultListSize;
  };

  function selections(set: SelectionSetNode, parentType: string, seen: ReadonlySet<string>): Measure {
    const total: Measure = { depth: 0, aliases: 0, cost: 0 };
    for (const selection of set.selections) {
      let m: Measure;
      if (selection.kind === Kind.FIELD) {
        m = field(selection, parentType, seen);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        m = selections(selection.selectionSet, selection.typeCondition?.name.value ?? parentType, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) continue;
        m = selections(fragment.selectionSet, fragment.typeCondition.name.value, new Set([...seen, fragment.name.value]));
      }
      total.depth = Math.max(total.depth, m.depth);
      total.aliases += m.aliases;
      total.cost += m.cost;
    }
    return total;
  }

  function field(node: FieldNode, parentType: string, seen: ReadonlySet<string>): Measure {
    const aliases = node.alias ? 1 : 0;
    if (node.name.value.startsWith("__")) return { depth: 0, aliases, cost: 0 };
    const parent = schema.getType(parentType);
    const def = isObjectType(parent) ? parent.getFields()[node.name.value] : undefined;
    if (!node.selectionSet || !def) return { depth: 1, aliases, cost: 1 };
    const inner = selections(node.selectionSet, getNamedType(def.type).name, seen);
    const multiplier = isList(def.type) || isConnection(def.type) ? listSize(node) : 1;
    return { depth: inner.depth + 1, aliases: aliases + inner.aliases, cost: 1 + multiplier * inner.cost };
  }

  const root = operation.operation === "mutation" ? "Mutation" : operation.operation === "subscription" ? "Subscription" : "Query";
  return selections(operation.selectionSet, root, new Set());
}

/** The first limit a measure exceeds, as a message naming it. */
export function exceeded(m: Measure, limits: QueryLimits): { limit: string; message: string } | undefined {
  if (m.depth > limits.maxDepth) return { limit: "depth", message: `query depth ${m.depth} exceeds the limit of ${limits.maxDepth}` };
  if (m.aliases > limits.maxAliases) return { limit: "aliases", message: `${m.aliases} aliases exceed the limit of ${limits.maxAliases}` };
  if (m.cost > limits.maxCost) {
    return { limit: "cost", message: `estimated cost ${m.cost} exceeds the limit of ${limits.maxCost}; ask for fewer items (first) or fewer fields` };
  }
  return undefined;
}
