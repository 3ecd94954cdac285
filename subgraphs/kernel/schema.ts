// The one helper that turns type-graphql resolvers into a Federation 2 subgraph schema:
// type-graphql builds the types (entities passed as orphaned types), the printed SDL
// (with @key and friends) gets the federation @link, and reference resolvers are merged.
import "reflect-metadata";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap, type BuildSchemaOptions } from "type-graphql";
import { Loaders, perRequestKey, type SubgraphContext } from "./context.js";
import { applyReadRules, wrapFields } from "./visibility.js";

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])';

export type ReferenceResolvers<C = SubgraphContext> = Record<
  string,
  { __resolveReference: (reference: never, context: C) => Promise<unknown> }
>;

export async function buildFederatedSchema<C = SubgraphContext>(
  options: Omit<BuildSchemaOptions, "skipCheck" | "validate">,
  referenceResolvers: ReferenceResolvers<C> = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    ...options,
    // federation directives are defined by buildSubgraphSchema below
    skipCheck: true,
    validate: { forbidUnknownValues: false, stopAtFirstError: false },
  });
  const typeDefs = parse(`${FEDERATION_LINK}\n\n${printSchemaWithDirectives(schema)}`);
  // buildSubgraphSchema itself attaches `__resolveReference` where `_entities` looks for it.
  const resolvers: Record<string, object> = { ...createResolversMap(schema) };
  for (const [type, reference] of Object.entries(referenceResolvers)) {
    resolvers[type] = { ...(resolvers[type] ?? {}), ...reference };
  }
  const subgraph = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
  applyReadRules(schema, subgraph);
  memoizeRegionFields(subgraph);
  return subgraph;
}

/**
 * A region's fields (statistics, stock, lists) are the same for every reference to that
 * region in one request, and each is a database query: computed once per request, however
 * many representations of the region an `_entities` call carries.
 */
function memoizeRegionFields(schema: GraphQLSchema): void {
  wrapFields<{ loaders?: Loaders }>(
    schema,
    "Region",
    (resolve, field) => (root, args, ctx, info) => {
      if (!(ctx?.loaders instanceof Loaders)) return resolve(root, args, ctx, info);
      return ctx.loaders.once(perRequestKey("Region", field, (root as { code?: string }).code, args), () => resolve(root, args, ctx, info));
    },
    ["code"],
  );
}
