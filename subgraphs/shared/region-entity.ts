// `Region` as every regional subgraph sees it: an entity keyed by `code` to which each
// subgraph contributes its own fields (through field resolvers of its own).
import { Directive, Field, ObjectType } from "type-graphql";
import { ownRegion, type SubgraphContext } from "./context.js";

@Directive('@key(fields: "code")')
@ObjectType({ description: "A region (ISO 3166-2 code); every subgraph adds its own fields." })
export class Region {
  @Field(() => String, { description: "ISO 3166-2 code, e.g. KZ-75." })
  code!: string;
}

export function regionRef(code: string): Region {
  return { code };
}

/** Region references resolve only on the instance that serves that region. */
export async function resolveRegionReference(ref: { code: string }, ctx: SubgraphContext): Promise<Region> {
  return regionRef(ownRegion(ctx, ref.code, "code").code);
}
