import { Field, Float, ID, Int } from "type-graphql";
import { ActivityIntervalType } from "../../kernel/activity.js";

/** The beneficiaries subgraph's figures of a region's activity interval (inventory lists them). */
@ActivityIntervalType()
export class ActivityInterval {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, {
    nullable: true,
    description: "Help requests opened in the interval (when captured on a device, else when the region recorded them).",
  })
  helpRequestsOpened!: number;

  @Field(() => Int, { nullable: true, description: "Help requests fulfilled in the interval." })
  helpRequestsFulfilled!: number;

  @Field(() => Int, { nullable: true, description: "Help requests cancelled in the interval." })
  helpRequestsCancelled!: number;

  @Field(() => Float, {
    nullable: true,
    description: "Of the requests fulfilled in the interval, the median hours from opened to fulfilled; null when none was.",
  })
  medianHoursToFulfil!: number | null;
}
