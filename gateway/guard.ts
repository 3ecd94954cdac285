// The gateway's checks between parsing and planning, so nothing reaches a region first:
// anonymous callers may only read regions { code name status }, and every operation
// must stay within the depth, alias and cost limits.
import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError, Kind, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, TypeInfo, visitWithTypeInfo, type GraphQLSchema } from "graphql";
import type { GatewayContext } from "./context.js";
import { exceeded, measureOperation, type QueryLimits } from "./limits.js";

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

/** The first field of the operation an anonymous caller may not read, if any. */
function forbiddenToAnonymous(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): string | undefined {
  const typeInfo = new TypeInfo(schema);
  let found: string | undefined;
  const used = new Set<string>();
  visit(operation, { FragmentSpread: (s) => void used.add(s.name.value) });
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  for (const node of [operation, ...fragments.filter((f) => used.has(f.name.value))]) {
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field(field) {
          if (found || field.name.value.startsWith("__")) return;
          const parent = typeInfo.getParentType()?.name;
          const name = `${parent}.${field.name.value}`;
          if (!ANONYMOUS_FIELDS.has(name)) found = name;
        },
      }),
    );
  }
  return found;
}

export function guardPlugin(options: { limits: QueryLimits; regions: () => number }): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue, schema }) {
          if (!operation) return;
          if (!contextValue.caller) {
            const field = forbiddenToAnonymous(schema, document, operation);
            if (field) {
              throw new GraphQLError(`${field} needs authentication: send 'Authorization: Bearer <token>'; anonymous callers may read regions { code name status }`, {
                extensions: { code: "UNAUTHENTICATED", field, http: { status: 401 } },
              });
            }
          }
          const measure = measureOperation(schema, document, operation, request.variables ?? {}, {
            regions: options.regions(),
            defaultListSize: options.limits.defaultListSize,
          });
          const over = exceeded(measure, options.limits);
          if (over) throw new GraphQLError(over.message, { extensions: { code: "BAD_USER_INPUT", limit: over.limit, ...measure, http: { status: 400 } } });
        },
      };
    },
  };
}
