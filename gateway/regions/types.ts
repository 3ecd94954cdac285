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

@ObjectType({ description: "One item across the country: what the regions hold, and what is between them." })
export class NationalItemStock {
  @Field({ description: "An inventory Item." })
  item!: string;

  @Field(() => Int, { description: "In the regions' warehouses." })
  held!: number;

  @Field(() => Int, { description: "In transfers between regions, each counted once (the destination's word winning)." })
  inTransit!: number;
}

@ObjectType({ description: "Two regions, and how many households may be enrolled in both." })
export class DuplicatePair {
  @Field(() => [String], { description: "The two regions' codes, in order." })
  regions!: string[];

  @Field(() => Int)
  households!: number;
}

@ObjectType({
  description:
    "The country's stock, added up exactly: each transfer counted once from both sides' records, whatever either side has heard of the other yet.",
})
export class NationalStock {
  @Field(() => [NationalItemStock])
  items!: NationalItemStock[];

  @Field(() => [String], {
    description:
      "Regions that could not be read (down, past the timeout, or refusing): their stock, and transfers to or from them, are not in the totals.",
  })
  regionsMissing!: string[];

  @Field({
    description:
      "True when two reads of every region agreed (nothing moved meanwhile): the totals are of one moment. False while stock was moving: ask again.",
  })
  consistent!: boolean;
}
