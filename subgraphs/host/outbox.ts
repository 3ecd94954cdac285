// The durable outbox: messages a region must get to another region, however long that
// region is unreachable. A message is first stored in the sender's own database (its id
// is unique, so storing it twice is one message), then sent, signed, until the receiver
// acknowledges it; retries back off exponentially. Receivers handle a message
// idempotently, because a message whose acknowledgement was lost is sent again. Only a
// reply the receiver signed for this very message counts (link.ts verifyReply): anything
// else is a failed attempt, retried, and never reaches the reply handler.
import { randomUUID } from "node:crypto";
import type { Db } from "mongodb";
import type { MessageContext, Messaging, OutgoingMessage, ReplyHandler } from "../kernel/messaging.js";
import { leaseFor, type Lease } from "../kernel/lease.js";
import { isDuplicateKey, type IndexPlan } from "../kernel/mongo.js";
import { digestOf, type Envelope, type RegionLink } from "./link.js";
import type { Logger } from "../kernel/log.js";
import type { RegionInfo } from "../kernel/regions.js";
import type { SubgraphName } from "../manifest.js";

interface OutboxDoc extends Omit<OutgoingMessage, "id"> {
  _id: string;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  /** Set while one worker sends the message; a crashed send is retried once it passes. */
  leaseUntil: Date | null;
  /** The replica whose worker holds it (kernel/lease.ts). */
  owner?: string | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
}

const OUTBOX = "outbox";
export const outboxIndexes: IndexPlan = { [OUTBOX]: [{ key: { nextAttemptAt: 1 }, name: "due" }] };
const outboxOf = (db: Db) => db.collection<OutboxDoc>(OUTBOX);

/** The wait (sendNow) that fits a gateway's region timeout: 40 %, the rest for the mutation's own work. */
export const waitWithin = (regionTimeoutMs: number): number => Math.floor(regionTimeoutMs * 0.4);

export interface RetryPolicy {
  /** First retry after about this long; doubles per failure… */
  baseMs: number;
  /** …up to this. */
  maxMs: number;
  /** Longest sleep between passes when nothing is due (messages stored by another process). */
  idleMs: number;
  /** Per attempt; a claimed message is retried this long plus a margin after a crashed attempt. */
  timeoutMs: number;
  /** Attempts in flight at once, so one hanging region does not hold up the others. */
  concurrency: number;
  /**
   * How long one request may wait, in all, for attempts made while it waits (sendNow):
   * within the gateway's region timeout, so that the caller hears what is recorded rather
   * than that its own region failed. The attempts go on for up to `timeoutMs` each.
   */
  waitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  baseMs: 1000,
  maxMs: 300_000,
  idleMs: 5000,
  timeoutMs: 10_000,
  concurrency: 8,
  waitMs: waitWithin(5000),
};

const LEASE_MARGIN_MS = 5000;

function backoffMs(attempts: number, policy: Pick<RetryPolicy, "baseMs" | "maxMs">, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempts - 1, 30));
  // Jitter, so that many messages to a region that comes back do not arrive at once.
  return Math.round(ceiling * (0.5 + random() / 2));
}

interface Hosted {
  db: Db;
  region: RegionInfo;
}

export class Outbox {
  /** Per hosted region, made once: what start-up, handlers and requests of that region use. */
  private readonly contexts = new Map<string, MessageContext>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  /** Attempts a waiting caller started and left running (sendNow): stop() ends them. */
  private readonly inFlight = new Set<Promise<boolean>>();
  /** Aborts the attempts' requests when the host stops. */
  private aborter = new AbortController();

  constructor(
    hosted: Map<string, Hosted>,
    private readonly link: RegionLink,
    private readonly replyHandler: (subgraph: SubgraphName, type: string) => ReplyHandler | undefined,
    private readonly log: Logger,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    matchToken: MessageContext["matchToken"] = null,
    private readonly lease: Lease = leaseFor(),
  ) {
    for (const [code, { db, region }] of hosted)
      this.contexts.set(code, { db, region, log, messaging: this.messaging(code, db), matchToken, lease });
  }

  /** The region's database, info, log and messaging. */
  context(region: string): MessageContext {
    const context = this.contexts.get(region);
    if (!context) throw new Error(`region ${region} is not hosted here`);
    return context;
  }

  private messaging(region: string, db: Db): Messaging {
    return {
      unreachable: (to, subgraph) => this.link.unreachable(region, to, subgraph),
      send: async (message) => {
        await enqueue(db, message);
        this.kick();
      },
      sendNow: async (message, until) => {
        await enqueue(db, message);
        // The attempt outlives the wait: an answer that comes later is applied then.
        const attempt = this.attempt(region, message.id, true);
        this.inFlight.add(attempt);
        attempt
          .catch((err: unknown) => this.log.error({ err, from: region, message: message.id }, "message attempt failed"))
          .finally(() => this.inFlight.delete(attempt));
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, until - Date.now()))));
        try {
          return await Promise.race([attempt, waited]);
        } finally {
          clearTimeout(timer);
        }
      },
      ask: (to, subgraph, type, body, until, id = `${type}:${randomUUID()}`) =>
        this.post(
          { from: region, to, subgraph, id, type, body },
          AbortSignal.any([AbortSignal.timeout(Math.max(1, until - Date.now())), this.aborter.signal]),
        ),
      deliveries: async (ids) => {
        const waiting = new Map(
          (
            await outboxOf(db)
              .find({ _id: { $in: [...ids] } })
              .toArray()
          ).map((m) => [m._id, m]),
        );
        return ids.map((id) => {
          const m = waiting.get(id);
          return m
            ? { attempts: m.attempts, lastAttemptAt: m.lastAttemptAt, nextAttemptAt: m.nextAttemptAt, lastError: m.lastError }
            : null;
        });
      },
    };
  }

  start(): void {
    this.stopped = false;
    if (this.aborter.signal.aborted) this.aborter = new AbortController();
    this.kick();
  }

  /** Runs a pass now (or right after the one running). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // An aborted attempt is a failed one: its message stays, and is sent again after a restart.
    this.aborter.abort();
    await Promise.allSettled([...this.inFlight]);
    clearTimeout(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    let nextDue = Date.now() + this.policy.idleMs;
    try {
      const due: Array<[string, OutboxDoc]> = [];
      for (const [code, { db }] of this.contexts) {
        const docs = await outboxOf(db)
          .find({ nextAttemptAt: { $lte: new Date() } }, { projection: { _id: 1 } })
          .sort({ nextAttemptAt: 1 })
          .limit(100)
          .toArray();
        due.push(...docs.map((d): [string, OutboxDoc] => [code, d]));
      }
      await pool(due, this.policy.concurrency, ([code, doc]) => this.attempt(code, doc._id));
      for (const { db } of this.contexts.values()) {
        const next = await outboxOf(db)
          .find({}, { projection: { nextAttemptAt: 1 } })
          .sort({ nextAttemptAt: 1 })
          .limit(1)
          .next();
        if (next) nextDue = Math.min(nextDue, next.nextAttemptAt.getTime());
      }
    } catch (err) {
      this.log.error({ err }, "outbox pass failed; retrying");
      nextDue = Date.now() + this.policy.baseMs;
    }
    if (!this.stopped) this.schedule(Math.max(0, nextDue - Date.now()));
  }

  /**
   * One attempt at one message; true when the receiver acknowledged it (and it is gone).
   * Due messages only, unless `now` (a user waits): then anything not being sent already.
   */
  private async attempt(region: string, id: string, now = false): Promise<boolean> {
    if (this.stopped) return false;
    const context = this.context(region);
    const { db } = context;
    const at = new Date();
    let lease = new Date(at.getTime() + this.policy.timeoutMs + LEASE_MARGIN_MS);
    // The claim moves the message's next attempt past the lease: a send that dies with its
    // process is retried then, and no other worker sends it meanwhile.
    const claimed = await outboxOf(db).findOneAndUpdate(
      now ? { _id: id, $or: [{ leaseUntil: null }, { leaseUntil: { $lte: at } }] } : { _id: id, nextAttemptAt: { $lte: at } },
      { $set: { leaseUntil: lease, nextAttemptAt: lease, lastAttemptAt: at, owner: this.lease.owner } },
      { returnDocument: "after" },
    );
    if (!claimed) return false;
    try {
      const envelope: Envelope = {
        from: region,
        to: claimed.to,
        subgraph: claimed.subgraph,
        id: claimed._id,
        type: claimed.type,
        body: claimed.body,
      };
      const reply = await this.post(envelope, AbortSignal.any([AbortSignal.timeout(this.policy.timeoutMs), this.aborter.signal]));
      const handler = this.replyHandler(claimed.subgraph, claimed.type);
      // Renewed before the answer is applied (which may move stock): a claim that lapsed meanwhile
      // belongs to the replica that took it over, which sends again and applies its own answer.
      const renewal = new Date(Date.now() + this.policy.timeoutMs + LEASE_MARGIN_MS);
      const renewed = await outboxOf(db).updateOne(
        { _id: claimed._id, owner: this.lease.owner, leaseUntil: lease },
        { $set: { leaseUntil: renewal, nextAttemptAt: renewal } },
      );
      if (renewed.matchedCount === 0) return false;
      lease = renewal;
      await handler?.(reply, claimed, context);
      // Acknowledged: gone, whoever holds it now (a replica that took a lapsed claim over sends a duplicate, which receivers ignore).
      await outboxOf(db).deleteOne({ _id: claimed._id });
      return true;
    } catch (err) {
      const attempts = claimed.attempts + 1;
      const delay = backoffMs(attempts, this.policy);
      const reason = err instanceof Error ? err.message : String(err);
      // Only while this worker still holds it: a replica that took the claim over keeps its own.
      await outboxOf(db).updateOne(
        { _id: claimed._id, owner: this.lease.owner, leaseUntil: lease },
        { $set: { leaseUntil: null, nextAttemptAt: new Date(Date.now() + delay), lastError: reason.slice(0, 300) }, $inc: { attempts: 1 } },
      );
      this.log.warn(
        { from: region, to: claimed.to, type: claimed.type, message: claimed._id, attempts, retryInMs: delay, reason },
        "message not delivered; will retry",
      );
      return false;
    }
  }

  /** Sends one message; resolves with the body of the receiver's verified reply. */
  private async post(envelope: Envelope, signal: AbortSignal): Promise<unknown> {
    const url = this.link.endpoint(envelope.to, envelope.subgraph);
    if (!url) throw new Error(`no address is known for ${envelope.to}'s ${envelope.subgraph} service`);
    const jws = await this.link.sign(envelope);
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/jose" },
        body: jws,
        signal,
        // Always, not only in production: a message endpoint never moves, and following a
        // redirect would post a signed message to an address the registry does not name
        // (perhaps plain http://); tests then run what production runs.
        redirect: "error",
      });
    } catch (err) {
      const cause =
        err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
      throw new Error(
        `${envelope.to} not reached: ${cause === "unexpected redirect" ? "it answered with a redirect, which messages never follow" : cause}`,
        { cause: err },
      );
    }
    const text = await readReply(res, signal, envelope.to);
    if (res.status !== 200) throw new Error(`${envelope.to} answered ${res.status}: ${text.slice(0, 200)}`);
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new Error(`${envelope.to} answered with something other than JSON`);
    }
    const reply = answer !== null && typeof answer === "object" ? (answer as { reply?: unknown }).reply : undefined;
    return this.link.verifyReply(reply, { ...envelope, digest: digestOf(jws) });
  }
}

/** The most a reply may be: replies are a signed line or two; anything longer is not waited for. */
const MAX_REPLY_BYTES = 64 * 1024;

/** A reply's text, read only up to MAX_REPLY_BYTES and only until `signal` fires. */
async function readReply(res: Response, signal: AbortSignal, from: string): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const aborted = new Promise<never>((_, reject) => {
    const stop = () => reject(new Error(`${from} did not finish its answer in time`));
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const { done, value } = (await Promise.race([reader.read(), aborted])) as { done: boolean; value?: Uint8Array };
      if (done || !value) break;
      size += value.byteLength;
      if (size > MAX_REPLY_BYTES) throw new Error(`${from} answered with more than ${MAX_REPLY_BYTES} bytes`);
      chunks.push(value);
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Stores a message; a message with the same id already stored is kept as it is. */
async function enqueue(db: Db, message: OutgoingMessage): Promise<void> {
  const { id, ...rest } = message;
  const now = new Date();
  try {
    await outboxOf(db).insertOne({
      _id: id,
      ...rest,
      createdAt: now,
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastAttemptAt: null,
      lastError: null,
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
