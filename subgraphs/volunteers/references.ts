// How the gateway resolves volunteers entities referenced from other subgraphs.
import { referenceResolver } from "../kernel/references.js";
import { resolveRegionReference } from "../kernel/region-entity.js";
import type { ReferenceResolvers } from "../kernel/schema.js";
import { organisationsOf, toOrganisation } from "./data/organisations.js";
import { groupsOf, toGroup, toVolunteer, volunteersOf } from "./data/volunteers.js";

export const volunteerReferences: ReferenceResolvers = {
  Volunteer: {
    __resolveReference: referenceResolver(
      "Volunteer",
      (ctx) => volunteersOf(ctx.db),
      (d, ctx) => toVolunteer(d, ctx.region.code),
    ),
  },
  VolunteerGroup: {
    __resolveReference: referenceResolver(
      "VolunteerGroup",
      (ctx) => groupsOf(ctx.db),
      (d, ctx) => toGroup(d, ctx.region.code),
    ),
  },
  Organisation: {
    __resolveReference: referenceResolver(
      "Organisation",
      (ctx) => organisationsOf(ctx.db),
      (d, ctx) => toOrganisation(d, ctx.region.code),
    ),
  },
  Region: { __resolveReference: resolveRegionReference },
};
