// Periodic health probes of every region × subgraph: GET <subgraph>/health (the region
// host answers after pinging its database). Results feed Region.status, /health and
// the router's view of which regions are up.
import type { RegionInfo } from "../subgraphs/kernel/regions.js";
import { SUBGRAPH_NAMES, type SubgraphName } from "../subgraphs/manifest.js";

export interface ProbeResult {
  healthy: boolean;
  latencyMs: number | null;
  checkedAt: Date | null;
  error: string | null;
}

const healthUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql\/?$/, "/health");

export class HealthMonitor {
  private readonly results = new Map<string, ProbeResult>();
  private timer?: NodeJS.Timeout;
  private firstRound?: Promise<void>;

  constructor(
    private readonly regions: RegionInfo[],
    private readonly options: { intervalMs: number; timeoutMs: number },
  ) {}

  private key(region: string, subgraph: SubgraphName): string {
    return `${region}/${subgraph}`;
  }

  get(region: string, subgraph: SubgraphName): ProbeResult {
    return this.results.get(this.key(region, subgraph)) ?? { healthy: false, latencyMs: null, checkedAt: null, error: "not checked yet" };
  }

  region(region: RegionInfo): { healthy: boolean; subgraphs: Array<ProbeResult & { name: SubgraphName }> } {
    const subgraphs = SUBGRAPH_NAMES.map((name) => ({ name, ...this.get(region.code, name) }));
    return { healthy: subgraphs.every((s) => s.healthy), subgraphs };
  }

  private async probe(region: RegionInfo, subgraph: SubgraphName): Promise<void> {
    const url = region.subgraphs?.[subgraph];
    const started = performance.now();
    let result: ProbeResult;
    if (!url) {
      result = { healthy: false, latencyMs: null, checkedAt: new Date(), error: "no URL in the registry" };
    } else {
      try {
        const res = await fetch(healthUrl(url), { signal: AbortSignal.timeout(this.options.timeoutMs) });
        await res.arrayBuffer();
        result = {
          healthy: res.ok,
          latencyMs: Math.round(performance.now() - started),
          checkedAt: new Date(),
          error: res.ok ? null : `HTTP ${res.status}`,
        };
      } catch (err) {
        const e = err as Error;
        result = { healthy: false, latencyMs: null, checkedAt: new Date(), error: e.name === "TimeoutError" ? "timed out" : e.message };
      }
    }
    this.results.set(this.key(region.code, subgraph), result);
  }

  async checkAll(): Promise<void> {
    await Promise.all(this.regions.flatMap((r) => SUBGRAPH_NAMES.map((s) => this.probe(r, s))));
  }

  /** Starts periodic probes; resolves after the first round. */
  start(): Promise<void> {
    this.firstRound ??= this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.intervalMs);
    this.timer.unref();
    return this.firstRound;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
