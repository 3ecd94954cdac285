import type { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, Info, Int, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../kernel/context.js";
import { badInput } from "../../kernel/errors.js";
import { PageArgs, paginate, pageSize } from "../../kernel/pagination.js";
import { eventsOf, readsSignUps, toEvent, WITHOUT_SIGN_UPS, type EventDoc } from "../data/events.js";
import { Region } from "../types/entities.js";
import { EventKind, EventStatus } from "../types/enums.js";
import { Event, EventConnection } from "../types/event.js";
import type { Filter } from "mongodb";

@Resolver(() => Region)
export class RegionEventsResolver {
  @FieldResolver(() => EventConnection, { nullable: true, description: "Events overlapping [from, to], by start time." })
  async events(
    @Root() region: Region,
    @Arg("from", () => Date, { nullable: true }) from: Date | undefined,
    @Arg("to", () => Date, { nullable: true }) to: Date | undefined,
    @Arg("kind", () => EventKind, { nullable: true }) kind: EventKind | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<EventConnection> {
    if (from && to && to < from) throw badInput("to: must not be before from", { field: "to" });
    const filter: Filter<EventDoc> = {};
    if (from) filter.endsAt = { $gte: from };
    if (to) filter.startsAt = { $lte: to };
    if (kind) filter.kind = kind;
    return paginate(eventsOf(ctx.db), filter, [["startsAt", 1, "date"]], page, (d) => toEvent(d, region.code), {
      projection: readsSignUps(info, ["nodes"]) ? undefined : WITHOUT_SIGN_UPS,
    });
  }

  @FieldResolver(() => [Event], { nullable: true, description: "Scheduled events not started yet, soonest first." })
  async upcomingEvents(
    @Root() region: Region,
    @Arg("first", () => Int, { nullable: true, defaultValue: 10 }) first: number,
    @Ctx() ctx: SubgraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Event[]> {
    const docs = await ctx.reads.aggregate<EventDoc, EventDoc>(eventsOf(ctx.db), [
      { $match: { status: EventStatus.SCHEDULED, startsAt: { $gt: new Date() } } },
      { $sort: { startsAt: 1, _id: 1 } },
      { $limit: pageSize(first) },
      ...(readsSignUps(info) ? [] : [{ $project: WITHOUT_SIGN_UPS }]),
    ]);
    return docs.map((d) => toEvent(d, region.code));
  }
}
