import { IsOptional, Max, Min } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { CreateInput } from "../../kernel/inputs.js";
import { EventKind } from "./enums.js";

@InputType()
export class CreateEventInput extends CreateInput {
  @Field()
  region!: string;

  @Field()
  title!: string;

  @Field(() => EventKind)
  kind!: EventKind;

  @Field({ nullable: true })
  description?: string;

  @Field()
  startsAt!: Date;

  @Field({ description: "After startsAt, and not over already." })
  endsAt!: Date;

  @Field({ nullable: true, description: "Required unless onlineUrl is given." })
  location?: string;

  @Field({ nullable: true, description: "https:// link for online events." })
  onlineUrl?: string;

  @Min(1, { message: "capacity must be at least 1" })
  @Max(100_000, { message: "capacity must be at most 100000" })
  @Field(() => Int)
  capacity!: number;

  @Field(() => ID, { nullable: true, description: "An Organisation registered with the region." })
  organisationId?: string;
}

@InputType({ description: "Only the fields given are changed." })
export class UpdateEventInput {
  @Field({ nullable: true })
  title?: string;

  @Field({ nullable: true })
  description?: string;

  @Field({ nullable: true })
  startsAt?: Date;

  @Field({ nullable: true })
  endsAt?: Date;

  @Field({ nullable: true })
  location?: string;

  @Field({ nullable: true })
  onlineUrl?: string;

  @IsOptional()
  @Min(1, { message: "capacity must be at least 1" })
  @Max(100_000, { message: "capacity must be at most 100000" })
  @Field(() => Int, { nullable: true, description: "Never below the number already signed up." })
  capacity?: number;

  @Field(() => ID, { nullable: true, description: "An Organisation registered with the region; null for none." })
  organisationId?: string | null;
}
