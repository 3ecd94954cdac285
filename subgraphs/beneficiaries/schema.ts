import type { GraphQLSchema } from "graphql";
import { VolunteerRef } from "./types/entities.js";
import { Region } from "./types/entities.js";
import { buildFederatedSchema } from "../kernel/schema.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import { beneficiaryIndexes } from "./data/beneficiaries.js";
import { answerDuplicateCheck, answerWithdrawal, DUPLICATE_CHECK, DUPLICATE_WITHDRAWN, duplicateIndexes } from "./data/duplicates.js";
import { helpRequestIndexes } from "./data/help-requests.js";
import { beneficiaryReferences } from "./references.js";
import { BeneficiaryResolver } from "./resolvers/beneficiary.js";
import { HelpRequestResolver } from "./resolvers/help-request.js";
import { RegionBeneficiariesResolver } from "./resolvers/region.js";
import { VolunteerHelpRequestsResolver } from "./resolvers/volunteer.js";
import { ActivityInterval } from "./types/activity.js";
import { Beneficiary } from "./types/beneficiary.js";
import { HelpRequest } from "./types/help-request.js";

export function buildBeneficiariesSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [BeneficiaryResolver, HelpRequestResolver, RegionBeneficiariesResolver, VolunteerHelpRequestsResolver],
      orphanedTypes: [ActivityInterval, Region, Beneficiary, HelpRequest, VolunteerRef],
    },
    beneficiaryReferences,
  );
}

export async function beneficiariesSubgraph(): Promise<SubgraphDefinition> {
  return {
    name: "beneficiaries",
    schema: await buildBeneficiariesSchema(),
    indexes: { ...beneficiaryIndexes, ...helpRequestIndexes, ...duplicateIndexes },
    messages: { receive: { [DUPLICATE_CHECK]: answerDuplicateCheck, [DUPLICATE_WITHDRAWN]: answerWithdrawal }, replies: {} },
  };
}
