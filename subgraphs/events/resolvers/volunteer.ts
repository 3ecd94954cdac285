import { Arg, Ctx, FieldResolver, Float, Int, Resolver, Root } from "type-graphql";
import { DEFAULT_PAGE, MAX_PAGE, pageSize } from "../../kernel/pagination.js";
import type { SubgraphContext } from "../../kernel/context.js";
import { eventsOfVolunteers, hoursOfVolunteers, toEvent } from "../data/events.js";
import { VolunteerRef } from "../types/entities.js";
import { Event } from "../types/event.js";

// Each region answers for its own events; the gateway asks every region and merges
// (lists concatenated, hours summed), since volunteers sign up wherever help is needed.
// A national query asks this of many volunteers at once: one query per request, not per volunteer.
@Resolver(() => VolunteerRef)
export class VolunteerEventsResolver {
  @FieldResolver(() => [Event], {
    nullable: true,
    description: `Events the volunteer signed up for, in every region, by start time: the first \`first\` (1 to ${MAX_PAGE}) in each region.`,
  })
  async events(
    @Root() volunteer: VolunteerRef,
    @Arg("first", () => Int, { defaultValue: DEFAULT_PAGE }) first: number,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Event[]> {
    ctx.access.requireSelfIfVolunteer(volunteer.id, "event sign-ups");
    const size = pageSize(first);
    const loader = ctx.loaders.get<string, Awaited<ReturnType<typeof eventsOfVolunteers>>[number]>("eventsOfVolunteers", (ids) =>
      eventsOfVolunteers(ctx.db, ids, MAX_PAGE),
    );
    return (await loader.load(volunteer.id)).slice(0, size).map((d) => toEvent(d, ctx.region.code));
  }

  @FieldResolver(() => Float, { nullable: true, description: "Hours recorded at events of every region that were not cancelled." })
  async hoursServed(@Root() volunteer: VolunteerRef, @Ctx() ctx: SubgraphContext): Promise<number> {
    ctx.access.requireSelfIfVolunteer(volunteer.id, "hours");
    return ctx.loaders.get<string, number>("hoursOfVolunteers", (ids) => hoursOfVolunteers(ctx.db, ids)).load(volunteer.id);
  }
}
