import type { GraphQLSchema } from "graphql";
import { Region } from "./types/region.js";
import { buildFederatedSchema } from "../kernel/schema.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import { organisationIndexes } from "./data/organisations.js";
import { volunteerIndexes } from "./data/volunteers.js";
import { OrganisationResolver, RegionOrganisationsResolver } from "./resolvers/organisation.js";
import { Organisation } from "./types/organisation.js";
import { volunteerReferences } from "./references.js";
import { VolunteerGroupResolver } from "./resolvers/group.js";
import { RegionVolunteersResolver } from "./resolvers/region.js";
import { VolunteerResolver } from "./resolvers/volunteer.js";
import { Volunteer, VolunteerGroup } from "./types/volunteer.js";

export function buildVolunteersSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [VolunteerResolver, VolunteerGroupResolver, RegionVolunteersResolver, OrganisationResolver, RegionOrganisationsResolver],
      orphanedTypes: [Region, Volunteer, VolunteerGroup, Organisation],
    },
    volunteerReferences,
  );
}

export async function volunteersSubgraph(): Promise<SubgraphDefinition> {
  return { name: "volunteers", schema: await buildVolunteersSchema(), indexes: { ...volunteerIndexes, ...organisationIndexes } };
}
