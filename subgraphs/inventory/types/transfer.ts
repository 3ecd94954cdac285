import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../kernel/pagination.js";
import { Region } from "./entities.js";
import { TransferSide, TransferStatus } from "./enums.js";
import { Actor } from "../../kernel/personal.js";
import { notForVolunteers, ReadableBy } from "../../kernel/visibility.js";
import { ItemQuantity } from "./warehouse.js";

@ObjectType({ description: "One end of a transfer: a warehouse of some region." })
export class TransferEnd {
  @Field(() => Region)
  region!: Region;

  @Field(() => ID)
  warehouseId!: string;

  @Field(() => String, { nullable: true, description: "Known once that region has confirmed the transfer." })
  warehouseName!: string | null;
}

@ObjectType({ description: "How the source region is getting the news of a transfer to its destination." })
export class TransferDelivery {
  @Field(() => Int)
  attempts!: number;

  @Field(() => Date, { nullable: true })
  lastAttemptAt!: Date | null;

  @Field()
  nextAttemptAt!: Date;

  @Field(() => String, { nullable: true })
  lastError!: string | null;
}

@Directive('@key(fields: "id")')
@ReadableBy(notForVolunteers("Transfers"))
@ObjectType({
  description:
    "Stock moved from a warehouse of one region to a warehouse of another. The source region owns it (its id names that region); the destination region decides whether it is received or cancelled, so exactly one of the two happens.",
})
export class Transfer {
  @Field(() => ID)
  id!: string;

  @Field(() => TransferEnd)
  from!: TransferEnd;

  @Field(() => TransferEnd)
  to!: TransferEnd;

  @Field(() => [ItemQuantity])
  items!: ItemQuantity[];

  @Field(() => TransferStatus, { description: "As this region knows it; the other region may know more recent news." })
  status!: TransferStatus;

  @Field({ description: "When the stock left the source." })
  requestedAt!: Date;

  @Actor<Transfer>({ region: (t) => t.from.region.code })
  @Field({ description: "Role and id of who asked for it; the role only outside the source region." })
  requestedBy!: string;

  @Field(() => Date, { nullable: true, description: "When the destination confirmed it knows of the transfer." })
  inTransitAt!: Date | null;

  @Field(() => Date, { nullable: true })
  receivedAt!: Date | null;

  @Actor<Transfer>({ region: (t) => t.to.region.code })
  @Field(() => String, { nullable: true, description: "Role and id; the role only outside the destination region." })
  receivedBy!: string | null;

  @Field(() => Date, {
    nullable: true,
    description:
      "Set when a cancellation was asked for; it takes effect (status CANCELLED) once the destination confirms it has not received the stock.",
  })
  cancelRequestedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  cancelledAt!: Date | null;

  @Actor<Transfer>({ region: (t) => t.from.region.code })
  @Field(() => String, { nullable: true, description: "Role and id; the role only outside the source region." })
  cancelledBy!: string | null;

  @Field(() => String, { nullable: true })
  cancelReason!: string | null;
}

export const TransferConnection = Connection(Transfer, "Transfer");
export type TransferConnection = InstanceType<typeof TransferConnection>;

@ObjectType({
  description:
    "One region's word on a transfer not yet settled everywhere: what its own records hold in transit. The national view (Query.nationalStock) merges the regions' words by transfer id, the destination's winning.",
})
export class TransferPosition {
  @Field(() => ID)
  id!: string;

  @Field(() => TransferSide)
  side!: TransferSide;

  @Field({ description: "The region at the other end." })
  counterpart!: string;

  @Field(() => TransferStatus, { description: "As this side's record has it." })
  status!: TransferStatus;

  @Field(() => [ItemQuantity], { description: "The items in transit by this side's records (none listed: nothing is)." })
  inTransit!: ItemQuantity[];
}
