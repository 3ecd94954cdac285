// Which addresses the project may use in production: https only. Plain HTTP would let anyone
// on the way read what travels (personal data, callers' assertions, transfers) and alter
// answers. The gateway and the region hosts apply the same rule to the same registry.
import type { RegionInfo } from "./regions.js";

/** Why `url` may not be used with NODE_ENV=production, or null. */
export function insecureUrl(url: string): string | null {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return `not a URL: ${JSON.stringify(url)}`;
  }
  return protocol === "https:" ? null : `must be an https:// URL with NODE_ENV=production, not ${JSON.stringify(url)}`;
}

/** The registry entries of `regions` whose addresses are not https, as `regions.i.subgraphs.s (code): why`. */
export function insecureAddresses(regions: readonly RegionInfo[], include: (region: RegionInfo) => boolean = () => true): string[] {
  return regions.flatMap((region, i) => {
    if (!include(region)) return [];
    const addresses: Array<[string, string]> = [
      ...Object.entries(region.subgraphs ?? {}).map(([s, url]): [string, string] => [`subgraphs.${s}`, url]),
      ...(region.batch ? [["batch", region.batch] as [string, string]] : []),
    ];
    return addresses.flatMap(([path, url]) => {
      const why = insecureUrl(url);
      return why ? [`regions.${i}.${path} (${region.code}): ${why}`] : [];
    });
  });
}
