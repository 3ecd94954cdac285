// Entities owned by one subgraph that others reference or extend by key: in those others
// they are just their `id`, and each adds its own fields through field resolvers.
import { Directive, Field, ID, ObjectType } from "type-graphql";
import { ownId, type SubgraphContext } from "./context.js";
import { answersEveryRegion } from "../manifest.js";
import { decodeId, type EntityType } from "./ids.js";

export interface EntityRef {
  id: string;
}

/** A fresh stub class per subgraph (see defineRegionEntity for why they are not shared). */
export function defineEntityRef(name: EntityType, description: string) {
  @Directive('@key(fields: "id")')
  @ObjectType(name, { description })
  class Ref implements EntityRef {
    @Field(() => ID)
    id!: string;
  }
  return Ref;
}

/**
 * A reference to an entity this subgraph only extends: valid when it is of this region, or
 * of any registered region where the manifest says the subgraph answers it everywhere.
 */
export function stubReference(type: EntityType) {
  // eslint-disable-next-line @typescript-eslint/require-await -- async so that a refused id rejects, failing only its own slot of _entities, not the whole list (see references.ts)
  return async (ref: { id: string }, ctx: SubgraphContext): Promise<EntityRef> => {
    if (answersEveryRegion(ctx.subgraph, type)) ctx.registry.require(decodeId(ref.id, type).region, "id");
    else ownId(ctx, ref.id, type);
    return { id: ref.id };
  };
}
