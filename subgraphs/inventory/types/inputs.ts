import { ArrayMaxSize, ArrayMinSize, IsOptional, Max, Min, ValidateNested } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { CreateInput } from "../../kernel/inputs.js";
import { MAX_PERIOD_DAYS } from "../data/entitlements.js";
import { AdjustmentKind, DonorKind, Item } from "./enums.js";

export const MAX_LINE_QUANTITY = 100_000;

/** A quantity of one item: a whole number from 1 to MAX_LINE_QUANTITY. */
function LineQuantity(): PropertyDecorator {
  return (target, key) => {
    Field(() => Int)(target, key);
    Max(MAX_LINE_QUANTITY, { message: `quantity must be at most ${MAX_LINE_QUANTITY}` })(target, key);
    Min(1, { message: "quantity must be at least 1" })(target, key);
  };
}

@InputType()
export class ItemQuantityInput {
  @Field(() => Item)
  item!: Item;

  @LineQuantity()
  quantity!: number;
}

@InputType()
export class ThresholdInput {
  @Field(() => Item)
  item!: Item;

  @Min(0, { message: "minimum must not be negative" })
  @Field(() => Int)
  minimum!: number;
}

@InputType()
export class AddWarehouseInput extends CreateInput {
  @Field()
  region!: string;

  @Field()
  name!: string;

  @Field({ nullable: true })
  address?: string;

  @Field(() => ID, { nullable: true, description: "The Organisation (registered with the region) that runs it." })
  organisationId?: string;

  @IsOptional()
  @ValidateNested({ each: true })
  @Field(() => [ThresholdInput], { nullable: true })
  thresholds?: ThresholdInput[];
}

/** What every stock operation on a list of items carries. */
@InputType()
abstract class ItemsOperationInput {
  @ArrayMinSize(1, { message: "items must list at least one item" })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Field(() => [ItemQuantityInput])
  items!: ItemQuantityInput[];

  @Field({ description: "Unique per region: a retry with the same key and payload returns the first result." })
  idempotencyKey!: string;
}

@InputType()
export class ReceiveDonationInput extends ItemsOperationInput {
  @Field(() => ID)
  warehouseId!: string;

  @Field()
  donor!: string;

  @Field(() => DonorKind, {
    defaultValue: DonorKind.PERSON,
    description: "PERSON (the default) keeps the donor's name to the region's staff.",
  })
  donorKind!: DonorKind;
}

@InputType()
export class SetEntitlementRuleInput {
  @Field()
  region!: string;

  @Field(() => Item)
  item!: Item;

  @LineQuantity()
  quantity!: number;

  @Field({ defaultValue: false, description: "The quantity is per person (× household size); default: per household." })
  perPerson!: boolean;

  @Min(1, { message: "periodDays must be at least 1" })
  @Max(MAX_PERIOD_DAYS, { message: `periodDays must be at most ${MAX_PERIOD_DAYS}` })
  @Field(() => Int)
  periodDays!: number;
}

@InputType({ description: "Gives beyond the household's entitlement; recorded with the reason and audited, and counted as used." })
export class OverrideInput {
  @Field()
  reason!: string;
}

@InputType()
export class DistributeAidInput extends ItemsOperationInput {
  @Field(() => ID)
  warehouseId!: string;

  @Field(() => ID)
  beneficiaryId!: string;

  @Field(() => ID, { nullable: true, description: "The volunteer who delivered it." })
  deliveredBy?: string | null;

  @IsOptional()
  @ValidateNested()
  @Field(() => OverrideInput, {
    nullable: true,
    description: "Staff give beyond the household's entitlement (else ENTITLEMENT_EXCEEDED), with the reason.",
  })
  override?: OverrideInput | null;
}

@InputType()
export class AdjustStockInput {
  @Field(() => ID)
  warehouseId!: string;

  @Field(() => Item)
  item!: Item;

  @Field(() => Int, { description: "Signed change; a WRITE_OFF must be negative. Never takes stock below zero." })
  delta!: number;

  @Field(() => AdjustmentKind, { defaultValue: AdjustmentKind.ADJUSTMENT })
  kind!: AdjustmentKind;

  @Field()
  reason!: string;

  @Field({ nullable: true })
  idempotencyKey?: string;
}

@InputType()
export class TransferStockInput extends ItemsOperationInput {
  @Field(() => ID, { description: "The source warehouse; the transfer belongs to its region." })
  fromWarehouseId!: string;

  @Field(() => ID, { description: "The destination warehouse, in any region." })
  toWarehouseId!: string;
}
