import { Arg, Ctx, FieldResolver, Query, Resolver, Root } from "type-graphql";
import type { RegionInfo } from "../../subgraphs/kernel/regions.js";
import type { GatewayContext } from "../context.js";
import { nationalStock } from "./national.js";
import { nationalDuplicates } from "./duplicates.js";
import { DuplicatePair, Language, NationalStock, Region, RegionKind, RegionStatus } from "./types.js";

export function toRegion(info: RegionInfo): Region {
  return { code: info.code, names: info.name, kind: info.kind as RegionKind };
}

@Resolver(() => Region)
export class RegionsResolver {
  @Query(() => [Region], { description: "Every region of the registry: the entry point of national views." })
  regions(@Ctx() ctx: GatewayContext): Region[] {
    return ctx.registry.regions.map(toRegion);
  }

  @Query(() => NationalStock, {
    nullable: true,
    description:
      "The country's stock, each transfer between regions counted once from both sides' records (coordinators and staff; asks every region).",
  })
  nationalStock(@Ctx() ctx: GatewayContext): Promise<NationalStock> {
    return nationalStock(ctx);
  }

  @Query(() => [DuplicatePair], {
    nullable: true,
    description:
      "Per pair of regions, how many households may be enrolled in both (by national match token): counts only, for coordinators; asks every region, and names in `extensions.notices` (REGION_UNAVAILABLE) any that did not answer.",
  })
  nationalDuplicates(@Ctx() ctx: GatewayContext): Promise<DuplicatePair[]> {
    return nationalDuplicates(ctx);
  }

  @Query(() => Region, { nullable: true, description: "One region; an unknown code is BAD_USER_INPUT." })
  region(@Arg("code", () => String) code: string, @Ctx() ctx: GatewayContext): Region {
    return toRegion(ctx.registry.require(code, "code"));
  }

  @FieldResolver(() => String)
  name(@Root() region: Region, @Arg("lang", () => Language, { defaultValue: Language.EN }) lang: Language): string {
    return region.names[lang.toLowerCase() as "kk" | "ru" | "en"];
  }

  @FieldResolver(() => RegionStatus, { description: "From the gateway's periodic health probes." })
  status(@Root() region: Region, @Ctx() ctx: GatewayContext): RegionStatus {
    return ctx.health.region(ctx.registry.require(region.code));
  }
}
