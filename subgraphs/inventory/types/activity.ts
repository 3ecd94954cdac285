import { Field, ID, Int, ObjectType } from "type-graphql";
import { ActivityIntervalType } from "../../kernel/activity.js";
import { DateScalar, REPORT_TIME_ZONE } from "../../kernel/periods.js";
import { Sector } from "../../kernel/sectors.js";
import { notForVolunteers, ReadableBy } from "../../kernel/visibility.js";
import { OrganisationRef } from "./entities.js";
import { ItemQuantity } from "./warehouse.js";

@ActivityIntervalType(
  `What a region did over an interval of dates (${REPORT_TIME_ZONE}, both ends inclusive): counts only, for coordinators and the region's staff.`,
)
export class ActivityInterval {
  @Field(() => ID)
  id!: string;

  @Field(() => DateScalar, { description: "Its first date." })
  start!: string;

  @Field(() => DateScalar, { description: "Its last date (inclusive)." })
  end!: string;

  @Field(() => Int, { description: "Households that received aid (each once)." })
  householdsServed!: number;

  @Field(() => Int, { description: "People in those households (each household's size at its latest distribution)." })
  individualsReached!: number;

  @Field(() => Int, { description: "Completed distributions." })
  distributions!: number;

  @Field(() => [ItemQuantity], { description: "Items handed out, every item listed." })
  items!: ItemQuantity[];
}

@ReadableBy(notForVolunteers("3W reports"), [])
@ObjectType("Reach", {
  description:
    "Households and people one organisation reached in one sector of a region over a period: a row of the region's 3W report. Each household counts once per organisation and sector.",
})
export class Reach {
  @Field(() => OrganisationRef, {
    nullable: true,
    description: "Who: the organisation running the warehouse, or the assigned volunteer's; null when none is recorded.",
  })
  organisation!: OrganisationRef | null;

  @Field(() => Sector)
  sector!: Sector;

  @Field(() => Int)
  householdsReached!: number;

  @Field(() => Int, { description: "People in those households (a caller not enrolled counts as one)." })
  individualsReached!: number;
}
