// What every operation a region host runs goes through, whichever endpoint it came by (its
// own subgraph endpoint or a batch): the caller, the limits, and the request's context.
import type http from "node:http";
import type { ApolloServer } from "@apollo/server";
import type { GraphQLError } from "graphql";
import type { Db } from "mongodb";
import { AuditTrail } from "../kernel/audit.js";
import type { Access, AuthConfig } from "../kernel/auth.js";
import { Loaders, type SubgraphContext } from "../kernel/context.js";
import { CombinedReads } from "../kernel/reads.js";
import { REGION_TIMEOUT_HEADER, requestAccess, requestIdOf, sendError } from "../kernel/http.js";
import { DocumentCache, type GraphQLParams, type Measure, type QueryLimits } from "../kernel/limits.js";
import type { Lease } from "../kernel/lease.js";
import type { Logger } from "../kernel/log.js";
import type { Messaging } from "../kernel/messaging.js";
import type { RegionInfo, RegionRegistry } from "../kernel/regions.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";
import type { SubgraphName } from "../manifest.js";
import type { DirectExecution } from "./direct.js";
import { waitWithin } from "./outbox.js";

export interface HostedRegion {
  info: RegionInfo;
  db: Db;
  messaging: Messaging;
}

/**
 * The gateway says how long it gives this region (REGION_TIMEOUT_HEADER); the wait
 * fits within it whatever this host was configured with. The header can only shorten it.
 */
function waitBudget(req: http.IncomingMessage, configured: number): number {
  const given = Number(req.headers[REGION_TIMEOUT_HEADER]);
  return Number.isInteger(given) && given > 0 ? Math.min(configured, waitWithin(given)) : configured;
}

export class HostRequests {
  private readonly documents: DocumentCache;

  constructor(
    private readonly options: {
      auth: AuthConfig;
      limits: QueryLimits;
      registry: RegionRegistry;
      log: Logger;
      keyedHash: (purpose: string, value: string) => string;
      matchToken: ((nationalId: string) => string) | null;
      /** The most a request waits for other regions (OUTBOX_WAIT_MS). */
      waitMs: number;
      clock: () => Date;
      lease: Lease;
      subgraphs: Map<SubgraphName, SubgraphDefinition>;
      servers: Map<SubgraphName, ApolloServer<SubgraphContext>>;
      direct: Map<SubgraphName, DirectExecution>;
    },
  ) {
    this.documents = new DocumentCache(options.limits);
  }

  get limits(): QueryLimits {
    return this.options.limits;
  }

  server(subgraph: string): ApolloServer<SubgraphContext> | undefined {
    return this.options.servers.get(subgraph as SubgraphName);
  }

  /** The subgraph's operations without Apollo's request pipeline, where that gives the same answer (direct.ts). */
  direct(subgraph: SubgraphName): DirectExecution {
    return this.options.direct.get(subgraph)!;
  }

  /**
   * Every subgraph operation needs a caller; what anonymous users may see (region names and
   * status) the gateway answers itself. Null after replying 401.
   */
  async access(req: http.IncomingMessage, res: http.ServerResponse, region: string): Promise<Access | null> {
    const access = await requestAccess(req, res, this.options.auth, region);
    if (!access) return null;
    if (!access.caller) {
      sendError(res, 401, "UNAUTHENTICATED", "authentication required: send 'Authorization: Bearer <token>'");
      return null;
    }
    return access;
  }

  /**
   * The same limits as the gateway's, for callers who reach a region directly: the document's
   * size first, then depth, aliases, cost and `_entities` representations, in time linear in
   * the document. The operation's measure, or the error refusing it; undefined when the
   * request cannot be read (Apollo then answers with its own error, running nothing).
   */
  limited(subgraph: SubgraphName, params: GraphQLParams | undefined): Measure | GraphQLError | undefined {
    return this.documents.check(this.options.subgraphs.get(subgraph)!.schema, params, { regions: 1 });
  }

  /** An operation's context; the operations of one batch share `reads`. */
  context(
    req: http.IncomingMessage,
    region: HostedRegion,
    subgraph: SubgraphName,
    access: Access,
    reads = new CombinedReads(region.db),
  ): SubgraphContext {
    return {
      region: region.info,
      messaging: region.messaging,
      subgraph,
      registry: this.options.registry,
      db: region.db,
      access,
      loaders: new Loaders(),
      reads,
      log: this.options.log,
      audit: new AuditTrail(region.db, access, requestIdOf(req) ?? null, "(anonymous operation)"),
      keyedHash: this.options.keyedHash,
      matchToken: this.options.matchToken,
      notices: [],
      waitUntil: Date.now() + waitBudget(req, this.options.waitMs),
      now: this.options.clock,
      lease: this.options.lease,
    };
  }
}
