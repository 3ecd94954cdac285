import { Ctx, FieldResolver, Float, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../shared/context.js";
import { eventsOf, hoursServed, toEvent } from "../data/events.js";
import { VolunteerRef } from "../types/entities.js";
import { Event } from "../types/event.js";

// Each region answers for its own events; the gateway asks every region and merges
// (lists concatenated, hours summed), since volunteers sign up wherever help is needed.
@Resolver(() => VolunteerRef)
export class VolunteerEventsResolver {
  @FieldResolver(() => [Event], { nullable: true, description: "Events the volunteer signed up for, in every region, by start time." })
  async events(@Root() volunteer: VolunteerRef, @Ctx() ctx: SubgraphContext): Promise<Event[]> {
    ctx.access.requireSelfIfVolunteer(volunteer.id, "event sign-ups");
    const docs = await eventsOf(ctx.db).find({ "participants.volunteerId": volunteer.id }).sort({ startsAt: 1, _id: 1 }).limit(100).toArray();
    return docs.map((d) => toEvent(d, ctx.region.code));
  }

  @FieldResolver(() => Float, { nullable: true, description: "Hours recorded at events of every region that were not cancelled." })
  async hoursServed(@Root() volunteer: VolunteerRef, @Ctx() ctx: SubgraphContext): Promise<number> {
    ctx.access.requireSelfIfVolunteer(volunteer.id, "hours");
    return hoursServed(ctx.db, volunteer.id);
  }
}
