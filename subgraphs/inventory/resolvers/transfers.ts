import { ObjectId } from "bson";
import { responsePathAsArray, type GraphQLResolveInfo } from "graphql";
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { appError, badInput } from "../../kernel/errors.js";
import { decodeId, encodeId } from "../../kernel/ids.js";
import type { Delivery } from "../../kernel/messaging.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { requireOwn } from "../../kernel/references.js";
import { toLines } from "../data/operations.js";
import {
  deliveryMessageId,
  outgoingOf,
  receive,
  recordOutgoing,
  requestCancel,
  stockInTransit,
  transferPositions,
  type TransferPositionView,
  toTransfer,
  transfersOf,
  type TransferSide,
  type TransferView,
} from "../data/transfers.js";
import { Region } from "../types/entities.js";
import { TransferStatus } from "../types/enums.js";
import { TransferStockInput } from "../types/inputs.js";
import { Transfer, TransferConnection, TransferDelivery, TransferPosition } from "../types/transfer.js";
import { ItemQuantity } from "../types/warehouse.js";
import { operate } from "./operations.js";
import { faultPoint } from "../../kernel/faults.js";
import { idempotencyKey } from "../../kernel/idempotency.js";
import { requireWarehouse } from "./warehouse.js";

@Resolver(() => Transfer)
export class TransferResolver {
  @Query(() => Transfer, { nullable: true, description: "A transfer as its source region records it (the id names that region)." })
  async transfer(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<TransferView> {
    ctx.access.forbidVolunteer("Transfers");
    return toTransfer(await requireOwn(ctx, outgoingOf(ctx.db), "Transfer", id), "OUTGOING");
  }

  @Mutation(() => Transfer, {
    nullable: true,
    description:
      "Moves stock to a warehouse of another region: it leaves the source at once (all or nothing, never below zero) and reaches the destination's records as soon as that region can be reached. National coordinators, or staff of the source region; idempotent by key.",
  })
  async transferStock(@Arg("input") input: TransferStockInput, @Ctx() ctx: SubgraphContext): Promise<TransferView> {
    const warehouse = await requireWarehouse(ctx, input.fromWarehouseId, "input.fromWarehouseId");
    ctx.access.requireCoordinatorOrWrite(ctx.region.code);
    const field = "input.toWarehouseId";
    const to = decodeId(input.toWarehouseId, "Warehouse", field);
    ctx.registry.require(to.region, field);
    if (to.region === ctx.region.code && to.objectId.equals(warehouse._id))
      throw badInput(`${field}: must be another warehouse than input.fromWarehouseId`, { field });
    const why = ctx.messaging.unreachable(to.region, "inventory");
    if (why)
      throw appError("REGION_UNAVAILABLE", `${field}: ${ctx.region.code} cannot send transfers to ${to.region}: ${why}`, {
        field,
        region: to.region,
      });
    const lines = toLines(input.items, -1);
    const _id = new ObjectId();
    const op = await operate(
      ctx,
      warehouse,
      "TRANSFER_OUT",
      lines,
      idempotencyKey(input.idempotencyKey),
      {
        reason: `transfer to ${to.region}`,
        transfer: { to: { region: to.region, warehouseId: input.toWarehouseId }, fromWarehouseName: warehouse.name },
      },
      { _id, transferId: encodeId("Transfer", ctx.region.code, _id) },
    );
    faultPoint("transfer:operated");
    return toTransfer(await recordOutgoing(ctx.db, op, ctx.region.code, ctx.messaging), "OUTGOING");
  }

  @Mutation(() => Transfer, {
    nullable: true,
    description:
      "The destination region's staff confirm the stock has arrived: it is added to the destination warehouse, once. `region` is the destination (this routes the call there). Fails with CONFLICT when the transfer was cancelled first.",
  })
  async receiveTransfer(
    @Arg("region") region: string,
    @Arg("id", () => ID) id: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<TransferView> {
    ownRegion(ctx, region, "region");
    decodeId(id, "Transfer");
    ctx.access.requireWrite(ctx.region.code);
    return toTransfer(await receive(ctx, id, ctx.access.actor), "INCOMING");
  }

  @Mutation(() => Transfer, {
    nullable: true,
    description:
      "Cancels a transfer that has not been received; its stock goes back to the source warehouse, once. The destination decides (it may have received it meanwhile: CONFLICT); when it does not answer at once, the cancellation is kept, `cancelRequestedAt` set and the status left as it is until it answers, and the response's `extensions.notices` says so (code AWAITING_REGION, naming the destination).",
  })
  async cancelTransfer(
    @Arg("id", () => ID) id: string,
    @Ctx() ctx: SubgraphContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<TransferView> {
    ctx.access.requireCoordinatorOrWrite(ctx.region.code);
    const { doc, awaiting } = await requestCancel(
      ctx.db,
      await requireOwn(ctx, outgoingOf(ctx.db), "Transfer", id),
      ctx.access.actor,
      ctx.messaging,
      ctx.waitUntil,
    );
    if (awaiting) {
      const to = doc.to.region;
      ctx.notices.push({
        code: "AWAITING_REGION",
        region: to,
        path: responsePathAsArray(info.path),
        message: `${to} has not answered yet: the cancellation is recorded (cancelRequestedAt) and takes effect when ${to} agrees, unless it received the transfer first`,
      });
    }
    return toTransfer(doc, "OUTGOING");
  }

  @FieldResolver(() => TransferDelivery, {
    nullable: true,
    description: "Source side, until the destination has confirmed the transfer: the delivery attempts so far.",
  })
  async delivery(@Root() transfer: TransferView, @Ctx() ctx: SubgraphContext): Promise<TransferDelivery | null> {
    if (transfer.side !== "OUTGOING") return null;
    // One outbox query for a whole list of transfers.
    return ctx.loaders
      .get<string, Delivery | null>("transferDelivery", (ids) => ctx.messaging.deliveries(ids))
      .load(deliveryMessageId(transfer.id));
  }
}

function transferList(side: TransferSide) {
  return (status: TransferStatus[] | undefined, page: PageArgs, ctx: SubgraphContext): Promise<TransferConnection> => {
    ctx.access.forbidVolunteer(`Region.${side === "OUTGOING" ? "outgoingTransfers" : "incomingTransfers"}`);
    const filter = status?.length ? { status: { $in: status } } : {};
    // Incoming records are keyed by the whole transfer id (a string), outgoing ones by an ObjectId.
    const idKind = side === "INCOMING" ? "string" : "objectId";
    return paginate(
      transfersOf(ctx.db, side),
      filter,
      [
        ["requestedAt", -1, "date"],
        ["_id", 1, idKind],
      ],
      page,
      (d) => toTransfer(d, side),
    );
  };
}
const outgoing = transferList("OUTGOING");
const incoming = transferList("INCOMING");

@Resolver(() => Region)
export class RegionTransfersResolver {
  @FieldResolver(() => TransferConnection, { nullable: true, description: "Transfers out of the region, newest first." })
  outgoingTransfers(
    @Arg("status", () => [TransferStatus], { nullable: true }) status: TransferStatus[] | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
  ): Promise<TransferConnection> {
    return outgoing(status, page, ctx);
  }

  @FieldResolver(() => TransferConnection, {
    nullable: true,
    description: "Transfers into the region that its source has been able to announce, newest first.",
  })
  incomingTransfers(
    @Arg("status", () => [TransferStatus], { nullable: true }) status: TransferStatus[] | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
  ): Promise<TransferConnection> {
    return incoming(status, page, ctx);
  }

  @FieldResolver(() => [TransferPosition], {
    nullable: true,
    description:
      "This region's word on the transfers not yet settled everywhere (see TransferPosition); Query.nationalStock adds them up exactly.",
  })
  async transferPositions(@Ctx() ctx: SubgraphContext): Promise<TransferPositionView[]> {
    ctx.access.forbidVolunteer("Region.transferPositions");
    return transferPositions(ctx.db);
  }

  @FieldResolver(() => [ItemQuantity], {
    nullable: true,
    description:
      "Items in transfers between this region and another, each counted by one side (the destination's word decides): by the destination once it has recorded the transfer, until the items are in its stock; by the source before that, and while a cancelled transfer's items come back. Summed over the regions with `stock`, a receipt the source has not heard of is counted once; only an answer lost on its way back (to a delivery, or to a cancellation) leaves the two sides apart until the next attempt. Query.nationalStock merges both sides' records and is exact.",
  })
  async stockInTransit(@Ctx() ctx: SubgraphContext): Promise<ItemQuantity[]> {
    ctx.access.forbidVolunteer("Region.stockInTransit");
    return stockInTransit(ctx.db);
  }
}
