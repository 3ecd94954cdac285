// Every subgraph kind the project has, by name: the region host, compose and the tests
// build them from here.
import type { SubgraphDefinition } from "./shared/server.js";
import { beneficiariesSubgraph } from "./beneficiaries/schema.js";
import { eventsSubgraph } from "./events/schema.js";
import { inventorySubgraph } from "./inventory/schema.js";
import { volunteersSubgraph } from "./volunteers/schema.js";

export const SUBGRAPH_BUILDERS: Record<string, () => Promise<SubgraphDefinition>> = {
  volunteers: volunteersSubgraph,
  beneficiaries: beneficiariesSubgraph,
  inventory: inventorySubgraph,
  events: eventsSubgraph,
};

export async function buildSubgraphs(names = Object.keys(SUBGRAPH_BUILDERS)): Promise<SubgraphDefinition[]> {
  return Promise.all(names.map((n) => SUBGRAPH_BUILDERS[n]!()));
}
