// The gateway's checks on every GraphQL request, before Apollo validates, plans or sends
// anything to a region: the document's size limits, then anonymous callers (who may only
// read regions { code name status }), then depth, aliases and cost. Each step is linear in
// the document's size, so refusing never costs more than the request is worth.
import {
  GraphQLError,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import type { Caller } from "../subgraphs/kernel/auth.js";
import { DocumentCache, type BoundedDocument, type GraphQLParams, type QueryLimits } from "../subgraphs/kernel/limits.js";

/** What anonymous callers may see: the registry's names and the regions' health. */
const ANONYMOUS_FIELDS = new Set([
  "Query.regions",
  "Query.region",
  "Region.code",
  "Region.name",
  "Region.status",
  "RegionStatus.healthy",
  "RegionStatus.subgraphs",
  "SubgraphStatus.name",
  "SubgraphStatus.healthy",
  "SubgraphStatus.latencyMs",
  "SubgraphStatus.checkedAt",
  "SubgraphStatus.error",
]);

/** The operation and every fragment it reaches, however deeply spread; each visited once. */
function reachable(bounded: BoundedDocument, operation: OperationDefinitionNode): Array<OperationDefinitionNode | FragmentDefinitionNode> {
  const nodes: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  const seen = new Set<string>();
  for (let i = 0; i < nodes.length; i++) {
    visit(nodes[i], {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = bounded.fragments.get(name);
        if (fragment && !seen.has(name)) {
          seen.add(name);
          nodes.push(fragment);
        }
      },
    });
  }
  return nodes;
}

/** The first field of the operation an anonymous caller may not read, if any. */
function forbiddenToAnonymous(schema: GraphQLSchema, bounded: BoundedDocument, operation: OperationDefinitionNode): string | undefined {
  const typeInfo = new TypeInfo(schema);
  let found: string | undefined;
  for (const node of reachable(bounded, operation)) {
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field(field) {
          if (found || field.name.value.startsWith("__")) return;
          const name = `${typeInfo.getParentType()?.name}.${field.name.value}`;
          if (!ANONYMOUS_FIELDS.has(name)) found = name;
        },
      }),
    );
    if (found) return found;
  }
  return undefined;
}

export interface RequestGuard {
  /** Why the request is refused (an error carrying its HTTP status), or undefined. */
  check(params: GraphQLParams | undefined, caller: Caller | null): GraphQLError | undefined;
}

export function gatewayGuard(options: {
  schema: () => GraphQLSchema | undefined;
  limits: QueryLimits;
  regions: () => number;
  /** Fields every region answers (see router/broadcast.ts): they cost once per region. */
  perRegion: () => ReadonlySet<string> | undefined;
  /** What fields cost behind them (national aggregates: see regions/national.ts). */
  behind: () => ReadonlyMap<string, number> | undefined;
}): RequestGuard {
  const documents = new DocumentCache(options.limits);
  return {
    check(params, caller) {
      const schema = options.schema();
      if (!schema) return undefined;
      // Anonymous callers are refused before any cost is measured.
      const anonymous = (bounded: BoundedDocument, operation: OperationDefinitionNode) => {
        const field = caller ? undefined : forbiddenToAnonymous(schema, bounded, operation);
        if (!field) return undefined;
        return new GraphQLError(
          `${field} needs authentication: send 'Authorization: Bearer <token>'; anonymous callers may read regions { code name status }`,
          { extensions: { code: "UNAUTHENTICATED", field, http: { status: 401 } } },
        );
      };
      const checked = documents.check(
        schema,
        params,
        { regions: options.regions(), perRegion: options.perRegion(), behind: options.behind() },
        anonymous,
      );
      return checked instanceof GraphQLError ? checked : undefined;
    },
  };
}
