// How the gateway resolves inventory entities referenced from other subgraphs.
import { activityReference } from "../kernel/activity.js";
import { stubReference } from "../kernel/entity-refs.js";
import { referenceResolver } from "../kernel/references.js";
import { resolveRegionReference } from "../kernel/region-entity.js";
import type { ReferenceResolvers } from "../kernel/schema.js";
import { distributionActivity } from "./data/activity.js";
import { isDistribution, isDonation, operationsOf } from "./data/ledger.js";
import { toDistribution, toDonation } from "./data/operations.js";
import { outgoingOf, toTransfer } from "./data/transfers.js";
import { toWarehouse, warehousesOf } from "./data/warehouses.js";

export const inventoryReferences: ReferenceResolvers = {
  Warehouse: {
    __resolveReference: referenceResolver(
      "Warehouse",
      (ctx) => warehousesOf(ctx.db),
      (d, ctx) => toWarehouse(d, ctx.region.code),
    ),
  },
  Donation: {
    __resolveReference: referenceResolver(
      "Donation",
      (ctx) => operationsOf(ctx.db),
      (d, ctx) => toDonation(d, ctx.region.code),
      isDonation,
    ),
  },
  Distribution: {
    __resolveReference: referenceResolver(
      "Distribution",
      (ctx) => operationsOf(ctx.db),
      (d, ctx) => toDistribution(d, ctx.region.code),
      isDistribution,
    ),
  },
  Transfer: {
    __resolveReference: referenceResolver(
      "Transfer",
      (ctx) => outgoingOf(ctx.db),
      (d) => toTransfer(d, "OUTGOING"),
    ),
  },
  ActivityInterval: {
    // The intervals' dates come from their ids; the figures from the ledger.
    __resolveReference: activityReference(distributionActivity),
  },
  Beneficiary: { __resolveReference: stubReference("Beneficiary") },
  Volunteer: { __resolveReference: stubReference("Volunteer") },
  Organisation: { __resolveReference: stubReference("Organisation") },
  Region: { __resolveReference: resolveRegionReference },
};
