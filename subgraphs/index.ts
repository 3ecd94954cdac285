// Every subgraph kind the project has, by name (the manifest's): the region host, compose
// and the tests build them from here. A subgraph of the manifest without a builder does not compile.
import { SUBGRAPH_NAMES, type SubgraphName } from "./manifest.js";
import type { SubgraphDefinition } from "./kernel/subgraph.js";
import { beneficiariesSubgraph } from "./beneficiaries/schema.js";
import { eventsSubgraph } from "./events/schema.js";
import { inventorySubgraph } from "./inventory/schema.js";
import { volunteersSubgraph } from "./volunteers/schema.js";

const SUBGRAPH_BUILDERS = {
  volunteers: volunteersSubgraph,
  beneficiaries: beneficiariesSubgraph,
  inventory: inventorySubgraph,
  events: eventsSubgraph,
} satisfies Record<SubgraphName, () => Promise<SubgraphDefinition>>;

export async function buildSubgraphs(names: readonly SubgraphName[] = SUBGRAPH_NAMES): Promise<SubgraphDefinition[]> {
  return Promise.all(names.map((n) => SUBGRAPH_BUILDERS[n]()));
}
