// What a subgraph fetch asks for, worked out once per fetch text and cached: an
// `_entities` fetch (with the name of its representations variable) or a list of root
// fields (with their arguments' AST, evaluated against each request's variables).
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
} from "graphql";
import { fragmentsOf, operationOf } from "../../subgraphs/kernel/limits.js";

export interface RootField {
  responseKey: string;
  name: string;
  node: FieldNode;
}

export type FetchPlan =
  | { kind: "entities"; document: DocumentNode; representationsVariable: string; responseKey: string }
  | { kind: "root"; document: DocumentNode; operation: OperationDefinitionNode; fields: RootField[] };

/** Root fields of the operation, expanding inline fragments and fragment spreads at the root. */
function rootFields(selections: readonly SelectionNode[], fragments: Map<string, FragmentDefinitionNode>): RootField[] {
  return selections.flatMap((s): RootField[] => {
    if (s.kind === Kind.FIELD) return [{ responseKey: s.alias?.value ?? s.name.value, name: s.name.value, node: s }];
    if (s.kind === Kind.INLINE_FRAGMENT) return rootFields(s.selectionSet.selections, fragments);
    const fragment = fragments.get(s.name.value);
    return fragment ? rootFields(fragment.selectionSet.selections, fragments) : [];
  });
}

export function analyse(query: string): FetchPlan {
  const document = parse(query);
  const operation = operationOf(document, undefined);
  if (!operation) throw new Error("a subgraph fetch must have exactly one operation");
  const fragments = fragmentsOf(document);
  const fields = rootFields(operation.selectionSet.selections, fragments);
  const entities = fields.find((f) => f.name === "_entities");
  if (entities) {
    const arg = entities.node.arguments?.find((a) => a.name.value === "representations");
    if (fields.length !== 1 || arg?.value.kind !== Kind.VARIABLE) throw new Error("unexpected _entities fetch shape");
    return { kind: "entities", document, representationsVariable: arg.value.name.value, responseKey: entities.responseKey };
  }
  return { kind: "root", document, operation, fields };
}

/**
 * The fetch reduced to some of its root fields, with the fragments and variables they
 * no longer use removed (subgraphs reject unused ones).
 */
export function restrictToFields(plan: Extract<FetchPlan, { kind: "root" }>, keep: Set<string>): string {
  const operation: OperationDefinitionNode = {
    ...plan.operation,
    selectionSet: {
      ...plan.operation.selectionSet,
      selections: plan.operation.selectionSet.selections.filter((s) => s.kind !== Kind.FIELD || keep.has(s.alias?.value ?? s.name.value)),
    },
  };
  const fragments = fragmentsOf(plan.document);
  const usedFragments = new Set<string>();
  const usedVariables = new Set<string>();
  const collect = (node: OperationDefinitionNode["selectionSet"] | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        if (usedFragments.has(spread.name.value)) return;
        usedFragments.add(spread.name.value);
        const fragment = fragments.get(spread.name.value);
        if (fragment) collect(fragment);
      },
      Variable(variable) {
        usedVariables.add(variable.name.value);
      },
    });
  collect(operation.selectionSet);
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      { ...operation, variableDefinitions: operation.variableDefinitions?.filter((v) => usedVariables.has(v.variable.name.value)) },
      ...[...fragments.values()].filter((f) => usedFragments.has(f.name.value)),
    ],
  };
  return print(document);
}
