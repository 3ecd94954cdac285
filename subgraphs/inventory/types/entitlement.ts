import { Field, Int, ObjectType } from "type-graphql";
import { Actor } from "../../kernel/personal.js";
import { notForVolunteers, ReadableBy, regionStaffOnly } from "../../kernel/visibility.js";
import { Region } from "./entities.js";
import { Item } from "./enums.js";
import { ItemQuantity } from "./warehouse.js";

@ReadableBy(notForVolunteers("Entitlement rules"), [])
@ObjectType({ description: "How much of an item a household may receive in a rolling period, in one region." })
export class EntitlementRule {
  @Field(() => Region)
  region!: Region;

  @Field(() => Item)
  item!: Item;

  @Field(() => Int, { description: "Per household, or per person when perPerson." })
  quantity!: number;

  @Field({ description: "The quantity is per person: a household may receive it × its size." })
  perPerson!: boolean;

  @Field(() => Int, { description: "The rolling period: what was received in the last periodDays days counts." })
  periodDays!: number;

  @Field()
  setAt!: Date;

  @Actor()
  @Field({ description: "Role and id of who set it; the role only outside the region." })
  setBy!: string;
}

@ReadableBy(regionStaffOnly("A household's entitlements"), [])
@ObjectType({ description: "Where a household stands on one item under its region's rule, now. The region's staff only." })
export class Entitlement {
  @Field(() => Item)
  item!: Item;

  @Field(() => Int, { description: "What the household may receive in the period (per-person rules × household size)." })
  allowed!: number;

  @Field(() => Int, { description: "What it received in the period, overrides included (may exceed allowed)." })
  used!: number;

  @Field(() => Int, { description: "What it may still receive now; never below 0." })
  remaining!: number;

  @Field(() => Date, { nullable: true, description: "When one more becomes available; null while some remains." })
  nextEligibleAt!: Date | null;

  @Field(() => Int)
  periodDays!: number;

  /** Not in the graph: the household's region, for the rule above. */
  region!: string;
}

@ObjectType()
export class RefusalCount {
  @Field({ description: "The error code the distribution was refused with: ENTITLEMENT_EXCEEDED or INSUFFICIENT_STOCK." })
  reason!: string;

  @Field(() => Int)
  count!: number;
}

@ReadableBy(notForVolunteers("Distribution statistics"), [])
@ObjectType({ description: "Distributions in a region over a period. Aggregates only: no household can be identified from them." })
export class DistributionStats {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => Int, { description: "Households that received aid in the period." })
  householdsServed!: number;

  @Field(() => Int, { description: "People in those households (each household once, at its size when last served)." })
  individuals!: number;

  @Field(() => Int)
  distributions!: number;

  @Field(() => [ItemQuantity], { description: "Items handed out, every item listed." })
  items!: ItemQuantity[];

  @Field(() => Int, {
    description: "Distributions that gave beyond an entitlement rule, by override (an override that was not needed is not counted).",
  })
  overrides!: number;

  @Field(() => [RefusalCount], { description: "Distributions refused, by reason, most first." })
  refusals!: RefusalCount[];
}
