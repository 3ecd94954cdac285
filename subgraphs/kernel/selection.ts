// What a query asks of a field's value, so a read can leave out what nobody asked for (an
// event's sign-ups: hundreds of subdocuments each, where a list of events shows titles).
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/**
 * Whether the selection under the resolving field, `path` deeper (e.g. ["nodes"] for a
 * connection's items), names any of `fields`, through fragments and inline fragments alike.
 */
export function selectsAny(info: GraphQLResolveInfo, fields: readonly string[], path: readonly string[] = []): boolean {
  const visit = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): boolean =>
    (set?.selections ?? []).some((selection) => {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (depth === path.length) return fields.includes(name);
        return name === path[depth] && visit(selection.selectionSet, depth + 1, seen);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet, depth, seen);
      const name = selection.name.value;
      // A fragment spread twice at one level is read once (validation has ruled out cycles).
      if (seen.has(`${depth}:${name}`)) return false;
      seen.add(`${depth}:${name}`);
      return visit(info.fragments[name]?.selectionSet, depth, seen);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet, 0, new Set()));
}
