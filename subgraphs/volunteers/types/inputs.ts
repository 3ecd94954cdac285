import { ArrayMaxSize, IsOptional, Matches } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { CreateInput } from "../../kernel/inputs.js";
import { Skill, VolunteerStatus } from "./enums.js";

const LANGUAGE = /^[a-z]{2,3}$/;
const LANGUAGE_MESSAGE = "each language must be an ISO 639 code such as kk, ru or en";

@InputType()
export class RegisterVolunteerInput extends CreateInput {
  @Field({ description: "ISO 3166-2 code of the registering region." })
  region!: string;

  @Field()
  fullName!: string;

  @Field({ description: "Normalised to E.164; unique within the region." })
  phone!: string;

  @ArrayMaxSize(20)
  @Field(() => [Skill], { defaultValue: [] })
  skills!: Skill[];

  @ArrayMaxSize(20)
  @Matches(LANGUAGE, { each: true, message: LANGUAGE_MESSAGE })
  @Field(() => [String], { defaultValue: [] })
  languages!: string[];

  @Field(() => ID, { nullable: true })
  groupId?: string | null;
}

@InputType({ description: "Only the fields given are changed." })
export class UpdateVolunteerInput {
  @Field({ nullable: true })
  fullName?: string;

  @Field({ nullable: true })
  phone?: string;

  @IsOptional()
  @ArrayMaxSize(20)
  @Field(() => [Skill], { nullable: true })
  skills?: Skill[];

  @IsOptional()
  @ArrayMaxSize(20)
  @Matches(LANGUAGE, { each: true, message: LANGUAGE_MESSAGE })
  @Field(() => [String], { nullable: true })
  languages?: string[];

  @Field(() => ID, { nullable: true, description: "A group of the same region; null leaves the group." })
  groupId?: string | null;
}

@InputType()
export class VolunteerFilter {
  @Field(() => Skill, { nullable: true })
  skill?: Skill;

  @Field(() => VolunteerStatus, { nullable: true })
  status?: VolunteerStatus;

  @IsOptional()
  @Matches(LANGUAGE, { message: LANGUAGE_MESSAGE })
  @Field({ nullable: true })
  language?: string;

  @Field({ nullable: true, description: "Part of the name, any case." })
  search?: string;

  @Field(() => ID, { nullable: true })
  groupId?: string;
}

@InputType()
export class CreateVolunteerGroupInput extends CreateInput {
  @Field()
  region!: string;

  @Field()
  name!: string;

  @Field(() => ID, { nullable: true, description: "An Organisation registered with the region that the group works for." })
  organisationId?: string;

  @Field(() => ID, { nullable: true, description: "A volunteer of the region; joins the group as its leader." })
  leaderId?: string;
}
