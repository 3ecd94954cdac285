import type { GraphQLSchema } from "graphql";
import { buildFederatedSchema } from "../shared/schema.js";
import type { SubgraphDefinition } from "../shared/server.js";
import { ledgerIndexes, recoverOperations } from "./data/ledger.js";
import { warehouseIndexes } from "./data/warehouses.js";
import { inventoryReferences } from "./references.js";
import { BeneficiaryDistributionsResolver } from "./resolvers/beneficiary.js";
import { DistributionResolver, DonationResolver } from "./resolvers/operations.js";
import { RegionInventoryResolver } from "./resolvers/region.js";
import { WarehouseResolver } from "./resolvers/warehouse.js";
import { BeneficiaryRef, Region, VolunteerRef } from "./types/entities.js";
import { Distribution, Donation, Warehouse } from "./types/warehouse.js";

export function buildInventorySchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: [WarehouseResolver, DonationResolver, DistributionResolver, RegionInventoryResolver, BeneficiaryDistributionsResolver],
      orphanedTypes: [Region, Warehouse, Donation, Distribution, BeneficiaryRef, VolunteerRef],
    },
    inventoryReferences,
  );
}

export async function inventorySubgraph(): Promise<SubgraphDefinition> {
  const startedAt = new Date();
  return {
    name: "inventory",
    schema: await buildInventorySchema(),
    indexes: { ...warehouseIndexes, ...ledgerIndexes },
    // Operations a crash left half-done are finished or rolled back before serving.
    onRegionStart: async (db, _region, log) => {
      await recoverOperations(db, startedAt, log);
    },
  };
}
