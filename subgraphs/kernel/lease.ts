// Several replicas of a region host may serve one region's database. Every multi-step
// operation then has an owner (the replica running it) and a lease its owner renews while it
// works; recovery, on every replica and all the time, takes over only operations whose lease
// has lapsed, each with one conditional update, so two replicas never both act on one. A
// replica that finds its operation taken over (it stalled past its lease) stops and says so.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { appError } from "./errors.js";

/** This process, as an owner of operations: unique per start. */
const REPLICA_ID = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;

/** How long an operation's owner may go without renewing before another replica may take it over. */
export const DEFAULT_LEASE_MS = 10_000;

export interface Lease {
  /** Who holds it: a replica (REPLICA_ID). */
  owner: string;
  ms: number;
}

export const leaseFor = (ms = DEFAULT_LEASE_MS): Lease => ({ owner: REPLICA_ID, ms });

/** The owner of one attempt at an operation: two attempts in one replica (a retry, a recovery) never pass for each other. */
export const attemptOf = (lease: Lease): string => `${lease.owner}#${randomBytes(4).toString("hex")}`;

/** When a lease taken or renewed now ends. */
export const leaseEnd = (lease: Lease, now = Date.now()): Date => new Date(now + lease.ms);

/** The error a client gets when the operation it started was taken over under its replica. */
export function takenOver(what: string) {
  return appError(
    "CONFLICT",
    `${what} was taken over by recovery on another replica (this one stalled past its lease); retry with the same idempotencyKey for its outcome`,
    { field: "idempotencyKey", reason: "TAKEN_OVER" },
  );
}
