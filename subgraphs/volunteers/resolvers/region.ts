import { Arg, Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { ownId, type SubgraphContext } from "../../kernel/context.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { optionalText } from "../../kernel/text.js";
import { Region } from "../types/region.js";
import { groupsOf, pageVolunteers, toGroup, volunteerStats } from "../data/volunteers.js";
import { VolunteerFilter } from "../types/inputs.js";
import { VolunteerConnection, VolunteerGroupConnection, VolunteerStats } from "../types/volunteer.js";

@Resolver(() => Region)
export class RegionVolunteersResolver {
  @FieldResolver(() => VolunteerConnection, { nullable: true, description: "The region's volunteers by name; filters combine with AND." })
  async volunteers(
    @Root() region: Region,
    @Arg("filter", () => VolunteerFilter, { nullable: true }) filter: VolunteerFilter | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
  ): Promise<VolunteerConnection> {
    ctx.access.forbidVolunteer("Region.volunteers");
    const groupId = filter?.groupId ? ownId(ctx, filter.groupId, "VolunteerGroup", "filter.groupId").objectId : undefined;
    // Search text becomes a (literal) regular expression: bounded and clean like any other input.
    const search = optionalText(filter?.search, "filter.search", 100) ?? undefined;
    return pageVolunteers(ctx.db, region.code, { ...filter, groupId, search }, page);
  }

  @FieldResolver(() => VolunteerStats, { nullable: true })
  async volunteerStats(@Ctx() ctx: SubgraphContext): Promise<VolunteerStats> {
    ctx.access.forbidVolunteer("Region.volunteerStats");
    return volunteerStats(ctx.db, ctx.reads);
  }

  @FieldResolver(() => VolunteerGroupConnection, { nullable: true })
  async volunteerGroups(@Root() region: Region, @Args() page: PageArgs, @Ctx() ctx: SubgraphContext): Promise<VolunteerGroupConnection> {
    ctx.access.forbidVolunteer("Region.volunteerGroups");
    return paginate(groupsOf(ctx.db), {}, [["nameKey", 1, "string"]], page, (d) => toGroup(d, region.code));
  }
}
