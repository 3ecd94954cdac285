import { Field, Float, ID, Int } from "type-graphql";
import { ActivityIntervalType } from "../../kernel/activity.js";

/** The events subgraph's figures of a region's activity interval (inventory lists them). */
@ActivityIntervalType()
export class ActivityInterval {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { nullable: true, description: "The region's events that started in the interval and were not cancelled." })
  eventsHeld!: number;

  @Field(() => Int, { nullable: true, description: "Volunteers (of any region) with attendance recorded at those events, each once." })
  volunteersActive!: number;

  @Field(() => Float, { nullable: true, description: "Hours of attendance recorded at those events." })
  hoursServed!: number;

  @Field(() => Int, { nullable: true, description: "Sign-ups made in the interval for the region's events." })
  signUps!: number;
}
