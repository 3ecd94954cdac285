// The regional router: routes one logical subgraph fetch to many regional deployments.
//  - `_entities` fetches are split by the region of each representation, sent in
//    parallel, and re-assembled in the original order, error paths re-indexed.
//    Entity types a subgraph answers in every region (Volunteer.events: volunteers sign
//    up wherever help is needed) are sent to all regions and merged.
//  - Root fields go to the region their arguments name; a fetch whose fields target
//    several regions is split per region (mutations in order, one after another).
//  - A region that fails or exceeds the timeout gives null for its part and a
//    REGION_UNAVAILABLE error naming it; every other region's data arrives.
import { randomUUID } from "node:crypto";
import { OperationTypeNode, type GraphQLError, type GraphQLFormattedError } from "graphql";
import { noticesOf, type Notice } from "../../subgraphs/kernel/errors.js";
import { REGION_TIMEOUT_HEADER } from "../../subgraphs/kernel/http.js";
import { DEFAULT_LIMITS } from "../../subgraphs/kernel/limits.js";
import { MAX_BATCH, type RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { type SubgraphName } from "../../subgraphs/manifest.js";
import type { Metrics } from "../metrics.js";
import { LruCache } from "../../subgraphs/kernel/lru.js";
import { analyse, restrictToFields, type FetchPlan, type RootField } from "./plan.js";
import { routeRepresentation, routeRootField } from "./routing.js";
import { postJson, TimeoutError, type Transport } from "./transport.js";

export interface SubgraphResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  /** Notices of root fields (errors.ts Notice), passed on to the caller's response. */
  extensions?: { notices?: Notice[] };
}

export interface FetchRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface CallerInfo {
  /** The caller's own header: what keeps one caller's fetches apart from another's. */
  authorization?: string;
  requestId?: string;
  /** What to send a region for the caller: the gateway's assertion, bound to that region. */
  authorizationFor?: (region: string) => Promise<string | undefined>;
}

export interface RouterOptions {
  registry: RegionRegistry;
  timeoutMs: number;
  metrics: Metrics;
  /** Per subgraph, entity types every region answers for (sent to all regions, merged). */
  broadcast?: Partial<Record<SubgraphName, readonly string[]>>;
  /** The most representations a region host takes in one request (its MAX_REPRESENTATIONS). */
  maxRepresentations?: number;
  /** How requests reach the regions; by default `postJson` (keep-alive http/https). */
  transport?: Transport;
}

class Unavailable {
  constructor(
    readonly region: string,
    readonly subgraph: string,
    readonly reason: string,
  ) {}

  error(path: Array<string | number>): GraphQLFormattedError {
    return {
      message: `region ${this.region} is unavailable (${this.subgraph}: ${this.reason})`,
      path,
      extensions: { code: "REGION_UNAVAILABLE", region: this.region, subgraph: this.subgraph },
    };
  }
}

function asFormatted(err: unknown, path: Array<string | number>): GraphQLFormattedError {
  const e = err as GraphQLError;
  return { message: e.message, path, extensions: { ...(e.extensions ?? { code: "INTERNAL_SERVER_ERROR" }) } };
}

/** `Array.isArray`, narrowing to `unknown[]` rather than `any[]`. */
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/** Merges what several regions answered for one broadcast representation. */
function combine(a: unknown, b: unknown): unknown {
  if (a === null || a === undefined) return b;
  if (b === null || b === undefined) return a;
  if (isArray(a) && isArray(b)) return [...a, ...b];
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = combine(out[k], v);
    return out;
  }
  return a;
}

interface BatchItem {
  subgraph: SubgraphName;
  body: FetchRequest;
  /** Representations the fetch carries (hosts limit them per request). */
  representations: number;
  resolve(res: SubgraphResponse | Unavailable): void;
}

interface Batch {
  region: string;
  url: string;
  caller: CallerInfo;
  items: BatchItem[];
}

/** Consecutive runs of `items` with at most `max` of them and at most `maxWeight` in weight each. */
function partition<T>(items: T[], max: number, maxWeight: number, weight: (item: T) => number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [];
  let total = 0;
  for (const item of items) {
    if (part.length && (part.length === max || total + weight(item) > maxWeight)) {
      parts.push(part);
      part = [];
      total = 0;
    }
    part.push(item);
    total += weight(item);
  }
  if (part.length) parts.push(part);
  return parts;
}

export class RegionalRouter {
  private readonly plans = new LruCache<string, FetchPlan>(2000);
  private readonly restricted = new LruCache<string, string>(2000);
  /** Fetches waiting for the end of this turn of the event loop, per region and caller. */
  private readonly batches = new Map<string, Batch>();
  /** Batch URLs that answered 404: hosts without the endpoint. */
  private readonly withoutBatch = new Set<string>();

  private readonly transport: Transport;

  constructor(private readonly options: RouterOptions) {
    this.transport = options.transport ?? postJson;
  }

  private plan(query: string): FetchPlan {
    let plan = this.plans.get(query);
    if (!plan) this.plans.set(query, (plan = analyse(query)));
    return plan;
  }

  async process(subgraph: SubgraphName, request: FetchRequest, caller: CallerInfo): Promise<SubgraphResponse> {
    const plan = this.plan(request.query);
    return plan.kind === "entities" ? this.entities(subgraph, plan, request, caller) : this.root(subgraph, plan, request, caller);
  }

  /**
   * Sends one fetch to one region's subgraph. Fetches for the same region and caller that
   * start in the same turn of the event loop (a plan's parallel steps: a national query
   * asks each region's four subgraphs at once) leave together, in one request to the
   * region's batch endpoint when the registry names one.
   */
  private send(
    region: string,
    subgraph: SubgraphName,
    body: FetchRequest,
    caller: CallerInfo,
    representations = 0,
  ): Promise<SubgraphResponse | Unavailable> {
    const url = this.options.registry.get(region)?.batch;
    if (!url || this.withoutBatch.has(url)) return this.sendOne(region, subgraph, body, caller);
    const key = `${url}\u0000${caller.authorization ?? ""}\u0000${caller.requestId ?? ""}`;
    let batch = this.batches.get(key);
    if (!batch) {
      const created: Batch = { region, url, caller, items: [] };
      this.batches.set(key, (batch = created));
      setImmediate(() => {
        this.batches.delete(key);
        void this.flush(created);
      });
    }
    return new Promise((resolve) => batch.items.push({ subgraph, body, representations, resolve }));
  }

  private get maxRepresentations(): number {
    return this.options.maxRepresentations ?? DEFAULT_LIMITS.maxRepresentations;
  }

  private async flush({ region, url, caller, items }: Batch): Promise<void> {
    if (items.length === 1) return items[0].resolve(await this.sendOne(region, items[0].subgraph, items[0].body, caller));
    // A host takes at most MAX_BATCH operations and maxRepresentations representations per batch.
    const parts = partition(items, MAX_BATCH, this.maxRepresentations, (i) => i.representations);
    if (parts.length > 1) {
      for (const part of parts) void this.flush({ region, url, caller, items: part });
      return;
    }
    const started = performance.now();
    const answer = await this.post(url, { requests: items.map((i) => ({ subgraph: i.subgraph, ...i.body })) }, caller, region);
    const seconds = (performance.now() - started) / 1000;
    const responses =
      answer instanceof Error
        ? undefined
        : (answer.json as { responses?: Array<{ status?: number; body?: unknown }> } | undefined)?.responses;
    if (!(answer instanceof Error) && answer.status === 404 && !responses) {
      // A host without the batch endpoint (an older version): ask it one fetch at a time.
      this.withoutBatch.add(url);
      await Promise.all(items.map(async (i) => i.resolve(await this.sendOne(region, i.subgraph, i.body, caller))));
      return;
    }
    items.forEach((item, n) => {
      // Without a list, the host refused the whole batch (401, 413, …): each fetch gets that answer.
      const result = answer instanceof Error || !responses ? answer : { status: responses[n]?.status ?? 0, json: responses[n]?.body };
      const res = this.response(region, item.subgraph, result);
      this.options.metrics.fetch(region, item.subgraph, seconds, !(res instanceof Unavailable));
      item.resolve(res);
    });
  }

  /** POSTs one fetch to one region's subgraph, with the caller's token and the region timeout. */
  private async sendOne(
    region: string,
    subgraph: SubgraphName,
    body: FetchRequest,
    caller: CallerInfo,
  ): Promise<SubgraphResponse | Unavailable> {
    const url = this.options.registry.get(region)?.subgraphs?.[subgraph];
    if (!url) return new Unavailable(region, subgraph, "no URL in the registry");
    const started = performance.now();
    const res = this.response(region, subgraph, await this.post(url, body, caller, region));
    this.options.metrics.fetch(region, subgraph, (performance.now() - started) / 1000, !(res instanceof Unavailable));
    return res;
  }

  private async post(url: string, body: unknown, caller: CallerInfo, region: string): Promise<{ status: number; json: unknown } | Error> {
    try {
      const authorization = caller.authorizationFor ? await caller.authorizationFor(region) : caller.authorization;
      const res = await this.transport(
        url,
        JSON.stringify(body),
        {
          "x-request-id": caller.requestId ?? randomUUID(),
          // The region's own waits (on other regions) then end in time for this one.
          [REGION_TIMEOUT_HEADER]: String(this.options.timeoutMs),
          ...(authorization ? { authorization } : {}),
        },
        this.options.timeoutMs,
      );
      let json: unknown;
      try {
        json = JSON.parse(res.body);
      } catch {
        json = undefined;
      }
      return { status: res.status, json };
    } catch (err) {
      return err as Error;
    }
  }

  /** A subgraph's GraphQL answer, or why the region gave none. */
  private response(region: string, subgraph: string, result: { status: number; json: unknown } | Error): SubgraphResponse | Unavailable {
    if (result instanceof Error) {
      const e = result as Error & { code?: string };
      if (e instanceof TimeoutError) return new Unavailable(region, subgraph, `no answer within ${this.options.timeoutMs} ms`);
      return new Unavailable(region, subgraph, e.code ?? e.message);
    }
    const json = result.json as SubgraphResponse | undefined;
    if (result.status >= 500 || !json || typeof json !== "object" || !("data" in json || "errors" in json)) {
      return new Unavailable(region, subgraph, `HTTP ${result.status}`);
    }
    return json;
  }

  private async entities(
    subgraph: SubgraphName,
    plan: Extract<FetchPlan, { kind: "entities" }>,
    request: FetchRequest,
    caller: CallerInfo,
  ): Promise<SubgraphResponse> {
    const key = plan.responseKey;
    const reps = (request.variables?.[plan.representationsVariable] ?? []) as Array<{ __typename?: string }>;
    const slots: unknown[] = new Array(reps.length).fill(null);
    const errors: GraphQLFormattedError[] = [];
    const broadcastTypes = new Set(this.options.broadcast?.[subgraph] ?? []);
    const broadcast: number[] = [];
    const byRegion = new Map<string, number[]>();
    reps.forEach((rep, i) => {
      if (broadcastTypes.has(rep?.__typename ?? "")) return void broadcast.push(i);
      try {
        const region = routeRepresentation(rep, this.options.registry);
        byRegion.set(region, [...(byRegion.get(region) ?? []), i]);
      } catch (err) {
        errors.push(asFormatted(err, [key, i]));
      }
    });
    if (broadcast.length) {
      for (const r of this.options.registry.regions) byRegion.set(r.code, [...(byRegion.get(r.code) ?? []), ...broadcast]);
    }
    const broadcastSet = new Set(broadcast);
    const merged: unknown[] = new Array(reps.length).fill(undefined);
    // A host refuses more representations than its limit in one request: larger shares go in parts.
    const shares = [...byRegion].flatMap(([region, indexes]) =>
      partition(indexes, Infinity, this.maxRepresentations, () => 1).map((part) => [region, part] as const),
    );
    await Promise.all(
      shares.map(async ([region, indexes]) => {
        const res = await this.send(
          region,
          subgraph,
          { ...request, variables: { ...request.variables, [plan.representationsVariable]: indexes.map((i) => reps[i]) } },
          caller,
          indexes.length,
        );
        if (res instanceof Unavailable) {
          for (const i of indexes) errors.push(res.error([key, i]));
          return;
        }
        const answers = (res.data?.[key] ?? []) as unknown[];
        indexes.forEach((original, j) => {
          if (broadcastSet.has(original)) merged[original] = combine(merged[original], answers[j]);
          else slots[original] = answers[j] ?? null;
        });
        for (const e of res.errors ?? []) {
          const path = e.path ? [...e.path] : undefined;
          if (path && path[0] === key && typeof path[1] === "number") path[1] = indexes[path[1]] ?? path[1];
          errors.push({ ...e, ...(path ? { path } : {}), extensions: { ...e.extensions, region } });
        }
      }),
    );
    for (const i of broadcast) slots[i] = merged[i] ?? null;
    return { data: { [key]: slots }, ...(errors.length ? { errors } : {}) };
  }

  private async root(
    subgraph: SubgraphName,
    plan: Extract<FetchPlan, { kind: "root" }>,
    request: FetchRequest,
    caller: CallerInfo,
  ): Promise<SubgraphResponse> {
    const mutation = plan.operation.operation === OperationTypeNode.MUTATION;
    const parentType = mutation ? "Mutation" : "Query";
    const errors: GraphQLFormattedError[] = [];
    const notices: Notice[] = [];
    const data: Record<string, unknown> = {};
    // Group root fields by region; mutations keep their order (runs of one region).
    const groups: Array<{ region: string; fields: RootField[] }> = [];
    for (const field of plan.fields) {
      data[field.responseKey] = null;
      if (field.name.startsWith("__")) continue;
      let region: string;
      try {
        region = routeRootField(subgraph, parentType, field.node, request.variables ?? {}, this.options.registry);
      } catch (err) {
        errors.push(asFormatted(err, [field.responseKey]));
        continue;
      }
      const group = mutation ? groups.at(-1) : groups.find((g) => g.region === region);
      if (group && group.region === region) group.fields.push(field);
      else groups.push({ region, fields: [field] });
    }
    if (plan.fields.some((f) => f.name === "__typename")) data.__typename = parentType;
    const whole = groups.length === 1 && groups[0].fields.length === plan.fields.filter((f) => !f.name.startsWith("__")).length;

    const run = async (group: { region: string; fields: RootField[] }) => {
      const keys = new Set(group.fields.map((f) => f.responseKey));
      let query = request.query;
      if (!whole) {
        const cacheKey = `${request.query}\u0000${[...keys].join(",")}`;
        const cached = this.restricted.get(cacheKey);
        query = cached ?? restrictToFields(plan, keys);
        if (!cached) this.restricted.set(cacheKey, query);
      }
      const res = await this.send(group.region, subgraph, { ...request, query }, caller);
      if (res instanceof Unavailable) {
        for (const k of keys) errors.push(res.error([k]));
        return;
      }
      for (const k of keys) data[k] = res.data?.[k] ?? null;
      for (const e of res.errors ?? []) errors.push({ ...e, extensions: { ...e.extensions, region: group.region } });
      // A region speaks only of the fields it was asked.
      notices.push(...noticesOf(res.extensions).filter((n) => keys.has(String(n.path[0]))));
    };
    if (mutation) for (const group of groups) await run(group);
    else await Promise.all(groups.map(run));
    return { data, ...(errors.length ? { errors } : {}), ...(notices.length ? { extensions: { notices } } : {}) };
  }
}
