import { Directive, Field, ID, ObjectType } from "type-graphql";
import { CAPTURED_AT_DESCRIPTION } from "../../kernel/capture.js";
import { Connection } from "../../kernel/pagination.js";
import { Actor, Personal } from "../../kernel/personal.js";
import { ownOnlyForVolunteers, ReadableBy } from "../../kernel/visibility.js";
import { Region } from "./entities.js";
import { HelpChannel, HelpRequestStatus, Need, Urgency } from "./enums.js";

@ObjectType({ description: "One step of a help request's life: when, by whom, from and to which status." })
export class StatusChange {
  @Field(() => HelpRequestStatus, { nullable: true, description: "Null for the opening of the request." })
  from!: HelpRequestStatus | null;

  @Field(() => HelpRequestStatus)
  to!: HelpRequestStatus;

  @Field()
  at!: Date;

  @Actor()
  @Field({ description: "Role and id of who made the change; other regions and volunteers see the role only." })
  actor!: string;

  @Personal()
  @Field(() => String, { nullable: true, description: "Triage, fulfilment or cancellation note. Personal: free text about people." })
  note!: string | null;

  /** Not in the graph: whose request it is, for the rules on the fields above. */
  region!: string;
  ownerId!: string | null;
  audit!: { entity: string; id: string };
}

@Directive('@key(fields: "id")')
@ReadableBy(ownOnlyForVolunteers((r: HelpRequest) => r.assignedVolunteerId, "assigned help requests"))
@ObjectType({ description: "A request for help, from the hotline, a walk-in, online, a referral or outreach." })
export class HelpRequest {
  @Field(() => ID)
  id!: string;

  @Field(() => Region)
  region!: Region;

  @Field(() => HelpChannel)
  channel!: HelpChannel;

  @Field(() => Need)
  need!: Need;

  @Field(() => Urgency)
  urgency!: Urgency;

  @Personal()
  @Field(() => String, { nullable: true, description: "Personal: the region's staff and the assigned volunteer." })
  description!: string | null;

  @Personal()
  @Field(() => String, { nullable: true, description: "Personal: the region's staff and the assigned volunteer." })
  contactPhone!: string | null;

  @Field(() => HelpRequestStatus)
  status!: HelpRequestStatus;

  @Field(() => [StatusChange])
  history!: StatusChange[];

  @Field(() => Date, { nullable: true, description: CAPTURED_AT_DESCRIPTION })
  capturedAt!: Date | null;

  @Field({ description: "When the server stored it." })
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  /** Resolved by field resolvers; not exposed as such. */
  beneficiaryId!: string | null;
  assignedVolunteerId!: string | null;
  /** The assigned volunteer may see the caller's contact details. */
  ownerId!: string | null;
}

export const HelpRequestConnection = Connection(HelpRequest, "HelpRequest");
export type HelpRequestConnection = InstanceType<typeof HelpRequestConnection>;
