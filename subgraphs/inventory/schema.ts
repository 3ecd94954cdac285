import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "../kernel/schema.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import { entitlementIndexes } from "./data/entitlements.js";
import { countPastDistributions, ledgerIndexes, recoverOperations } from "./data/ledger.js";
import { recoverTransfers, rekeyLegacyIncoming, transferIndexes, transferMessages } from "./data/transfers.js";
import { warehouseIndexes } from "./data/warehouses.js";
import { inventoryReferences } from "./references.js";
import { BeneficiaryDistributionsResolver } from "./resolvers/beneficiary.js";
import { EntitlementRuleResolver } from "./resolvers/entitlements.js";
import { DistributionResolver, DonationResolver } from "./resolvers/operations.js";
import { RegionInventoryResolver } from "./resolvers/region.js";
import { RegionTransfersResolver, TransferResolver } from "./resolvers/transfers.js";
import { WarehouseResolver } from "./resolvers/warehouse.js";
import { ActivityInterval } from "./types/activity.js";
import { BeneficiaryRef, OrganisationRef, Region, VolunteerRef } from "./types/entities.js";
import { Entitlement, EntitlementRule } from "./types/entitlement.js";
import { Transfer } from "./types/transfer.js";
import { Distribution, Donation, Warehouse } from "./types/warehouse.js";

export function buildInventorySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [
        WarehouseResolver,
        DonationResolver,
        DistributionResolver,
        TransferResolver,
        RegionInventoryResolver,
        RegionTransfersResolver,
        BeneficiaryDistributionsResolver,
        EntitlementRuleResolver,
      ],
      orphanedTypes: [
        ActivityInterval,
        Region,
        Warehouse,
        Donation,
        Distribution,
        Transfer,
        BeneficiaryRef,
        VolunteerRef,
        OrganisationRef,
        EntitlementRule,
        Entitlement,
      ],
    },
    inventoryReferences,
  );
}

export async function inventorySubgraph(): Promise<SubgraphDefinition> {
  return {
    name: "inventory",
    schema: await buildInventorySchema(),
    indexes: { ...warehouseIndexes, ...ledgerIndexes, ...transferIndexes, ...entitlementIndexes },
    onRegionStart: async (ctx) => {
      await rekeyLegacyIncoming(ctx);
      await countPastDistributions(ctx.db, new Date());
    },
    // Operations a replica that died or stalled left half-done are finished or rolled back;
    // then the transfer steps that depend on them.
    recover: async (ctx) => {
      await recoverOperations(ctx.db, ctx.lease, ctx.log);
      await recoverTransfers(ctx);
    },
    messages: transferMessages,
  };
}
