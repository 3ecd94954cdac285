// The gateway's own subgraph: the region registry and health, served in-process.
import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "../../subgraphs/kernel/schema.js";
import type { GatewayContext } from "../context.js";
import { RegionsResolver, toRegion } from "./resolvers.js";
import { Region } from "./types.js";

export const REGIONS_SUBGRAPH = "regions";

export function buildRegionsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema<GatewayContext>(
    { resolvers: [RegionsResolver], orphanedTypes: [Region] },
    {
      Region: {
        // eslint-disable-next-line @typescript-eslint/require-await -- async so that an unknown code rejects, failing only its own slot of _entities (see subgraphs/kernel/references.ts)
        __resolveReference: async (ref: { code: string }, ctx: GatewayContext) => toRegion(ctx.registry.require(ref.code, "code")),
      },
    },
  );
}
