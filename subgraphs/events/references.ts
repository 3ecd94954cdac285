// How the gateway resolves events entities referenced from other subgraphs.
import { stubReference } from "../kernel/entity-refs.js";
import { referenceResolver } from "../kernel/references.js";
import { resolveRegionReference } from "../kernel/region-entity.js";
import type { ReferenceResolvers } from "../kernel/schema.js";
import { eventsOf, toEvent } from "./data/events.js";

export const eventReferences: ReferenceResolvers = {
  Event: {
    __resolveReference: referenceResolver(
      "Event",
      (ctx) => eventsOf(ctx.db),
      (d, ctx) => toEvent(d, ctx.region.code),
    ),
  },
  // Every region answers Volunteer.events/hoursServed for its own events, whatever the volunteer's region.
  Volunteer: { __resolveReference: stubReference("Volunteer") },
  Region: { __resolveReference: resolveRegionReference },
};
