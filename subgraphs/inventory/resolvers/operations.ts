import { ObjectId } from "bson";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownId, type SubgraphContext } from "../../kernel/context.js";
import { badInput } from "../../kernel/errors.js";
import { requireConsentingBeneficiary, requireVolunteer } from "../../kernel/region-records.js";
import { byId, requireOwn } from "../../kernel/references.js";
import { requiredText } from "../../kernel/text.js";
import { idempotencyKey } from "../../kernel/idempotency.js";
import {
  isDistribution,
  isDonation,
  operationsOf,
  payloadHash,
  runOperation,
  type OperationDoc,
  type OperationLine,
  type OperationType,
} from "../data/ledger.js";
import { toDistribution, toDonation, toLines, type DistributionView, type DonationView } from "../data/operations.js";
import { toWarehouse, warehousesOf, type WarehouseDoc } from "../data/warehouses.js";
import { accountOf, allowance, rulesOf } from "../data/entitlements.js";
import { AdjustmentKind } from "../types/enums.js";
import { AdjustStockInput, DistributeAidInput, ReceiveDonationInput } from "../types/inputs.js";
import { Distribution, Donation, Warehouse } from "../types/warehouse.js";
import { requireWarehouse } from "./warehouse.js";

/** What an operation records beyond its request: not part of the payload a retry is recognised by. */
interface Recorded {
  /** Default: a new id (a retry gets its own, and finds the first by key). */
  _id?: ObjectId;
  /** Made from `_id`. */
  transferId?: string;
  householdSize?: number;
}

/** The request a retry with the same key must repeat: lines as asked (not the rules they met) and the details. */
const requestHash = (type: OperationType, warehouse: WarehouseDoc, lines: OperationLine[], details: object) =>
  payloadHash({ type, warehouse: warehouse._id.toHexString(), lines: lines.map(({ item, delta }) => ({ item, delta })), ...details });

/** Builds, runs and logs one ledger operation on a warehouse of this region. */
export async function operate(
  ctx: SubgraphContext,
  warehouse: WarehouseDoc,
  type: OperationType,
  lines: OperationLine[],
  key: string | null,
  details: Pick<OperationDoc, "donor" | "donorKind" | "beneficiaryId" | "deliveredBy" | "reason" | "transfer" | "override">,
  { _id = new ObjectId(), ...recorded }: Recorded = {},
): Promise<OperationDoc> {
  const op: OperationDoc = {
    _id,
    type,
    ...(key ? { idempotencyKey: key } : {}),
    payloadHash: requestHash(type, warehouse, lines, details),
    warehouseId: warehouse._id,
    lines,
    status: "PENDING",
    error: null,
    actor: ctx.access.actor,
    createdAt: ctx.now(),
    completedAt: null,
    region: ctx.region.code,
    // Whom a distribution counts for in 3W reports: the warehouse's organisation then, whatever it is later.
    ...(type === "DISTRIBUTION" ? { organisationId: warehouse.organisationId ?? null } : {}),
    ...details,
    ...recorded,
    // Until its record and message are stored: the stock that left is still accounted for (transfers.ts).
    ...(details.transfer ? { transferRecorded: false } : {}),
  };
  const done = await runOperation(ctx.db, op, warehouse.name, ctx.lease);
  ctx.log.info({ event: "stock.operation", type, operation: done._id.toHexString(), actor: ctx.access.actor }, "stock operation completed");
  return done;
}

@Resolver(() => Donation)
export class DonationResolver {
  @Query(() => Donation, { nullable: true })
  async donation(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<DonationView> {
    ctx.access.forbidVolunteer("Donations");
    return toDonation(await requireOwn(ctx, operationsOf(ctx.db), "Donation", id, "id", isDonation), ctx.region.code);
  }

  @Mutation(() => Donation, { nullable: true, description: "Adds the items to the warehouse's stock, all or nothing; idempotent by key." })
  async receiveDonation(@Arg("input") input: ReceiveDonationInput, @Ctx() ctx: SubgraphContext): Promise<DonationView> {
    const warehouse = await requireWarehouse(ctx, input.warehouseId, "input.warehouseId");
    ctx.access.requireWrite(ctx.region.code);
    const op = await operate(ctx, warehouse, "DONATION", toLines(input.items, 1), idempotencyKey(input.idempotencyKey), {
      donor: requiredText(input.donor, "input.donor"),
      donorKind: input.donorKind,
    });
    return toDonation(op, ctx.region.code);
  }

  @Mutation(() => Warehouse, {
    nullable: true,
    description: "Corrects or writes off stock of one item, with the reason; never below zero.",
  })
  async adjustStock(@Arg("input") input: AdjustStockInput, @Ctx() ctx: SubgraphContext): Promise<Warehouse> {
    const warehouse = await requireWarehouse(ctx, input.warehouseId, "input.warehouseId");
    ctx.access.requireWrite(ctx.region.code);
    if (!Number.isInteger(input.delta) || input.delta === 0)
      throw badInput("input.delta: must be a non-zero whole number", { field: "input.delta" });
    if (input.kind === AdjustmentKind.WRITE_OFF && input.delta > 0) {
      throw badInput("input.delta: a WRITE_OFF removes stock, so delta must be negative", { field: "input.delta" });
    }
    await operate(
      ctx,
      warehouse,
      input.kind,
      [{ item: input.item, delta: input.delta }],
      input.idempotencyKey ? idempotencyKey(input.idempotencyKey) : null,
      {
        reason: requiredText(input.reason, "input.reason", 500, { multiline: true }),
      },
    );
    return toWarehouse((await warehousesOf(ctx.db).findOne({ _id: warehouse._id }))!, ctx.region.code);
  }

  @FieldResolver(() => Warehouse)
  async warehouse(@Root() donation: DonationView, @Ctx() ctx: SubgraphContext): Promise<Warehouse> {
    return toWarehouse((await byId(ctx, warehousesOf(ctx.db)).load(donation.warehouseId))!, ctx.region.code);
  }
}

@Resolver(() => Distribution)
export class DistributionResolver {
  @Query(() => Distribution, { nullable: true })
  async distribution(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<DistributionView> {
    ctx.access.forbidVolunteer("Distributions");
    return toDistribution(await requireOwn(ctx, operationsOf(ctx.db), "Distribution", id, "id", isDistribution), ctx.region.code);
  }

  @Mutation(() => Distribution, {
    nullable: true,
    description:
      "Hands items to a beneficiary, all or nothing; never takes stock below zero (INSUFFICIENT_STOCK) nor gives a household more than its region's entitlement rules allow in their period (ENTITLEMENT_EXCEEDED, unless overridden with a reason); idempotent by key.",
  })
  async distributeAid(@Arg("input") input: DistributeAidInput, @Ctx() ctx: SubgraphContext): Promise<DistributionView> {
    const warehouse = await requireWarehouse(ctx, input.warehouseId, "input.warehouseId");
    const beneficiary = ownId(ctx, input.beneficiaryId, "Beneficiary", "input.beneficiaryId");
    const volunteer = input.deliveredBy ? ownId(ctx, input.deliveredBy, "Volunteer", "input.deliveredBy") : null;
    ctx.access.requireWrite(ctx.region.code);
    const override = input.override
      ? { reason: requiredText(input.override.reason, "input.override.reason", 500, { multiline: true }) }
      : null;
    const lines = toLines(input.items, -1);
    const { householdSize } = await requireConsentingBeneficiary(ctx.db, beneficiary.objectId, input.beneficiaryId, "input.beneficiaryId");
    if (volunteer) await requireVolunteer(ctx.db, volunteer.objectId, input.deliveredBy!, "input.deliveredBy");
    // The rules as they are now bind this operation, retries and recovery included.
    const rules = new Map(
      (
        await rulesOf(ctx.db)
          .find({ _id: { $in: lines.map((l) => l.item) } })
          .toArray()
      ).map((r) => [r._id, r]),
    );
    // Every line counts for the household, under a rule or not: a rule set later sees it.
    const entitled = lines.map((line): OperationLine => {
      const rule = rules.get(line.item);
      const account = accountOf(beneficiary.objectId, line.item);
      return {
        ...line,
        entitlement: rule
          ? { account, allowed: allowance(rule, householdSize), periodDays: rule.periodDays, override: !!override }
          : { account, allowed: null, periodDays: 0, override: false },
      };
    });
    const op = await operate(
      ctx,
      warehouse,
      "DISTRIBUTION",
      entitled,
      idempotencyKey(input.idempotencyKey),
      { beneficiaryId: input.beneficiaryId, deliveredBy: input.deliveredBy ?? null, ...(override ? { override } : {}) },
      { householdSize },
    );
    // A needed override was audited with the operation (ledger.ts commit).
    return toDistribution(op, ctx.region.code);
  }

  @FieldResolver(() => Warehouse)
  async warehouse(@Root() distribution: DistributionView, @Ctx() ctx: SubgraphContext): Promise<Warehouse> {
    return toWarehouse((await byId(ctx, warehousesOf(ctx.db)).load(distribution.warehouseId))!, ctx.region.code);
  }
}
