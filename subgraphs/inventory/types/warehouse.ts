import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../kernel/pagination.js";
import { BeneficiaryRef, OrganisationRef, Region, VolunteerRef } from "./entities.js";
import { DonorKind, Item, MovementKind } from "./enums.js";
import { Actor, Personal } from "../../kernel/personal.js";
import { notForVolunteers, ReadableBy } from "../../kernel/visibility.js";

@ObjectType()
export class ItemQuantity {
  @Field(() => Item)
  item!: Item;

  @Field(() => Int)
  quantity!: number;
}

@ObjectType()
export class LowStockItem {
  @Field(() => Item)
  item!: Item;

  @Field(() => Int)
  quantity!: number;

  @Field(() => Int, { description: "The warehouse's low-stock threshold for the item." })
  threshold!: number;
}

@Directive('@key(fields: "id")')
@ReadableBy(notForVolunteers("Warehouses"))
@ObjectType({ description: "A place where aid is stored and handed out." })
export class Warehouse {
  @Field(() => ID)
  id!: string;

  @Field(() => Region)
  region!: Region;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  address!: string | null;

  @Field(() => OrganisationRef, {
    nullable: true,
    description: "The organisation that runs it: its distributions count for it in 3W reports.",
  })
  organisation!: OrganisationRef | null;

  @Field(() => [ItemQuantity], { description: "Current stock per item (items never stocked are left out)." })
  stock!: ItemQuantity[];

  @Field(() => [ItemQuantity], { description: "Low-stock thresholds per item." })
  thresholds!: ItemQuantity[];

  @Field(() => [LowStockItem], { description: "Items whose stock is below their threshold." })
  lowStock!: LowStockItem[];

  @Field()
  createdAt!: Date;
}

export const WarehouseConnection = Connection(Warehouse, "Warehouse");
export type WarehouseConnection = InstanceType<typeof WarehouseConnection>;

@Directive('@key(fields: "id")')
@ReadableBy(notForVolunteers("Donations"))
@ObjectType({ description: "Stock received from a donor." })
export class Donation {
  @Field(() => ID)
  id!: string;

  @Field(() => Warehouse)
  warehouse!: Warehouse;

  @Personal<Donation>({ when: (d) => d.donorKind !== DonorKind.ORGANISATION })
  @Field(() => String, { nullable: true, description: "Personal when the donor is a person: the region's staff only." })
  donor!: string;

  @Field(() => DonorKind)
  donorKind!: DonorKind;

  @Field(() => [ItemQuantity])
  items!: ItemQuantity[];

  @Field()
  receivedAt!: Date;

  @Actor()
  @Field({ description: "Role and id of the staff member who recorded it; the role only outside the region." })
  receivedBy!: string;

  /** Not in the graph: the region, for the rules on the fields above. */
  region!: string;
}

@Directive('@key(fields: "id")')
@ReadableBy(notForVolunteers("Distributions"))
@ObjectType({ description: "Aid handed to a beneficiary: every kit traceable to the family that received it." })
export class Distribution {
  @Field(() => ID)
  id!: string;

  @Field(() => Warehouse)
  warehouse!: Warehouse;

  @Field(() => [ItemQuantity])
  items!: ItemQuantity[];

  @Field(() => BeneficiaryRef, { nullable: true, description: "Resolved by the beneficiaries subgraph." })
  beneficiary!: BeneficiaryRef;

  @Field(() => VolunteerRef, { nullable: true, description: "Resolved by the volunteers subgraph." })
  deliveredBy!: VolunteerRef | null;

  @Field()
  distributedAt!: Date;
}

@ReadableBy(notForVolunteers("Stock movements"))
@ObjectType({ description: "One entry of the stock ledger." })
export class StockMovement {
  @Field(() => ID)
  id!: string;

  @Field(() => Item)
  item!: Item;

  @Field(() => Int, { description: "Signed: positive into the warehouse, negative out of it." })
  quantity!: number;

  @Field(() => MovementKind)
  kind!: MovementKind;

  @Field()
  at!: Date;

  @Actor()
  @Field({ description: "Role and id of who made the change; the role only outside the region." })
  actor!: string;

  @Personal()
  @Field(() => String, { nullable: true, description: "Free text: the region's staff only." })
  reason!: string | null;

  @Field(() => ID, { nullable: true, description: "The donation, distribution or adjustment this movement belongs to." })
  operationId!: string | null;

  /** Not in the graph: the region, for the rules on the fields above. */
  region!: string;
}

export const StockMovementConnection = Connection(StockMovement, "StockMovement");
export type StockMovementConnection = InstanceType<typeof StockMovementConnection>;
