// How the gateway resolves beneficiaries entities referenced from other subgraphs.
import { activityReference } from "../kernel/activity.js";
import { stubReference } from "../kernel/entity-refs.js";
import { referenceResolver } from "../kernel/references.js";
import { resolveRegionReference } from "../kernel/region-entity.js";
import type { ReferenceResolvers } from "../kernel/schema.js";
import { helpRequestActivity } from "./data/activity.js";
import { beneficiariesOf, toBeneficiary } from "./data/beneficiaries.js";
import { helpRequestsOf, toHelpRequest } from "./data/help-requests.js";

export const beneficiaryReferences: ReferenceResolvers = {
  Beneficiary: {
    __resolveReference: referenceResolver(
      "Beneficiary",
      (ctx) => beneficiariesOf(ctx.db),
      (d, ctx) => toBeneficiary(d, ctx.region.code),
    ),
  },
  HelpRequest: {
    __resolveReference: referenceResolver(
      "HelpRequest",
      (ctx) => helpRequestsOf(ctx.db),
      (d, ctx) => toHelpRequest(d, ctx.region.code),
    ),
  },
  ActivityInterval: { __resolveReference: activityReference(helpRequestActivity) },
  Volunteer: { __resolveReference: stubReference("Volunteer") },
  Region: { __resolveReference: resolveRegionReference },
};
