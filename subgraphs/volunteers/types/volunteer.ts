import { Directive, Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "../../kernel/pagination.js";
import { Personal } from "../../kernel/personal.js";
import { notForVolunteers, ownOnlyForVolunteers, ReadableBy } from "../../kernel/visibility.js";
import { Region } from "./region.js";
import { Skill, VolunteerStatus } from "./enums.js";

@Directive('@key(fields: "id")')
@ReadableBy(ownOnlyForVolunteers((v: Volunteer) => v.id, "profile"))
@ObjectType({ description: "A person who volunteers with a regional office." })
export class Volunteer {
  @Field(() => ID)
  id!: string;

  @Field(() => Region)
  region!: Region;

  @Field()
  fullName!: string;

  @Personal()
  @Field(() => String, { nullable: true, description: "E.164. Personal: the region's staff and the volunteer only." })
  phone!: string;

  @Field(() => [Skill])
  skills!: Skill[];

  @Field(() => [String], { description: "ISO 639-1 codes, e.g. kk, ru, en." })
  languages!: string[];

  @Field(() => VolunteerStatus)
  status!: VolunteerStatus;

  @Field()
  registeredAt!: Date;

  @Field()
  updatedAt!: Date;

  /** Not in the graph: for the group field resolver. */
  groupId!: string | null;
  /** The volunteer may see their own personal fields. */
  ownerId!: string;
}

export const VolunteerConnection = Connection(Volunteer, "Volunteer");
export type VolunteerConnection = InstanceType<typeof VolunteerConnection>;

@Directive('@key(fields: "id")')
@ReadableBy(notForVolunteers("Volunteer groups"))
@ObjectType({ description: "A volunteer group or organisation, with a leader." })
export class VolunteerGroup {
  @Field(() => ID)
  id!: string;

  @Field(() => Region)
  region!: Region;

  @Field()
  name!: string;

  /** Not in the graph: for the organisation field resolver. */
  organisationId!: string | null;

  @Field()
  createdAt!: Date;

  leaderId!: string | null;
}

export const VolunteerGroupConnection = Connection(VolunteerGroup, "VolunteerGroup");
export type VolunteerGroupConnection = InstanceType<typeof VolunteerGroupConnection>;

@ObjectType()
export class SkillCount {
  @Field(() => Skill)
  skill!: Skill;

  @Field(() => Int)
  count!: number;
}

@ObjectType({ description: "Volunteer numbers for a region." })
export class VolunteerStats {
  @Field(() => Int)
  total!: number;

  @Field(() => Int)
  active!: number;

  @Field(() => [SkillCount], { description: "ACTIVE volunteers per skill, every skill listed, most first." })
  bySkill!: SkillCount[];
}
