// The gateway's region registry: the shared registry format, where every region must
// name the URL of each of its four subgraphs. Errors name the bad entry.
import { RegionRegistry, type RegionInfo } from "../subgraphs/kernel/regions.js";
import { SUBGRAPH_NAMES } from "../subgraphs/manifest.js";
import { insecureAddresses } from "../subgraphs/kernel/urls.js";

/**
 * Every region names each subgraph's URL; with `production`, https ones, since callers'
 * assertions and personal data travel on them.
 */
export function checkGatewayRegistry(registry: RegionRegistry, source: string, options: { production?: boolean } = {}): RegionRegistry {
  const problems = [
    ...registry.regions.flatMap((r, i) =>
      SUBGRAPH_NAMES.filter((s) => !r.subgraphs?.[s]).map((s) => `regions.${i}.subgraphs.${s} (${r.code}): missing URL`),
    ),
    ...(options.production ? insecureAddresses(registry.regions) : []),
  ];
  if (problems.length) throw new Error(`region registry ${source} is invalid: ${problems.join("; ")}`);
  return registry;
}

export function loadGatewayRegistry(path: string, options: { production?: boolean } = {}): RegionRegistry {
  return checkGatewayRegistry(RegionRegistry.load(path), path, options);
}

/**
 * A gateway registry for `regions`, each served by a region host (`npm run region-host`)
 * at the base URL `hostFor` gives: its four subgraphs and its batch endpoint.
 */
export function registryFor(regions: RegionInfo[], hostFor: (region: string) => string): RegionRegistry {
  const withUrls = regions.map((r) => ({
    ...r,
    subgraphs: Object.fromEntries(SUBGRAPH_NAMES.map((s) => [s, `${hostFor(r.code)}/${r.code}/${s}/graphql`])),
    batch: `${hostFor(r.code)}/${r.code}/batch`,
  }));
  return checkGatewayRegistry(new RegionRegistry(withUrls), "(generated)");
}
