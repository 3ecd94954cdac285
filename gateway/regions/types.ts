import { Directive, Field, Int, ObjectType, registerEnumType } from "type-graphql";

// Enum values equal their names everywhere in this project: buildSubgraphSchema rebuilds
// the schema from SDL, which keeps names only.
export enum Language {
  KK = "KK",
  RU = "RU",
  EN = "EN",
}
registerEnumType(Language, { name: "Language", description: "Kazakh, Russian or English." });

export enum RegionKind {
  OBLAST = "OBLAST",
  CITY = "CITY",
}
registerEnumType(RegionKind, { name: "RegionKind", description: "An oblast, or a city of republican significance." });

@ObjectType()
export class RegionNames {
  @Field()
  kk!: string;

  @Field()
  ru!: string;

  @Field()
  en!: string;
}

@ObjectType({ description: "One regional subgraph as the gateway last probed it." })
export class SubgraphStatus {
  @Field()
  name!: string;

  @Field()
  healthy!: boolean;

  @Field(() => Int, { nullable: true })
  latencyMs!: number | null;

  @Field(() => Date, { nullable: true })
  checkedAt!: Date | null;

  @Field(() => String, { nullable: true, description: "Why the last probe failed." })
  error!: string | null;
}

@ObjectType()
export class RegionStatus {
  @Field({ description: "Every subgraph of the region is reachable." })
  healthy!: boolean;

  @Field(() => [SubgraphStatus])
  subgraphs!: SubgraphStatus[];
}

@Directive('@key(fields: "code")')
@ObjectType({ description: "A region (ISO 3166-2 code); every subgraph adds its own fields." })
export class Region {
  @Field(() => String, { description: "ISO 3166-2 code, e.g. KZ-75." })
  code!: string;

  @Field(() => RegionNames)
  names!: RegionNames;

  @Field(() => RegionKind)
  kind!: RegionKind;
}
