// The region host: one HTTP server serving any number of subgraph kinds for any number
// of regions at `/<REGION>/<subgraph>/graphql`. One schema (and one Apollo Server) per
// subgraph kind serves all its regions; the region comes from the request path. This module
// wires the parts together and routes requests to their endpoints (endpoints/); what every
// operation goes through is in requests.ts. Building the handler and listening are separate.
import type http from "node:http";
import type { ApolloServer } from "@apollo/server";
import { importJWK, type JWK } from "jose";
import type { Db, MongoClient } from "mongodb";
import { auditIndexes } from "../kernel/audit.js";
import { withRegions, type AuthConfig } from "../kernel/auth.js";
import type { SubgraphContext } from "../kernel/context.js";
import { idempotencyIndexes } from "../kernel/idempotency.js";
import { DEFAULT_MAX_BODY_BYTES, safeHandler, sendError, sendJson } from "../kernel/http.js";
import { publicJwk } from "../kernel/keys.js";
import { DEFAULT_LIMITS, type QueryLimits } from "../kernel/limits.js";
import type { Logger } from "../kernel/log.js";
import { ensureIndexes, regionDbName } from "../kernel/mongo.js";
import { keyedHasher, matchTokener } from "../kernel/pseudonym.js";
import { leaseFor } from "../kernel/lease.js";
import type { RegionInfo, RegionRegistry } from "../kernel/regions.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import type { SubgraphName } from "../manifest.js";
import { operationHooks, startSubgraphServer } from "./apollo.js";
import { DirectExecution } from "./direct.js";
import { serveBatch } from "./endpoints/batch.js";
import { serveGraphQL } from "./endpoints/graphql.js";
import { serveHealth } from "./endpoints/health.js";
import { ownEntry, serveMessage } from "./endpoints/messages.js";
import { RegionLink } from "./link.js";
import { DEFAULT_RETRY, Outbox, outboxIndexes, type RetryPolicy } from "./outbox.js";
import { Recovery } from "./recovery.js";
import { HostRequests, type HostedRegion } from "./requests.js";

export interface RegionHostOptions {
  subgraphs: SubgraphDefinition[];
  regions: RegionInfo[];
  registry: RegionRegistry;
  mongo: MongoClient;
  dbPrefix: string;
  auth: AuthConfig;
  /** Deployment secret for keyed hashes (e.g. national ID numbers); never leaves the host. */
  pseudonymKey: string;
  /** The national key of match tokens (the same in every region); without it, no cross-region duplicate check. */
  nationalMatchKey?: string;
  log: Logger;
  maxBodyBytes?: number;
  /** With NODE_ENV=production: no introspection. */
  production?: boolean;
  /** Keys and addresses for messages between regions; default: fresh keys, this host only. */
  link?: RegionLink;
  retry?: Partial<RetryPolicy>;
  /** Depth, alias, cost, size and representation limits: the gateway's, unless told otherwise. */
  limits?: Partial<QueryLimits>;
  /** The national gateway's public key: its per-region assertions of callers are accepted too. */
  gatewayPublicKey?: JWK;
  /** How long an operation's replica may go without renewing its lease before another takes it over (LEASE_MS). */
  leaseMs?: number;
  /** What requests take as the time now (default: the system clock); tests move it to cross rolling periods. */
  clock?: () => Date;
}

export interface RegionHost {
  handler: http.RequestListener;
  db(region: string): Db;
  link: RegionLink;
  /** Tells the host where it listens (for messages between the regions it serves). */
  listening(baseUrl: string): void;
  stop(): Promise<void>;
}

const PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/([a-z]+)\/(graphql|health|messages)\/?$/;
const BATCH_PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/batch\/?$/;

export async function createRegionHost(options: RegionHostOptions): Promise<RegionHost> {
  const { registry, log } = options;
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const limits: QueryLimits = { ...DEFAULT_LIMITS, ...options.limits };
  // Region claims must name regions of the registry; the gateway's assertions, this host's regions.
  const auth: AuthConfig = {
    ...withRegions(
      options.auth,
      registry.regions.map((r) => r.code),
    ),
    ...(options.gatewayPublicKey ? { gatewayKey: await importJWK(publicJwk.parse(options.gatewayPublicKey), "EdDSA") } : {}),
  };
  const dbs = new Map(options.regions.map((r) => [r.code, options.mongo.db(regionDbName(options.dbPrefix, r.code))]));
  const link = options.link ?? (await RegionLink.ephemeral([...dbs.keys()]));
  const subgraphs = new Map(options.subgraphs.map((s) => [s.name, s]));
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const matchToken = options.nationalMatchKey ? matchTokener(options.nationalMatchKey) : null;
  const lease = leaseFor(options.leaseMs);
  const outbox = new Outbox(
    new Map(options.regions.map((r) => [r.code, { db: dbs.get(r.code)!, region: r }])),
    link,
    (subgraph, type) => ownEntry(subgraphs.get(subgraph)?.messages?.replies, type),
    log,
    retry,
    matchToken,
    lease,
  );
  const hosted = new Map(
    options.regions.map((r): [string, HostedRegion] => [
      r.code,
      { info: r, db: dbs.get(r.code)!, messaging: outbox.context(r.code).messaging },
    ]),
  );

  for (const region of options.regions) {
    const db = dbs.get(region.code)!;
    await ensureIndexes(db, auditIndexes);
    await ensureIndexes(db, idempotencyIndexes);
    await ensureIndexes(db, outboxIndexes);
    for (const sub of options.subgraphs) {
      await ensureIndexes(db, sub.indexes);
      await sub.onRegionStart?.(outbox.context(region.code));
      await sub.recover?.(outbox.context(region.code));
    }
  }
  const recovery = new Recovery(
    options.regions.map((r) => outbox.context(r.code)),
    options.subgraphs,
    lease,
    log,
  );

  const servers = new Map<SubgraphName, ApolloServer<SubgraphContext>>();
  const direct = new Map<SubgraphName, DirectExecution>();
  for (const sub of options.subgraphs) {
    const hooks = operationHooks(sub, log);
    servers.set(sub.name, await startSubgraphServer(sub, { production: options.production, limits, hooks }));
    direct.set(sub.name, new DirectExecution(sub.schema, { production: options.production, limits, hooks }));
  }
  const requests = new HostRequests({
    auth,
    limits,
    registry,
    log,
    keyedHash: keyedHasher(options.pseudonymKey),
    matchToken,
    waitMs: retry.waitMs,
    clock: options.clock ?? (() => new Date()),
    lease,
    subgraphs,
    servers,
    direct,
  });

  /** Routes `/<REGION>/<subgraph>/(graphql|health|messages)` and `/<REGION>/batch` to their endpoints. */
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/health") {
      return sendJson(res, 200, { status: "ok", regions: [...hosted.keys()], subgraphs: [...servers.keys()] });
    }
    const batch = BATCH_PATH.exec(url.pathname);
    const match = PATH.exec(url.pathname);
    if (!match && !batch) return sendError(res, 404, "NOT_FOUND", `no such endpoint ${url.pathname}; use /<REGION>/<subgraph>/graphql`);
    const [, code, name, endpoint] = (match ?? batch) as unknown as [string, string, string, string];
    const region = hosted.get(code);
    if (!region) {
      return sendError(res, 404, "NOT_FOUND", `region ${code} is not served by this host (serves ${[...hosted.keys()].join(", ")})`);
    }
    if (batch) return serveBatch(requests, req, res, region, maxBody);
    const sub = subgraphs.get(name as SubgraphName);
    if (!sub) return sendError(res, 404, "NOT_FOUND", `subgraph ${name} is not served by this host`);
    if (endpoint === "messages") return serveMessage(req, res, outbox.context(code), sub, link, log, maxBody);
    if (endpoint === "health") return serveHealth(res, region.db, code, name);
    return serveGraphQL(requests, req, res, url, region, sub.name, maxBody);
  }

  outbox.start();
  recovery.start();
  return {
    handler: safeHandler(handle, (err) => log.error({ err }, "request failed")),
    link,
    listening: (baseUrl) => {
      link.serveAt(
        baseUrl,
        [...hosted.keys()],
        options.subgraphs.map((s) => s.name),
      );
      outbox.kick();
    },
    db: (region) => {
      const db = dbs.get(region);
      if (!db) throw new Error(`region ${region} is not hosted here`);
      return db;
    },
    stop: async () => {
      await recovery.stop();
      await outbox.stop();
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}

export { listen, type Listening } from "../kernel/http.js";
