// What the national graph is made of, in one place: every subgraph, every entity type (the
// code its ids carry and the subgraph that owns it), and the entity types whose fields a
// subgraph answers in every region. Everything else (the ID codec, the registry's URLs,
// the builders, the router's broadcast, the health probes) derives from this; a new
// subgraph or entity is one edit here, and the compiler finds what is missing elsewhere.
// This module imports nothing.

export const SUBGRAPH_NAMES = ["volunteers", "beneficiaries", "inventory", "events"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const ENTITIES = {
  Volunteer: { code: "vol", owner: "volunteers" },
  VolunteerGroup: { code: "grp", owner: "volunteers" },
  Beneficiary: { code: "ben", owner: "beneficiaries" },
  HelpRequest: { code: "req", owner: "beneficiaries" },
  Warehouse: { code: "wh", owner: "inventory" },
  Donation: { code: "don", owner: "inventory" },
  Distribution: { code: "dst", owner: "inventory" },
  StockMovement: { code: "mov", owner: "inventory" },
  Transfer: { code: "trf", owner: "inventory" },
  Event: { code: "evt", owner: "events" },
  Organisation: { code: "org", owner: "volunteers" },
  // A region's activity over a period of dates (the id holds the dates): inventory lists
  // the intervals, beneficiaries and events add their figures.
  ActivityInterval: { code: "act", owner: "inventory" },
} as const satisfies Record<string, { code: string; owner: SubgraphName }>;
export type EntityType = keyof typeof ENTITIES;

/**
 * Per subgraph, the entity types (owned elsewhere) whose fields it answers in every region
 * for a record of any region: volunteers sign up for events wherever help is needed, so
 * every region answers `Volunteer.events` and `hoursServed` for its own events. The router
 * asks all regions and merges; the cost estimate counts such fields once per region.
 */
export const BROADCAST: Partial<Record<SubgraphName, readonly EntityType[]>> = { events: ["Volunteer"] };

/** Whether `subgraph` answers `type`'s fields for records of every region. */
export const answersEveryRegion = (subgraph: SubgraphName, type: EntityType): boolean => BROADCAST[subgraph]?.includes(type) ?? false;
