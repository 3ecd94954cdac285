// What a subgraph sees of the messages its region exchanges with other regions (the
// region host's outbox and link implement it): sending durable messages, reading how their
// delivery goes, and refusing a message it receives with an HTTP status.
import type { Db, Document } from "mongodb";
import type { Lease } from "./lease.js";
import type { Logger } from "./log.js";
import type { RegionInfo } from "./regions.js";
import type { SubgraphName } from "../manifest.js";

export interface OutgoingMessage {
  /** Unique per message, e.g. `transfer.deliver:<transfer id>`. */
  id: string;
  to: string;
  subgraph: SubgraphName;
  type: string;
  body: Document;
}

/** How a message waiting in the outbox is getting on. */
export interface Delivery {
  attempts: number;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date;
  lastError: string | null;
}

/** Sending messages from one region, as resolvers and handlers see it. */
export interface Messaging {
  /** Why this region cannot send to `to`'s `subgraph` (no key, no address), or null. */
  unreachable(to: string, subgraph: SubgraphName): string | null;
  /** Stores the message and sends it soon. */
  send(message: OutgoingMessage): Promise<void>;
  /**
   * Stores the message and tries it at once; true when the receiver acknowledged it by
   * `until` (the request's wait budget, see SubgraphContext.waitUntil). False otherwise: the
   * message stays in the outbox, the attempt goes on, and its answer is applied when it comes.
   */
  sendNow(message: OutgoingMessage, until: number): Promise<boolean>;
  /**
   * Asks `to`'s `subgraph` a question now, not durably (nothing is stored, nothing retried):
   * the body of its signed reply, or a rejection when it cannot be reached, refuses, or has
   * not answered by `until` (epoch ms). `id` (default: random) names the question on both sides.
   */
  ask(to: string, subgraph: SubgraphName, type: string, body: Document, until: number, id?: string): Promise<unknown>;
  /** For each message id, its delivery while it waits, null once acknowledged (one query for all). */
  deliveries(ids: readonly string[]): Promise<Array<Delivery | null>>;
}

export interface MessageContext {
  db: Db;
  region: RegionInfo;
  log: Logger;
  messaging: Messaging;
  /** The national match token of a national ID (pseudonym.ts); null when no national key is configured. */
  matchToken: ((nationalId: string) => string) | null;
  /** This replica's lease on the multi-step operations it runs (lease.ts). */
  lease: Lease;
}

/** What the sender does with the receiver's (verified) reply; runs before the message is dropped. */
export type ReplyHandler = (reply: unknown, message: { body: unknown }, ctx: MessageContext) => Promise<void>;

/** A refused message: the HTTP status and code the receiver answers with. */
export class LinkError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
