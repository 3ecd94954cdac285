import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "../kernel/schema.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import { eventIndexes } from "./data/events.js";
import { eventReferences } from "./references.js";
import { EventResolver } from "./resolvers/event.js";
import { RegionEventsResolver } from "./resolvers/region.js";
import { VolunteerEventsResolver } from "./resolvers/volunteer.js";
import { OrganisationRef, Region, VolunteerRef } from "./types/entities.js";
import { ActivityInterval } from "./types/activity.js";
import { Event } from "./types/event.js";

export function buildEventsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [EventResolver, RegionEventsResolver, VolunteerEventsResolver],
      orphanedTypes: [ActivityInterval, Region, Event, VolunteerRef, OrganisationRef],
    },
    eventReferences,
  );
}

export async function eventsSubgraph(): Promise<SubgraphDefinition> {
  return { name: "events", schema: await buildEventsSchema(), indexes: eventIndexes };
}
