// `Region` as every regional subgraph sees it: an entity keyed by `code` to which each
// subgraph contributes its own fields through its field resolvers.
import { Directive, Field, ObjectType } from "type-graphql";
import { ownRegion, type SubgraphContext } from "./context.js";

/** The graph shape of a region reference; its fields come from each subgraph's resolvers. */
export interface Region {
  code: string;
}

/**
 * A fresh `Region` class for one subgraph. type-graphql attaches a field resolver's field
 * to the class itself, so a class shared by several subgraphs would carry all their fields.
 */
export function defineRegionEntity() {
  @Directive('@key(fields: "code")')
  @ObjectType("Region", { description: "A region (ISO 3166-2 code); every subgraph adds its own fields." })
  class RegionEntity implements Region {
    @Field(() => String, { description: "ISO 3166-2 code, e.g. KZ-75." })
    code!: string;
  }
  return RegionEntity;
}

export function regionRef(code: string): Region {
  return { code };
}

/** Region references resolve only on the instance that serves that region. */
// eslint-disable-next-line @typescript-eslint/require-await -- async so that a refusal rejects, failing only its own slot of _entities, not the whole list (see references.ts)
export async function resolveRegionReference(ref: { code: string }, ctx: SubgraphContext): Promise<Region> {
  return regionRef(ownRegion(ctx, ref.code, "code").code);
}
