import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { CAPTURED_AT_DESCRIPTION } from "../../kernel/capture.js";
import { Connection } from "../../kernel/pagination.js";
import { Actor, Personal } from "../../kernel/personal.js";
import { notForVolunteers, ReadableBy } from "../../kernel/visibility.js";
import { Region } from "./entities.js";
import { BeneficiaryStatus, Need, Urgency, Vulnerability } from "./enums.js";

@ObjectType({ description: "Consent to process the household's data, as recorded by staff." })
export class Consent {
  @Field()
  given!: boolean;

  @Personal()
  @Field(() => String, {
    nullable: true,
    description: "What the data may be used for, as told by the household. Personal: the region's staff only; erased with consent.",
  })
  purpose!: string | null;

  @Field()
  recordedAt!: Date;

  @Actor({ role: "REGIONAL_STAFF" })
  @Field(() => String, { description: "Who recorded it: the staff member's id for the region's staff, the role for others." })
  recordedBy!: string;

  @Field(() => Date, { nullable: true })
  withdrawnAt!: Date | null;

  /** Not in the graph: the household's region, and what a read of the purpose is audited as. */
  region!: string;
  audit!: { entity: string; id: string };
}

@Directive('@key(fields: "id")')
@ReadableBy(notForVolunteers("Beneficiaries"))
@ObjectType({ description: "A household or person receiving aid. The national ID number is never returned." })
export class Beneficiary {
  @Field(() => ID)
  id!: string;

  @Field(() => Region)
  region!: Region;

  @Personal()
  @Field(() => String, { nullable: true, description: "Personal: the region's staff only. Null once consent is withdrawn." })
  fullName!: string | null;

  @Field(() => Int)
  householdSize!: number;

  @Personal()
  @Field(() => String, { nullable: true, description: "Personal: the region's staff only." })
  phone!: string | null;

  @Personal()
  @Field(() => String, { nullable: true, description: "District or settlement. Personal: the region's staff only." })
  address!: string | null;

  @Field(() => [Vulnerability])
  vulnerabilities!: Vulnerability[];

  @Field(() => [Need])
  needs!: Need[];

  @Field(() => Consent)
  consent!: Consent;

  @Field(() => BeneficiaryStatus)
  status!: BeneficiaryStatus;

  @Personal()
  @Field(() => [String], {
    description:
      "Other regions where a household with the same national ID is enrolled too (region codes only), as found at enrolment or the last recheckDuplicates. Personal: the region's staff only.",
  })
  possibleDuplicateRegions!: string[];

  @Personal()
  @Field(() => [String], {
    description:
      "Other regions that could not be asked at that check (down, past the timeout, or no national key): a duplicate there is not excluded. Personal: the region's staff only.",
  })
  duplicateCheckMissing!: string[] | null;

  @Field(() => Date, { nullable: true, description: CAPTURED_AT_DESCRIPTION })
  capturedAt!: Date | null;

  @Field({ description: "When the server stored it." })
  registeredAt!: Date;
}

export const BeneficiaryConnection = Connection(Beneficiary, "Beneficiary");
export type BeneficiaryConnection = InstanceType<typeof BeneficiaryConnection>;

@ObjectType()
export class NeedCount {
  @Field(() => Need)
  need!: Need;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class UrgencyCount {
  @Field(() => Urgency)
  urgency!: Urgency;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "How many of a region's households may be enrolled in another region too." })
export class RegionHouseholds {
  @Field({ description: "The other region's code." })
  region!: string;

  @Field(() => Int)
  households!: number;
}

@ObjectType({ description: "Aggregates only: no one can be identified from them." })
export class BeneficiaryStats {
  @Field(() => Int, { description: "Registered households and persons, consent withdrawn included." })
  beneficiaries!: number;

  @Field(() => Int, { description: "People in those households." })
  people!: number;

  @Field(() => Int)
  openHelpRequests!: number;

  @Field(() => [NeedCount], { description: "Households with each need, every need listed, most first." })
  byNeed!: NeedCount[];

  @Field(() => [NeedCount], { description: "Open help requests per need, every need listed, most first." })
  openRequestsByNeed!: NeedCount[];

  @Field(() => [UrgencyCount], { description: "Open help requests per urgency, every urgency listed, most urgent first." })
  openRequestsByUrgency!: UrgencyCount[];
}
