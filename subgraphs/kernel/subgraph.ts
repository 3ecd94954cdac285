// What a subgraph is to the project: its schema, its indexes, what it does when its region
// starts, and the region-to-region messages it handles. The region host serves these.
import type { GraphQLSchema } from "graphql";
import type { MessageContext, ReplyHandler } from "./messaging.js";
import type { IndexPlan } from "./mongo.js";
import type { SubgraphName } from "../manifest.js";

export interface SubgraphDefinition {
  name: SubgraphName;
  schema: GraphQLSchema;
  indexes: IndexPlan;
  /** Runs once per hosted region at start-up, after indexes (e.g. moving legacy records). */
  onRegionStart?: (ctx: MessageContext) => Promise<void>;
  /**
   * Finishes what a replica that died or stalled left half-done: per hosted region, before
   * the host serves and then every half lease, on every replica (touching only lapsed leases).
   */
  recover?: (ctx: MessageContext) => Promise<void>;
  /** Region-to-region messages (see the host's link and outbox). */
  messages?: {
    /**
     * Handles a verified message from region `from`; returns the reply. Must be idempotent.
     * `message`: its id (the same at every attempt) and the digest of this very attempt.
     */
    receive: Record<
      string,
      (body: unknown, ctx: MessageContext & { from: string; message: { id: string; digest: string } }) => Promise<unknown>
    >;
    /** Applies the reply to a message this region sent. */
    replies: Record<string, ReplyHandler>;
  };
}
