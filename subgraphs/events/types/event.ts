import { Directive, Field, Float, ID, Int, ObjectType } from "type-graphql";
import { CAPTURED_AT_DESCRIPTION } from "../../kernel/capture.js";
import { Connection } from "../../kernel/pagination.js";
import { OrganisationRef, Region, VolunteerRef } from "./entities.js";
import { EventKind, EventStatus } from "./enums.js";
import { ownOnlyForVolunteers, ReadableBy } from "../../kernel/visibility.js";

/** Sign-ups listed per event: an event may take up to 100,000, each a reference to resolve. */
export const DEFAULT_LISTED = 100;
export const MAX_LISTED = 1000;

@ReadableBy(ownOnlyForVolunteers((a: Attendance) => a.volunteer.id, "attendance"), ["volunteer"])
@ObjectType({ description: "A volunteer's place at an event and the hours they served." })
export class Attendance {
  @Field(() => VolunteerRef)
  volunteer!: VolunteerRef;

  @Field()
  signedUpAt!: Date;

  @Field(() => Float, { nullable: true, description: "Recorded after the event has started; null until then." })
  hours!: number | null;

  @Field(() => Date, { nullable: true, description: "When the server stored the hours." })
  attendedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: CAPTURED_AT_DESCRIPTION })
  capturedAt!: Date | null;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: "A blood drive, charity drive, training, seminar, distribution, cleanup or consultation." })
export class Event {
  @Field(() => ID)
  id!: string;

  @Field(() => Region)
  region!: Region;

  @Field()
  title!: string;

  @Field(() => EventKind)
  kind!: EventKind;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field()
  startsAt!: Date;

  @Field()
  endsAt!: Date;

  @Field(() => String, { nullable: true, description: "Where it takes place (null for online events)." })
  location!: string | null;

  @Field(() => String, { nullable: true, description: "Link for online events." })
  onlineUrl!: string | null;

  @Field(() => Int)
  capacity!: number;

  @Field(() => Int)
  spotsLeft!: number;

  @Field(() => OrganisationRef, { nullable: true, description: "The organisation (registered with the region) that runs it." })
  organisation!: OrganisationRef | null;

  @Field(() => EventStatus)
  status!: EventStatus;

  @Field(() => [VolunteerRef], {
    nullable: "items",
    description: `Signed-up volunteers (from any region) in sign-up order, the first \`first\` (1 to ${MAX_LISTED}); resolved by the volunteers subgraph, null for one whose region cannot be reached.`,
  })
  participants!: VolunteerRef[];

  @Field(() => [Attendance], {
    description: `Sign-ups and the hours served, in sign-up order, the first \`first\` (1 to ${MAX_LISTED}); a volunteer sees only their own.`,
  })
  attendance!: Attendance[];

  @Field(() => String, { nullable: true, description: "Why it was cancelled." })
  cancelReason!: string | null;
}

export const EventConnection = Connection(Event, "Event");
export type EventConnection = InstanceType<typeof EventConnection>;
