import { ArrayMaxSize } from "class-validator";
import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { CreateInput } from "../../kernel/inputs.js";
import { Connection } from "../../kernel/pagination.js";
import { Region } from "./region.js";

export enum OrganisationKind {
  NGO = "NGO",
  PUBLIC_BODY = "PUBLIC_BODY",
  BUSINESS = "BUSINESS",
  INFORMAL_GROUP = "INFORMAL_GROUP",
}
registerEnumType(OrganisationKind, {
  name: "OrganisationKind",
  description: "An NGO, a public body (an akimat's centre, a school), a business, or an informal group of citizens.",
});

/** Not personal data: an organisation's name and kind are what a 3W report publishes. */
@Directive('@key(fields: "id")')
@ObjectType({ description: "An organisation that runs groups, events or warehouses: the who of a 3W report." })
export class Organisation {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => OrganisationKind)
  kind!: OrganisationKind;

  @Field(() => [Region], { description: "The regions it works in, the registering region first." })
  regions!: Region[];

  @Field()
  createdAt!: Date;
}

@InputType()
export class CreateOrganisationInput extends CreateInput {
  @Field({ description: "The registering region (its staff register the organisation; its records may point at it)." })
  region!: string;

  @Field()
  name!: string;

  @Field(() => OrganisationKind)
  kind!: OrganisationKind;

  @ArrayMaxSize(50)
  @Field(() => [String], { defaultValue: [], description: "Other regions it works in (ISO 3166-2 codes)." })
  alsoWorksIn!: string[];
}

export const OrganisationConnection = Connection(Organisation, "Organisation");
export type OrganisationConnection = InstanceType<typeof OrganisationConnection>;
