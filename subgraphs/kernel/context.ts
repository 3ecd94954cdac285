// The per-request context every resolver receives, and the checks that keep an instance
// to its own region.
import DataLoader from "dataloader";
import { UseMiddleware, type MiddlewareFn } from "type-graphql";
import type { Db } from "mongodb";
import type { AuditTrail } from "./audit.js";
import type { Access } from "./auth.js";
import { badInput, type Notice } from "./errors.js";
import { decodeId, type DecodedId, type EntityType } from "./ids.js";
import type { Lease } from "./lease.js";
import type { Logger } from "./log.js";
import type { Messaging } from "./messaging.js";
import type { CombinedReads } from "./reads.js";
import type { RegionInfo, RegionRegistry } from "./regions.js";
import type { SubgraphName } from "../manifest.js";

export interface SubgraphContext {
  /** The region this request is for (from the request path). */
  region: RegionInfo;
  subgraph: SubgraphName;
  registry: RegionRegistry;
  db: Db;
  access: Access;
  loaders: Loaders;
  /** Small reads of this region's database, sent with the others of the same batch in one command. */
  reads: CombinedReads;
  log: Logger;
  /** Who read personal data or changed records about people in this request. */
  audit: AuditTrail;
  /** HMAC-SHA256 under the deployment's pseudonym key: identifiers stored without the clear value. */
  keyedHash: (purpose: string, value: string) => string;
  /** The national match token of a national ID (pseudonym.ts); null when no national key is configured. */
  matchToken: ((nationalId: string) => string) | null;
  /** Durable messages from this region to others. */
  messaging: Messaging;
  /** Notices for the response's `extensions.notices` (see errors.ts). */
  notices: Notice[];
  /**
   * When this request must stop waiting for other regions (epoch ms): the host's wait
   * budget, shortened to fit the timeout the gateway says it gives this region.
   */
  waitUntil: number;
  /** This replica's lease on the multi-step operations it runs (lease.ts). */
  lease: Lease;
  /** The time now: the system clock, unless the host was given another (tests of rolling periods). */
  now: () => Date;
}

/** Request-scoped DataLoaders, created on first use. */
export class Loaders {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  get<K, V>(name: string, batch: (keys: readonly K[]) => Promise<V[]>, cacheKey?: (key: K) => string): DataLoader<K, V, string | K> {
    let loader = this.loaders.get(name);
    if (!loader) {
      loader = new DataLoader<K, V, string | K>(batch, cacheKey ? { cacheKeyFn: cacheKey } : {});
      this.loaders.set(name, loader);
    }
    return loader as unknown as DataLoader<K, V, string | K>;
  }

  private readonly values = new Map<string, unknown>();

  /** `compute()` once per request for `key` (see perRequestKey); later calls get the same value (or rejection). */
  once<T>(key: string, compute: () => T): T {
    if (!this.values.has(key)) this.values.set(key, compute());
    return this.values.get(key) as T;
  }
}

/** The key of one field of one record with its arguments, for Loaders.once. */
export const perRequestKey = (type: string, field: string, record: unknown, args: unknown) =>
  `${type}.${field}\u0000${String(record)}\u0000${JSON.stringify(args)}`;

/**
 * A field resolver whose answer for one record and the same arguments is computed once per
 * request: a query that reaches the same record again and again (a household's requests'
 * household's requests…) asks the database once.
 */
export function OncePerRequest() {
  const once: MiddlewareFn<SubgraphContext> = ({ root, args, info, context }, next) =>
    context.loaders.once(perRequestKey(info.parentType.name, info.fieldName, (root as { id?: string }).id, args), next);
  return UseMiddleware(once);
}

function service(ctx: SubgraphContext): string {
  return `the ${ctx.region.code} ${ctx.subgraph} service`;
}

/** A region argument must exist and be this instance's region. */
export function ownRegion(ctx: SubgraphContext, code: unknown, field = "region"): RegionInfo {
  const region = ctx.registry.require(code, field);
  if (region.code !== ctx.region.code) {
    throw badInput(`${field}: region ${region.code} is not served here; this is ${service(ctx)}`, {
      field,
      region: region.code,
      servedRegion: ctx.region.code,
    });
  }
  return region;
}

/** An ID argument must be well formed, of the expected type, and of this region. */
export function ownId(ctx: SubgraphContext, id: unknown, type: EntityType, field = "id"): DecodedId {
  const decoded = decodeId(id, type, field);
  if (decoded.region !== ctx.region.code) {
    throw badInput(`${field}: ${JSON.stringify(id)} belongs to region ${decoded.region}; this is ${service(ctx)}`, {
      field,
      region: decoded.region,
      servedRegion: ctx.region.code,
    });
  }
  return decoded;
}
