// Prometheus metrics, kept in memory and rendered as text on /metrics: requests,
// errors and latency of the gateway and of every region × subgraph fetch.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts = new Array<number>(BUCKETS.length).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    this.sum += seconds;
    this.count++;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.counts[i]++;
    });
  }
}

const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, "_")}"`)
    .join(",")}}`;

export class Metrics {
  private readonly fetches = new Map<string, { labels: Record<string, string>; total: number; errors: number; latency: Histogram }>();
  private readonly requests = { total: 0, errors: 0, latency: new Histogram() };

  /** One fetch to a regional subgraph; `ok` is false when the region was unavailable. */
  fetch(region: string, subgraph: string, seconds: number, ok: boolean): void {
    const key = `${region}/${subgraph}`;
    let m = this.fetches.get(key);
    if (!m) this.fetches.set(key, (m = { labels: { region, subgraph }, total: 0, errors: 0, latency: new Histogram() }));
    m.total++;
    if (!ok) m.errors++;
    m.latency.observe(seconds);
  }

  /** Fetches sent to regional subgraphs so far (all regions and subgraphs). */
  get totalFetches(): number {
    let n = 0;
    for (const m of this.fetches.values()) n += m.total;
    return n;
  }

  /** One GraphQL request at the gateway; `failed` when its response carried errors. */
  request(seconds: number, failed: boolean): void {
    this.requests.total++;
    if (failed) this.requests.errors++;
    this.requests.latency.observe(seconds);
  }

  render(): string {
    const out: string[] = [];
    const histogram = (name: string, h: Histogram, l: Record<string, string> = {}) => {
      BUCKETS.forEach((b, i) => out.push(`${name}_bucket${labels({ ...l, le: String(b) })} ${h.counts[i]}`));
      out.push(`${name}_bucket${labels({ ...l, le: "+Inf" })} ${h.count}`);
      out.push(`${name}_sum${Object.keys(l).length ? labels(l) : ""} ${h.sum}`);
      out.push(`${name}_count${Object.keys(l).length ? labels(l) : ""} ${h.count}`);
    };
    out.push("# HELP aidgraph_gateway_requests_total GraphQL requests received by the gateway.");
    out.push("# TYPE aidgraph_gateway_requests_total counter");
    out.push(`aidgraph_gateway_requests_total ${this.requests.total}`);
    out.push("# HELP aidgraph_gateway_request_errors_total GraphQL requests answered with at least one error.");
    out.push("# TYPE aidgraph_gateway_request_errors_total counter");
    out.push(`aidgraph_gateway_request_errors_total ${this.requests.errors}`);
    out.push("# HELP aidgraph_gateway_request_duration_seconds Time to answer a GraphQL request.");
    out.push("# TYPE aidgraph_gateway_request_duration_seconds histogram");
    histogram("aidgraph_gateway_request_duration_seconds", this.requests.latency);
    out.push("# HELP aidgraph_subgraph_requests_total Fetches sent to a region's subgraph.");
    out.push("# TYPE aidgraph_subgraph_requests_total counter");
    for (const m of this.fetches.values()) out.push(`aidgraph_subgraph_requests_total${labels(m.labels)} ${m.total}`);
    out.push("# HELP aidgraph_subgraph_unavailable_total Fetches whose region failed or timed out.");
    out.push("# TYPE aidgraph_subgraph_unavailable_total counter");
    for (const m of this.fetches.values()) out.push(`aidgraph_subgraph_unavailable_total${labels(m.labels)} ${m.errors}`);
    out.push("# HELP aidgraph_subgraph_request_duration_seconds Latency of fetches to a region's subgraph.");
    out.push("# TYPE aidgraph_subgraph_request_duration_seconds histogram");
    for (const m of this.fetches.values()) histogram("aidgraph_subgraph_request_duration_seconds", m.latency, m.labels);
    return `${out.join("\n")}\n`;
  }
}
