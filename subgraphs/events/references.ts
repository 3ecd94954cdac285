// How the gateway resolves events entities referenced from other subgraphs.
import { activityReference } from "../kernel/activity.js";
import { stubReference } from "../kernel/entity-refs.js";
import { referenceResolver } from "../kernel/references.js";
import { resolveRegionReference } from "../kernel/region-entity.js";
import type { ReferenceResolvers } from "../kernel/schema.js";
import { eventActivity } from "./data/activity.js";
import { eventsOf, toEvent } from "./data/events.js";

export const eventReferences: ReferenceResolvers = {
  Event: {
    __resolveReference: referenceResolver(
      "Event",
      (ctx) => eventsOf(ctx.db),
      (d, ctx) => toEvent(d, ctx.region.code),
    ),
  },
  ActivityInterval: { __resolveReference: activityReference(eventActivity) },
  // Every region answers Volunteer.events/hoursServed for its own events, whatever the volunteer's region.
  Volunteer: { __resolveReference: stubReference("Volunteer") },
  Organisation: { __resolveReference: stubReference("Organisation") },
  Region: { __resolveReference: resolveRegionReference },
};
