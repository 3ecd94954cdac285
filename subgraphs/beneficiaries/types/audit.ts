import { Field, ID, ObjectType } from "type-graphql";
import { Connection } from "../../kernel/pagination.js";

@ObjectType({ description: "One comparison of a household's national match token with another region's records." })
class RegionComparison {
  @Field()
  region!: string;

  @Field({
    description:
      "MATCH or NO_MATCH (the region answered), INCOMPLETE (no match, but it has households it cannot compare), or UNREACHABLE (asked, but no answer in time).",
  })
  outcome!: string;

  @Field({ description: "The message's id: the other region's entry for this comparison carries the same." })
  message!: string;
}

@ObjectType({ description: "Who read personal data or changed records about people, and when." })
class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field()
  at!: Date;

  @Field({ description: "The caller's id (token subject)." })
  actor!: string;

  @Field()
  role!: string;

  @Field({
    description:
      "READ_PERSONAL, WRITE, COMPARE (a household's match token compared with another region's records), or SEARCH_PERSONAL (households searched by name or phone: the ids of the page returned, none included; never the search text).",
  })
  action!: string;

  @Field({ description: "The GraphQL operation or mutation." })
  operation!: string;

  @Field()
  entity!: string;

  @Field(() => [ID])
  ids!: string[];

  @Field(() => [RegionComparison], { nullable: true, description: "COMPARE: the other regions the record was compared with." })
  compared!: RegionComparison[] | null;
}

export const AuditEntryConnection = Connection(AuditEntry, "AuditEntry");
export type AuditEntryConnection = InstanceType<typeof AuditEntryConnection>;
