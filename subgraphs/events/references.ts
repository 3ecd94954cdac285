// How the gateway resolves events entities referenced from other subgraphs.
import { stubReference } from "../shared/entity-refs.js";
import { referenceResolver } from "../shared/references.js";
import { resolveRegionReference } from "../shared/region-entity.js";
import type { ReferenceResolvers } from "../shared/schema.js";
import { eventsOf, toEvent } from "./data/events.js";

export const eventReferences: ReferenceResolvers = {
  Event: { __resolveReference: referenceResolver("Event", (ctx) => eventsOf(ctx.db), (d, ctx) => toEvent(d, ctx.region.code)) },
  // Every region answers Volunteer.events/hoursServed for its own events, whatever the volunteer's region.
  Volunteer: { __resolveReference: stubReference("Volunteer", { anyRegion: true }) },
  Region: { __resolveReference: resolveRegionReference },
};
