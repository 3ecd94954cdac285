import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownId, ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { badInput } from "../../kernel/errors.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { requireOwn } from "../../kernel/references.js";
import { requireOrganisation } from "../../kernel/region-records.js";
import { requiredText } from "../../kernel/text.js";
import { createOnce } from "../../kernel/idempotency.js";
import { movementsOf, operationId, type MovementDoc } from "../data/ledger.js";
import { insertWarehouse, toWarehouse, warehousesOf, type WarehouseDoc } from "../data/warehouses.js";
import { encodeId } from "../../kernel/ids.js";
import { Item } from "../types/enums.js";
import { AddWarehouseInput } from "../types/inputs.js";
import { StockMovementConnection, Warehouse, type StockMovement } from "../types/warehouse.js";

export const requireWarehouse = (ctx: SubgraphContext, id: string, field?: string): Promise<WarehouseDoc> =>
  requireOwn(ctx, warehousesOf(ctx.db), "Warehouse", id, field);

function toMovement(doc: MovementDoc, region: string): StockMovement {
  return {
    id: encodeId("StockMovement", region, doc._id),
    region,
    item: doc.item,
    quantity: doc.quantity,
    kind: doc.kind,
    at: doc.at,
    actor: doc.actor,
    reason: doc.reason,
    operationId: operationId({ _id: doc.operationId, type: doc.operationType, transferId: doc.transferId }, region),
  };
}

@Resolver(() => Warehouse)
export class WarehouseResolver {
  @Query(() => Warehouse, { nullable: true })
  async warehouse(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Warehouse> {
    ctx.access.forbidVolunteer("Warehouses");
    return toWarehouse(await requireWarehouse(ctx, id), ctx.region.code);
  }

  @Mutation(() => Warehouse, { nullable: true, description: "A warehouse name is unique within its region." })
  async addWarehouse(@Arg("input") input: AddWarehouseInput, @Ctx() ctx: SubgraphContext): Promise<Warehouse> {
    const region = ownRegion(ctx, input.region, "input.region").code;
    ctx.access.requireWrite(region);
    const thresholds: WarehouseDoc["thresholds"] = {};
    for (const t of input.thresholds ?? []) thresholds[t.item] = t.minimum;
    const fields = {
      name: requiredText(input.name, "input.name"),
      address: input.address ? requiredText(input.address, "input.address", 300) : null,
      organisationId: await requireOrganisation(ctx.db, input.organisationId, region, "input.organisationId"),
      thresholds,
    };
    const { record, repeated } = await createOnce(ctx, {
      mutation: "addWarehouse",
      key: input.idempotencyKey,
      payload: { ...fields, actor: ctx.access.actor },
      insert: (_id, keyed) => insertWarehouse(ctx.db, region, { ...fields, ...keyed }, _id),
      find: (_id) => warehousesOf(ctx.db).findOne({ _id }),
    });
    const warehouse = toWarehouse(record, region);
    if (!repeated) ctx.log.info({ event: "warehouse.added", id: warehouse.id, actor: ctx.access.actor }, "warehouse added");
    return warehouse;
  }

  @Mutation(() => Warehouse, {
    nullable: true,
    description: "Which organisation registered with the region runs the warehouse; null for none.",
  })
  async setWarehouseOrganisation(
    @Arg("warehouseId", () => ID) warehouseId: string,
    @Arg("organisationId", () => ID, { nullable: true }) organisationId: string | null,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Warehouse> {
    const { objectId } = ownId(ctx, warehouseId, "Warehouse", "warehouseId");
    ctx.access.requireWrite(ctx.region.code);
    const value = await requireOrganisation(ctx.db, organisationId, ctx.region.code, "organisationId");
    const doc = await warehousesOf(ctx.db).findOneAndUpdate(
      { _id: objectId },
      { $set: { organisationId: value } },
      { returnDocument: "after" },
    );
    if (!doc) return toWarehouse(await requireWarehouse(ctx, warehouseId, "warehouseId"), ctx.region.code);
    // Whom its distributions count for from now on: on record.
    ctx.log.info(
      { event: "warehouse.organisation", id: warehouseId, organisationId: value, actor: ctx.access.actor },
      "warehouse organisation set",
    );
    return toWarehouse(doc, ctx.region.code);
  }

  @Mutation(() => Warehouse, { nullable: true, description: "Below this quantity the item shows in lowStock." })
  async setLowStockThreshold(
    @Arg("warehouseId", () => ID) warehouseId: string,
    @Arg("item", () => Item) item: Item,
    @Arg("minimum", () => Int) minimum: number,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Warehouse> {
    const { objectId } = ownId(ctx, warehouseId, "Warehouse", "warehouseId");
    ctx.access.requireWrite(ctx.region.code);
    if (minimum < 0) throw badInput("minimum: must not be negative", { field: "minimum" });
    const doc = await warehousesOf(ctx.db).findOneAndUpdate(
      { _id: objectId },
      { $set: { [`thresholds.${item}`]: minimum } },
      { returnDocument: "after" },
    );
    return toWarehouse(doc ?? (await requireWarehouse(ctx, warehouseId, "warehouseId")), ctx.region.code);
  }

  @FieldResolver(() => StockMovementConnection, { description: "The warehouse's ledger, newest first." })
  async movements(
    @Root() warehouse: Warehouse,
    @Arg("item", () => Item, { nullable: true }) item: Item | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
  ): Promise<StockMovementConnection> {
    const warehouseId = ownId(ctx, warehouse.id, "Warehouse").objectId;
    return paginate(
      movementsOf(ctx.db),
      { warehouseId, ...(item ? { item } : {}) },
      [
        ["at", -1, "date"],
        ["_id", -1, "objectId"],
      ],
      page,
      (d) => toMovement(d, ctx.region.code),
    );
  }
}
