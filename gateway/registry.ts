// The gateway's region registry: the shared registry format, where every region must
// name the URL of each of its four subgraphs. Errors name the bad entry.
import { RegionRegistry, SUBGRAPH_NAMES, type RegionInfo, type SubgraphName } from "../subgraphs/shared/regions.js";

export function checkGatewayRegistry(registry: RegionRegistry, source: string): RegionRegistry {
  const problems = registry.regions.flatMap((r, i) =>
    SUBGRAPH_NAMES.filter((s) => !r.subgraphs?.[s]).map((s) => `regions.${i}.subgraphs.${s} (${r.code}): missing URL`),
  );
  if (problems.length) throw new Error(`region registry ${source} is invalid: ${problems.join("; ")}`);
  return registry;
}

export function loadGatewayRegistry(path: string): RegionRegistry {
  return checkGatewayRegistry(RegionRegistry.load(path), path);
}

/** A gateway registry for `regions`, each subgraph at the URL `urlFor` gives. */
export function registryFor(regions: RegionInfo[], urlFor: (region: string, subgraph: SubgraphName) => string): RegionRegistry {
  const withUrls = regions.map((r) => ({ ...r, subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, urlFor(r.code, s)])) }));
  return checkGatewayRegistry(new RegionRegistry(withUrls), "(generated)");
}
