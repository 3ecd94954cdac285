import { ArrayMaxSize, IsOptional, Max, Min } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { CapturedCreateInput } from "../../kernel/inputs.js";
import { BeneficiaryStatus, HelpChannel, Need, Urgency, Vulnerability } from "./enums.js";

@InputType()
export class ConsentInput {
  @Field({ description: "Must be true: without consent nothing is stored." })
  given!: boolean;

  @Field({ description: "What the data may be used for, e.g. 'food aid'." })
  purpose!: string;
}

@InputType()
export class EnrollBeneficiaryInput extends CapturedCreateInput {
  @Field()
  region!: string;

  @Field()
  fullName!: string;

  @Min(1, { message: "householdSize must be at least 1" })
  @Max(50, { message: "householdSize must be at most 50" })
  @Field(() => Int)
  householdSize!: number;

  @Field({ description: "Used only for de-duplication within the region; stored as a keyed hash, never returned." })
  nationalId!: string;

  @Field({ nullable: true })
  phone?: string;

  @Field({ nullable: true, description: "District or settlement." })
  address?: string;

  @ArrayMaxSize(9)
  @Field(() => [Vulnerability], { defaultValue: [] })
  vulnerabilities!: Vulnerability[];

  @ArrayMaxSize(9)
  @Field(() => [Need], { defaultValue: [] })
  needs!: Need[];

  @Field(() => ConsentInput)
  consent!: ConsentInput;
}

@InputType({ description: "Only the fields given are changed." })
export class UpdateBeneficiaryInput {
  @Field({ nullable: true })
  fullName?: string;

  @IsOptional()
  @Min(1, { message: "householdSize must be at least 1" })
  @Max(50, { message: "householdSize must be at most 50" })
  @Field(() => Int, { nullable: true })
  householdSize?: number;

  @Field({ nullable: true })
  phone?: string;

  @Field({ nullable: true })
  address?: string;

  @IsOptional()
  @ArrayMaxSize(9)
  @Field(() => [Vulnerability], { nullable: true })
  vulnerabilities?: Vulnerability[];

  @IsOptional()
  @ArrayMaxSize(9)
  @Field(() => [Need], { nullable: true })
  needs?: Need[];
}

@InputType()
export class BeneficiaryFilter {
  @Field(() => Need, { nullable: true })
  need?: Need;

  @Field(() => Vulnerability, { nullable: true })
  vulnerability?: Vulnerability;

  @Field(() => BeneficiaryStatus, { nullable: true })
  status?: BeneficiaryStatus;

  @Field({
    nullable: true,
    description: "Part of the household's name (any case) or of its phone number; for staff of the region only (it reads personal fields).",
  })
  search?: string;
}

@InputType()
export class OpenHelpRequestInput extends CapturedCreateInput {
  @Field()
  region!: string;

  @Field(() => HelpChannel)
  channel!: HelpChannel;

  @Field(() => Need)
  need!: Need;

  @Field(() => Urgency, { defaultValue: Urgency.NORMAL })
  urgency!: Urgency;

  @Field({ nullable: true })
  description?: string;

  @Field(() => ID, { nullable: true, description: "Known beneficiary; callers may be unknown." })
  beneficiaryId?: string | null;

  @Field(() => String, { nullable: true })
  contactPhone?: string | null;
}
