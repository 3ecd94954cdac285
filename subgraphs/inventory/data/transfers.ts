// Transfers between regions, which run separate databases and may not reach each other
// for hours. Each side keeps its own record of a transfer: the source in `transfers_out`
// (keyed by the ObjectId it issued), the destination in `transfers_in` (keyed by the whole
// transfer id, `KZ-75:trf:…`: ObjectIds are only unique per issuing region, and any region
// may sign news of "its" transfer with another region's ObjectId).
//
//   source: transferStock    TRANSFER_OUT (ledger operation; stock never below zero), then
//                            the record (REQUESTED) and a `transfer.deliver` message in
//                            its outbox — retried with back-off until acknowledged.
//   destination: deliver     records it IN_TRANSIT once per transfer id; replies its status.
//   destination: receive     IN_TRANSIT → RECEIVED in one conditional update; TRANSFER_IN;
//                            tells the source (`transfer.received`, also through an outbox).
//   source: cancelTransfer   sends `transfer.cancel`; the destination turns IN_TRANSIT (or
//                            nothing yet: a tombstone) into CANCELLED in one conditional
//                            update, or answers RECEIVED. On CANCELLED the source puts the
//                            stock back (TRANSFER_IN), once: the operation's id is derived
//                            from the transfer's.
// The destination's record decides between receipt and cancellation, so exactly one wins;
// the source's record follows the destination's news and never goes backwards. Every step
// is idempotent, and what a crash interrupts is finished at start-up (recoverTransfers).
import { ObjectId } from "bson";
import { GraphQLError } from "graphql";
import type { Collection, Db, IndexDescription, OptionalUnlessRequiredId } from "mongodb";
import { z } from "zod";
import { conflict, notFound } from "../../kernel/errors.js";
import { decodeId, encodeId, REGION_CODE } from "../../kernel/ids.js";
import { isDuplicateKey, type IndexPlan } from "../../kernel/mongo.js";
import { regionRef } from "../../kernel/region-entity.js";
import { isPlainText, printableAscii } from "../../kernel/text.js";
import type { Lease } from "../../kernel/lease.js";
import { LinkError, type MessageContext, type Messaging, type OutgoingMessage } from "../../kernel/messaging.js";
import { Item, TransferSide as TransferSideEnum, TransferStatus } from "../types/enums.js";
import { MAX_LINE_QUANTITY } from "../types/inputs.js";
import type { Transfer } from "../types/transfer.js";
import type { ItemQuantity } from "../types/warehouse.js";
import { currentOperationId, linesNotApplied, operationsOf, payloadHash, runOperation, type OperationDoc } from "./ledger.js";
import { totalsPerItem, warehousesOf } from "./warehouses.js";

interface TransferEnd {
  region: string;
  warehouseId: string;
  warehouseName: string | null;
}

/** What either side records of a transfer. */
interface TransferRecord {
  from: TransferEnd;
  to: TransferEnd;
  items: Array<{ item: Item; quantity: number }>;
  status: TransferStatus;
  requestedAt: Date;
  requestedBy: string;
  inTransitAt: Date | null;
  receivedAt: Date | null;
  receivedBy: string | null;
  cancelRequestedAt: Date | null;
  cancelRequestedBy: string | null;
  cancelledAt: Date | null;
  /** When this region recorded the cancellation (its own clock). */
  settledAt?: Date;
  cancelledBy: string | null;
  cancelReason: string | null;
  /** False while stock still has to move for the final status: back to the source, or into the destination. */
  stockSettled: boolean;
}

/** The source's record (`transfers_out`). */
export interface TransferDoc extends TransferRecord {
  /** Issued by the source; with `from.region` it makes the transfer's graph id. */
  _id: ObjectId;
}

/** The destination's record (`transfers_in`). */
export interface IncomingTransferDoc extends TransferRecord {
  /** The whole transfer id, source region included, so news signed by one region never reaches another's transfer. */
  _id: string;
  /** RECEIVED: false until the source has acknowledged the news (absent on records from before). */
  sourceNotified?: boolean;
}

export type AnyTransferDoc = TransferDoc | IncomingTransferDoc;

/** An incoming record from before incoming records were keyed by the whole id; moved at start-up. */
type LegacyIncomingDoc = Omit<IncomingTransferDoc, "_id"> & { _id: ObjectId };

export type TransferSide = `${TransferSideEnum}`;
const OUTGOING = "transfers_out";
const INCOMING = "transfers_in";

const transferIndex: IndexDescription[] = [
  { key: { status: 1, requestedAt: -1 }, name: "status" },
  { key: { requestedAt: -1, _id: -1 }, name: "recent" },
  // The few records whose stock is not settled yet, found without reading the history.
  { key: { stockSettled: 1 }, name: "unsettled" },
];
export const transferIndexes: IndexPlan = {
  [OUTGOING]: transferIndex,
  [INCOMING]: [...transferIndex, { key: { sourceNotified: 1 }, name: "source_not_notified" }],
};

export const outgoingOf = (db: Db): Collection<TransferDoc> => db.collection<TransferDoc>(OUTGOING);
const incomingOf = (db: Db): Collection<IncomingTransferDoc> => db.collection<IncomingTransferDoc>(INCOMING);
/** Either side's records, for what reads both alike (lists). */
export const transfersOf = (db: Db, side: TransferSide): Collection<AnyTransferDoc> =>
  db.collection<AnyTransferDoc>(side === "OUTGOING" ? OUTGOING : INCOMING);

/** The one place a record becomes its graph id: the incoming key already is one. */
const transferIdOf = (doc: Pick<AnyTransferDoc, "_id" | "from">): string =>
  typeof doc._id === "string" ? doc._id : encodeId("Transfer", doc.from.region, doc._id);

const OPEN = [TransferStatus.REQUESTED, TransferStatus.IN_TRANSIT];

// ---- messages ------------------------------------------------------------------------

// What another region sends is checked like client input: bounded, plain text, ids by shape.
const plainText = (max: number) => z.string().max(max).refine(isPlainText, "must be plain text");
/** `ROLE:subject`, as this project records who did something. */
const actor = z.string().regex(printableAscii(300), "must be printable ASCII");
const end = z.object({ region: z.string().regex(REGION_CODE), warehouseId: z.string().max(100), warehouseName: plainText(200).nullable() });
/** What the source tells the destination about a transfer. */
const snapshot = z.object({
  id: z.string().max(100),
  from: end,
  to: end,
  items: z
    .array(z.object({ item: z.enum(Item), quantity: z.number().int().positive().max(MAX_LINE_QUANTITY) }))
    .min(1)
    .max(50),
  requestedAt: z.coerce.date(),
  requestedBy: actor,
  cancelledBy: actor.nullish(),
});
type Snapshot = z.infer<typeof snapshot>;

/** What one side tells the other about its record: the destination's decides. */
const news = z.object({
  status: z.enum(["REFUSED", ...Object.values(TransferStatus)]),
  reason: plainText(500).nullish(),
  toWarehouseName: plainText(200).nullish(),
  at: z.coerce.date().nullish(),
  by: actor.nullish(),
});
type News = z.infer<typeof news>;

const received = z.object({ id: z.string().max(100), receivedAt: z.coerce.date(), receivedBy: actor });

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new LinkError(400, "BAD_REQUEST", `malformed ${what}: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`);
  return parsed.data;
}

const snapshotOf = (doc: TransferDoc): Snapshot => ({
  id: transferIdOf(doc),
  from: doc.from,
  to: doc.to,
  items: doc.items,
  requestedAt: doc.requestedAt,
  requestedBy: doc.requestedBy,
  cancelledBy: doc.cancelRequestedBy,
});

const message = (type: string, doc: AnyTransferDoc, to: string, body: Record<string, unknown>): OutgoingMessage => ({
  id: `${type}:${transferIdOf(doc)}`,
  to,
  subgraph: "inventory",
  type,
  body,
});

export const deliveryMessageId = (transferId: string) => `transfer.deliver:${transferId}`;
const deliverMessage = (doc: TransferDoc) => message("transfer.deliver", doc, doc.to.region, snapshotOf(doc));
const cancelMessage = (doc: TransferDoc) => message("transfer.cancel", doc, doc.to.region, snapshotOf(doc));
const receivedMessage = (doc: IncomingTransferDoc) =>
  message("transfer.received", doc, doc.from.region, { id: transferIdOf(doc), receivedAt: doc.receivedAt, receivedBy: doc.receivedBy });

function newsOf(doc: AnyTransferDoc): News {
  const at =
    doc.status === TransferStatus.RECEIVED ? doc.receivedAt : doc.status === TransferStatus.CANCELLED ? doc.cancelledAt : doc.inTransitAt;
  const by = doc.status === TransferStatus.RECEIVED ? doc.receivedBy : doc.status === TransferStatus.CANCELLED ? doc.cancelledBy : null;
  return { status: doc.status, toWarehouseName: doc.to.warehouseName, at, by, reason: doc.cancelReason };
}

async function insertOnce<T extends AnyTransferDoc>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne(doc as OptionalUnlessRequiredId<T>);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

const openRecord = (): Omit<TransferRecord, "from" | "to" | "items" | "status" | "requestedAt" | "requestedBy"> => ({
  inTransitAt: null,
  receivedAt: null,
  receivedBy: null,
  cancelRequestedAt: null,
  cancelRequestedBy: null,
  cancelledAt: null,
  cancelledBy: null,
  cancelReason: null,
  stockSettled: true,
});

/** Moves a transfer's items into a warehouse of this region, once per `purpose`. */
async function addStock(
  db: Db,
  lease: Lease,
  doc: AnyTransferDoc,
  warehouse: TransferEnd,
  purpose: string,
  actor: string,
  reason: string,
): Promise<void> {
  const transferId = transferIdOf(doc);
  const lines = doc.items.map((i) => ({ item: i.item, delta: i.quantity }));
  const op = async (): Promise<OperationDoc> => ({
    // Once per purpose: the same id every time (the next attempt's once one is rolled back).
    _id: await currentOperationId(db, `${purpose}:${transferId}`),
    type: "TRANSFER_IN",
    payloadHash: payloadHash({ purpose, transferId, lines }),
    warehouseId: decodeId(warehouse.warehouseId, "Warehouse").objectId,
    lines,
    status: "PENDING",
    error: null,
    actor,
    createdAt: new Date(),
    completedAt: null,
    reason,
    transferId,
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await runOperation(db, await op(), warehouse.warehouseName ?? warehouse.warehouseId, lease);
      return;
    } catch (err) {
      // Rolled back by recovery while this ran: the next attempt runs under the next id.
      if (attempt < 3 && err instanceof GraphQLError && err.extensions.reason === "ROLLED_BACK") continue;
      throw err;
    }
  }
}

// ---- source --------------------------------------------------------------------------

/**
 * After the stock has left (the TRANSFER_OUT operation completed): the transfer record and
 * its delivery message. Idempotent; start-up recovery runs it for operations a crash left
 * without them.
 */
export async function recordOutgoing(db: Db, op: OperationDoc, region: string, messaging: Messaging): Promise<TransferDoc> {
  const details = op.transfer!;
  const doc: TransferDoc = {
    _id: op._id,
    from: { region, warehouseId: encodeId("Warehouse", region, op.warehouseId), warehouseName: details.fromWarehouseName },
    to: { ...details.to, warehouseName: null },
    items: op.lines.map((l) => ({ item: l.item, quantity: -l.delta })),
    status: TransferStatus.REQUESTED,
    requestedAt: op.createdAt,
    requestedBy: op.actor,
    ...openRecord(),
  };
  if (!op.transferRecorded) {
    await insertOnce(outgoingOf(db), doc);
    await messaging.send(deliverMessage(doc));
    await operationsOf(db).updateOne({ _id: op._id }, { $set: { transferRecorded: true } });
  }
  return (await outgoingOf(db).findOne({ _id: op._id })) ?? doc;
}

/** A cancelled transfer's stock goes back to the source warehouse exactly once. */
async function returnStock(db: Db, lease: Lease, doc: TransferDoc): Promise<void> {
  await addStock(
    db,
    lease,
    doc,
    doc.from,
    "transfer-return",
    doc.cancelledBy ?? "system",
    `transfer ${transferIdOf(doc)} cancelled: stock returned`,
  );
  await outgoingOf(db).updateOne({ _id: doc._id }, { $set: { stockSettled: true } });
}

async function settleCancelled(db: Db, lease: Lease, id: ObjectId, at: Date, by: string | null, reason: string | null): Promise<void> {
  await outgoingOf(db).updateOne(
    { _id: id, status: { $in: OPEN } },
    // `settledAt`: this region's own time (`at` is the destination's), for recovery's "a lease ago".
    {
      $set: {
        status: TransferStatus.CANCELLED,
        cancelledAt: at,
        cancelledBy: by,
        cancelReason: reason,
        stockSettled: false,
        settledAt: new Date(),
      },
    },
  );
  const doc = await outgoingOf(db).findOne({ _id: id });
  if (doc?.status === TransferStatus.CANCELLED && !doc.stockSettled) await returnStock(db, lease, doc);
}

/** The source's record follows what the destination says; it never goes backwards. */
async function applyNews(ctx: MessageContext, id: ObjectId, reply: unknown): Promise<void> {
  const n = parse(news, reply, "reply");
  const now = new Date();
  const name = n.toWarehouseName ? { "to.warehouseName": n.toWarehouseName } : {};
  switch (n.status) {
    case TransferStatus.REQUESTED:
      return;
    case TransferStatus.IN_TRANSIT:
      await outgoingOf(ctx.db).updateOne(
        { _id: id, status: TransferStatus.REQUESTED },
        { $set: { status: TransferStatus.IN_TRANSIT, inTransitAt: n.at ?? now, ...name } },
      );
      return;
    case TransferStatus.RECEIVED:
      await outgoingOf(ctx.db).updateOne(
        { _id: id, status: { $in: OPEN } },
        { $set: { status: TransferStatus.RECEIVED, receivedAt: n.at ?? now, receivedBy: n.by ?? null, ...name } },
      );
      await warnIfDiverged(ctx, id, TransferStatus.RECEIVED);
      return;
    case TransferStatus.CANCELLED:
      await settleCancelled(ctx.db, ctx.lease, id, n.at ?? now, n.by ?? null, n.reason ?? "cancelled");
      await warnIfDiverged(ctx, id, TransferStatus.CANCELLED);
      return;
    case "REFUSED":
      await settleCancelled(ctx.db, ctx.lease, id, now, "system", `refused by the destination: ${n.reason ?? "no reason given"}`);
      return;
  }
}

/** The destination decides; a source record that says otherwise is a bug worth an alarm. */
async function warnIfDiverged(ctx: MessageContext, id: ObjectId, expected: TransferStatus): Promise<void> {
  const doc = await outgoingOf(ctx.db).findOne({ _id: id }, { projection: { status: 1 } });
  if (doc && doc.status !== expected)
    ctx.log.error({ transfer: id.toHexString(), source: doc.status, destination: expected }, "transfer records diverged");
}

/**
 * cancelTransfer: asks the destination (now, for at most the host's wait, and through the
 * outbox until it answers). Returns the record as it stands: CANCELLED when the destination
 * agreed at once; still open with `cancelRequestedAt` (and `awaiting`) when it has not
 * answered yet; CONFLICT when it was received.
 */
export async function requestCancel(
  db: Db,
  doc: TransferDoc,
  actor: string,
  messaging: Messaging,
  waitUntil: number,
): Promise<{ doc: TransferDoc; awaiting: boolean }> {
  refuseIfFinal(doc, "cancelled");
  await outgoingOf(db).updateOne(
    { _id: doc._id, status: { $in: OPEN }, cancelRequestedAt: null },
    { $set: { cancelRequestedAt: new Date(), cancelRequestedBy: actor } },
  );
  const requested = (await outgoingOf(db).findOne({ _id: doc._id }))!;
  if (OPEN.includes(requested.status)) await messaging.sendNow(cancelMessage(requested), waitUntil);
  const after = (await outgoingOf(db).findOne({ _id: doc._id }))!;
  if (after.status === TransferStatus.RECEIVED) refuseIfFinal(after, "cancelled");
  // Still open: the destination has not agreed yet (no answer, or not a final one).
  return { doc: after, awaiting: OPEN.includes(after.status) };
}

function refuseIfFinal(doc: AnyTransferDoc, wanted: "cancelled" | "received"): void {
  const id = transferIdOf(doc);
  const extensions = { field: "id", id, status: doc.status };
  if (doc.status === TransferStatus.RECEIVED) {
    throw conflict(
      `transfer ${id} cannot be ${wanted}: ${doc.to.region} received it at ${doc.receivedAt?.toISOString() ?? "an unknown time"}`,
      extensions,
    );
  }
  if (doc.status === TransferStatus.CANCELLED) {
    throw conflict(
      `transfer ${id} cannot be ${wanted}: it was cancelled at ${doc.cancelledAt?.toISOString() ?? "an unknown time"}`,
      extensions,
    );
  }
}

// ---- destination ---------------------------------------------------------------------

/** The key of an incoming record: the whole transfer id, in its one spelling. */
function incomingKey(id: string): string {
  const { region, objectId } = decodeId(id, "Transfer");
  return encodeId("Transfer", region, objectId);
}

/**
 * Checks that a message about transfer `s` may come from `from` and be addressed here;
 * returns the key of its incoming record, which names `from`: a region's news can only
 * ever reach its own transfers.
 */
function checkParties(s: Snapshot, from: string, here: string): string {
  const id = decodeId(s.id, "Transfer");
  if (id.region !== from || s.from.region !== from || decodeId(s.from.warehouseId, "Warehouse").region !== from) {
    throw new LinkError(403, "FORBIDDEN", `${from} may only send news of its own transfers, from its own warehouses`);
  }
  if (decodeId(s.to.warehouseId, "Warehouse").region !== s.to.region) {
    throw new LinkError(400, "BAD_REQUEST", `transfer ${s.id}: its destination warehouse is not in ${s.to.region}`);
  }
  if (s.to.region !== here) throw new LinkError(400, "BAD_REQUEST", `transfer ${s.id} is addressed to ${s.to.region}, not ${here}`);
  return incomingKey(s.id);
}

const fromSnapshot = (
  s: Snapshot,
  id: string,
): Pick<IncomingTransferDoc, "_id" | "from" | "to" | "items" | "requestedAt" | "requestedBy"> => ({
  _id: id,
  from: s.from,
  to: s.to,
  items: s.items,
  requestedAt: s.requestedAt,
  requestedBy: s.requestedBy,
});

/** The warehouse of this region a transfer names, or null. */
async function warehouseHere(ctx: MessageContext, warehouseId: string): Promise<{ name: string } | null> {
  const warehouse = decodeId(warehouseId, "Warehouse");
  return warehouse.region === ctx.region.code
    ? warehousesOf(ctx.db).findOne({ _id: warehouse.objectId }, { projection: { name: 1 } })
    : null;
}

/** `transfer.deliver`: the incoming transfer, recorded once per transfer id. */
async function acceptDelivery(body: unknown, ctx: MessageContext & { from: string }): Promise<News> {
  const s = parse(snapshot, body, "transfer");
  const id = checkParties(s, ctx.from, ctx.region.code);
  const existing = await incomingOf(ctx.db).findOne({ _id: id });
  if (existing) return newsOf(existing);
  const found = await warehouseHere(ctx, s.to.warehouseId);
  if (!found) return { status: "REFUSED", reason: `${ctx.region.code} has no warehouse ${s.to.warehouseId}` };
  const doc: IncomingTransferDoc = {
    ...fromSnapshot(s, id),
    ...openRecord(),
    to: { ...s.to, warehouseName: found.name },
    status: TransferStatus.IN_TRANSIT,
    inTransitAt: new Date(),
  };
  await insertOnce(incomingOf(ctx.db), doc);
  return newsOf((await incomingOf(ctx.db).findOne({ _id: id }))!);
}

/** `transfer.cancel`: CANCELLED unless already received; a tombstone if it has not arrived yet. */
async function acceptCancel(body: unknown, ctx: MessageContext & { from: string }): Promise<News> {
  const s = parse(snapshot, body, "transfer");
  const id = checkParties(s, ctx.from, ctx.region.code);
  const cancelled = { cancelledAt: new Date(), cancelledBy: s.cancelledBy ?? null };
  // The name of a warehouse of this region is this region's to say, not the sender's.
  const own = await warehouseHere(ctx, s.to.warehouseId);
  const tombstone: IncomingTransferDoc = {
    ...fromSnapshot(s, id),
    to: { ...s.to, warehouseName: own?.name ?? null },
    ...openRecord(),
    ...cancelled,
    status: TransferStatus.CANCELLED,
    cancelReason: "cancelled by the source before it arrived",
  };
  if (!(await insertOnce(incomingOf(ctx.db), tombstone))) {
    await incomingOf(ctx.db).updateOne(
      { _id: id, status: TransferStatus.IN_TRANSIT },
      { $set: { status: TransferStatus.CANCELLED, ...cancelled, cancelReason: "cancelled by the source" } },
    );
  }
  const doc = (await incomingOf(ctx.db).findOne({ _id: id }))!;
  ctx.log.info({ event: "transfer.cancel", transfer: s.id, outcome: doc.status }, "cancellation decided");
  return newsOf(doc);
}

/**
 * receiveTransfer: IN_TRANSIT → RECEIVED in one conditional update (a cancellation racing
 * with it either happened first or fails), then the stock and the news to the source.
 */
export async function receive(ctx: MessageContext, id: string, actor: string): Promise<IncomingTransferDoc> {
  const key = incomingKey(id);
  const won = await incomingOf(ctx.db).findOneAndUpdate(
    { _id: key, status: TransferStatus.IN_TRANSIT },
    { $set: { status: TransferStatus.RECEIVED, receivedAt: new Date(), receivedBy: actor, stockSettled: false, sourceNotified: false } },
    { returnDocument: "after" },
  );
  if (!won) {
    const doc = await incomingOf(ctx.db).findOne({ _id: key });
    if (!doc) {
      throw notFound(
        `id: transfer ${id} has not arrived in ${ctx.region.code} (not addressed here, or its source has not reached ${ctx.region.code} yet)`,
        { field: "id", id },
      );
    }
    refuseIfFinal(doc, "received");
    throw conflict(`transfer ${id} is ${doc.status}`, { field: "id", id, status: doc.status });
  }
  try {
    await settleReceipt(ctx, won);
  } catch (err) {
    // The receipt is recorded: its stock is settled by recovery, on whichever replica (one
    // may be on it now, or took this replica's step over). The receipt stands either way.
    if (!(err instanceof GraphQLError && err.extensions.code === "CONFLICT")) throw err;
    ctx.log.warn(
      { event: "transfer.receipt_settling", transfer: id, reason: err.message },
      "receipt recorded; its stock settles in recovery",
    );
  }
  ctx.log.info({ event: "transfer.received", transfer: id, actor }, "transfer received");
  return (await incomingOf(ctx.db).findOne({ _id: key }))!;
}

async function settleReceipt(ctx: MessageContext, doc: IncomingTransferDoc): Promise<void> {
  await addStock(
    ctx.db,
    ctx.lease,
    doc,
    doc.to,
    "transfer-in",
    doc.receivedBy ?? "system",
    `transfer ${transferIdOf(doc)} from ${doc.from.region}`,
  );
  await ctx.messaging.send(receivedMessage(doc));
  await incomingOf(ctx.db).updateOne({ _id: doc._id }, { $set: { stockSettled: true } });
}

/** `transfer.received`, at the source. */
async function acceptReceived(body: unknown, ctx: MessageContext & { from: string }): Promise<News> {
  const r = parse(received, body, "receipt");
  const { objectId, region } = decodeId(r.id, "Transfer");
  const doc = region === ctx.region.code ? await outgoingOf(ctx.db).findOne({ _id: objectId }) : null;
  if (!doc) throw new LinkError(404, "NOT_FOUND", `${ctx.region.code} issued no transfer ${r.id}`);
  if (doc.to.region !== ctx.from) throw new LinkError(403, "FORBIDDEN", `only ${doc.to.region} can receive transfer ${r.id}`);
  await applyNews(ctx, objectId, { status: TransferStatus.RECEIVED, at: r.receivedAt, by: r.receivedBy });
  return newsOf((await outgoingOf(ctx.db).findOne({ _id: objectId }))!);
}

/** The inventory subgraph's region-to-region messages. */
export const transferMessages = {
  receive: {
    "transfer.deliver": acceptDelivery,
    "transfer.cancel": acceptCancel,
    "transfer.received": acceptReceived,
  },
  replies: {
    "transfer.deliver": (reply: unknown, m: { body: unknown }, ctx: MessageContext) => applyNews(ctx, idOfMessage(m), reply),
    "transfer.cancel": (reply: unknown, m: { body: unknown }, ctx: MessageContext) => applyNews(ctx, idOfMessage(m), reply),
    // The source has applied the receipt: its record no longer counts the transfer as open.
    "transfer.received": async (_reply: unknown, m: { body: unknown }, ctx: MessageContext) => {
      await incomingOf(ctx.db).updateOne({ _id: incomingKey((m.body as { id: string }).id) }, { $set: { sourceNotified: true } });
    },
  },
};

const idOfMessage = (m: { body: unknown }) => decodeId((m.body as { id: string }).id, "Transfer").objectId;

/**
 * Finishes the transfer steps a replica that died (or stalled past its lease) left undone:
 * on every replica, at start-up and all the time after, after the ledger's own recovery.
 * Only steps begun longer than a lease ago: a live replica finishes its own; each step is
 * idempotent, so a stalled one resuming does no harm.
 */
export async function recoverTransfers(ctx: MessageContext): Promise<number> {
  const before = new Date(Date.now() - ctx.lease.ms);
  let finished = 0;
  const finish = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
      finished++;
    } catch (err) {
      // Another replica is on it (its operation still running): the next pass looks again.
      ctx.log.warn({ region: ctx.region.code, step: what, reason: (err as Error).message }, "transfer step not finished yet");
    }
  };
  const outs = operationsOf(ctx.db).find({
    type: "TRANSFER_OUT",
    status: "COMPLETED",
    transferRecorded: false,
    completedAt: { $lt: before },
  });
  for await (const op of outs) await finish("record", () => recordOutgoing(ctx.db, op, ctx.region.code, ctx.messaging));
  for await (const doc of outgoingOf(ctx.db).find({
    status: TransferStatus.CANCELLED,
    stockSettled: false,
    $or: [{ settledAt: { $lt: before } }, { settledAt: { $exists: false }, cancelledAt: { $lt: before } }],
  })) {
    await finish("return", () => returnStock(ctx.db, ctx.lease, doc));
  }
  for await (const doc of outgoingOf(ctx.db).find({ status: { $in: OPEN }, cancelRequestedAt: { $lt: before } })) {
    await ctx.messaging.send(cancelMessage(doc));
  }
  for await (const doc of incomingOf(ctx.db).find({ status: TransferStatus.RECEIVED, stockSettled: false, receivedAt: { $lt: before } })) {
    await finish("receipt", () => settleReceipt(ctx, doc));
  }
  if (finished) ctx.log.warn({ region: ctx.region.code, finished }, "finished transfer steps a replica left undone");
  return finished;
}

/**
 * Incoming records stored before they were keyed by the whole transfer id (under the bare
 * ObjectId) move to that key, which their `from.region` gives. Idempotent: a crash between
 * the insert and the delete leaves the copy, which the next start keeps.
 */
export async function rekeyLegacyIncoming(ctx: MessageContext): Promise<void> {
  const legacy = ctx.db.collection<LegacyIncomingDoc>(INCOMING);
  let moved = 0;
  // Not `$type: "objectId"`: the embedded engine does not match it; every key is an ObjectId or a string.
  for await (const doc of legacy.find({ _id: { $not: { $type: "string" } } })) {
    const { _id, ...rest } = doc;
    await insertOnce(incomingOf(ctx.db), { ...rest, _id: encodeId("Transfer", doc.from.region, _id) });
    await legacy.deleteOne({ _id });
    moved++;
  }
  if (moved) ctx.log.warn({ region: ctx.region.code, moved }, "incoming transfers re-keyed by their whole id");
}

// ---- graph ---------------------------------------------------------------------------

/** A transfer as one side records it: which side decides whether `delivery` applies. */
export interface TransferView extends Transfer {
  side: TransferSide;
}

const endView = (e: TransferEnd) => ({ region: regionRef(e.region), warehouseId: e.warehouseId, warehouseName: e.warehouseName });

/** A transfer as one side records it. */
export function toTransfer(doc: AnyTransferDoc, side: TransferSide): TransferView {
  return {
    id: transferIdOf(doc),
    side,
    from: endView(doc.from),
    to: endView(doc.to),
    items: doc.items,
    status: doc.status,
    requestedAt: doc.requestedAt,
    requestedBy: doc.requestedBy,
    inTransitAt: doc.inTransitAt,
    receivedAt: doc.receivedAt,
    receivedBy: doc.receivedBy,
    cancelRequestedAt: doc.cancelRequestedAt,
    cancelledAt: doc.cancelledAt,
    cancelledBy: doc.cancelledBy,
    cancelReason: doc.cancelReason,
  };
}

/**
 * Stock that has left for another region in a TRANSFER_OUT whose transfer record is not
 * stored yet (it follows at once; a failure in between is finished by a retry with the key,
 * or at start-up): in transit all the same. Lines of an operation still running count once
 * reserved.
 */
async function leftWithoutRecord(db: Db): Promise<Array<{ id: string; counterpart: string; items: ItemQuantity[] }>> {
  const ops = await operationsOf(db)
    .find({ transferRecorded: false, status: { $in: ["PENDING", "ROLLING_BACK", "COMPLETED"] } })
    .toArray();
  if (!ops.length) return [];
  const recorded = new Set(
    (
      await outgoingOf(db)
        .find({ _id: { $in: ops.map((op) => op._id) } }, { projection: { _id: 1 } })
        .toArray()
    ).map((d) => d._id.toHexString()),
  );
  const waiting = ops.filter((op) => op.transferId && op.transfer && !recorded.has(op._id.toHexString()));
  return Promise.all(
    waiting.map(async (op) => {
      const notApplied = new Map(
        totalsPerItem((await linesNotApplied(db, op._id, op.lines)).map((l) => ({ item: l.item, quantity: -l.delta }))).map((l) => [
          l.item,
          l.quantity,
        ]),
      );
      const items = totalsPerItem(op.lines.map((l) => ({ item: l.item, quantity: -l.delta })))
        .map((l) => ({ item: l.item, quantity: l.quantity - (notApplied.get(l.item) ?? 0) }))
        .filter((l) => l.quantity !== 0);
      return { id: op.transferId!, counterpart: op.transfer!.to.region, items };
    }),
  );
}

/** One side's word on a transfer not yet settled everywhere: what it holds in transit by its own records. */
export interface TransferPositionView {
  id: string;
  side: TransferSideEnum;
  /** The region at the other end. */
  counterpart: string;
  status: TransferStatus;
  inTransit: ItemQuantity[];
}

/**
 * The transfers this region's word is needed on to add up the country's stock exactly (the
 * national view merges them by id, the destination's word winning): as source, those it
 * still has open or whose stock is coming back; as destination, those in transit, those
 * whose stock is not all in yet, and those received whose source has not acknowledged the
 * news (so a source that has not heard yet is not believed).
 */
export async function transferPositions(db: Db): Promise<TransferPositionView[]> {
  const [outgoing, incoming] = await Promise.all([
    outgoingOf(db)
      .find({ $or: [{ status: { $in: OPEN } }, { status: TransferStatus.CANCELLED, stockSettled: false }] })
      .toArray(),
    incomingOf(db)
      .find({
        $or: [
          { status: TransferStatus.IN_TRANSIT },
          { status: TransferStatus.RECEIVED, $or: [{ stockSettled: false }, { sourceNotified: false }] },
        ],
      })
      .toArray(),
  ]);
  const position = async (doc: AnyTransferDoc, side: TransferSideEnum, purpose: string): Promise<TransferPositionView> => {
    const id = transferIdOf(doc);
    const moving = doc.status === TransferStatus.REQUESTED || doc.status === TransferStatus.IN_TRANSIT;
    const lines = moving
      ? doc.items
      : doc.stockSettled
        ? []
        : (
            await linesNotApplied(
              db,
              await currentOperationId(db, `${purpose}:${id}`),
              doc.items.map((i) => ({ item: i.item, delta: i.quantity })),
            )
          ).map((l) => ({ item: l.item, quantity: l.delta }));
    const counterpart = side === TransferSideEnum.OUTGOING ? doc.to.region : doc.from.region;
    return { id, side, counterpart, status: doc.status, inTransit: totalsPerItem(lines).filter((l) => l.quantity !== 0) };
  };
  const unrecorded = (await leftWithoutRecord(db)).map((t): TransferPositionView => ({
    id: t.id,
    side: TransferSideEnum.OUTGOING,
    counterpart: t.counterpart,
    status: TransferStatus.REQUESTED,
    inTransit: t.items,
  }));
  return [
    ...unrecorded,
    ...(await Promise.all([
      ...outgoing.map((d) => position(d, TransferSideEnum.OUTGOING, "transfer-return")),
      ...incoming.map((d) => position(d, TransferSideEnum.INCOMING, "transfer-in")),
    ])),
  ];
}

/**
 * Stock between this region and another, counted once across the country, so that the
 * regions' figures add up (stock everywhere + in transit = everything donated) whatever
 * each side has heard of the other: the destination's word decides. A transfer is counted
 * by its destination from the moment the destination has recorded it until its stock is in
 * the destination's warehouse; by its source before that (the destination has not recorded
 * it yet) and while a cancelled transfer's stock comes back. A receipt the source has not
 * heard of yet is thus in the destination's stock and nowhere in transit.
 */
export async function stockInTransit(db: Db): Promise<ItemQuantity[]> {
  // This region's word on its unsettled transfers, less those it sent that the destination has
  // recorded (the destination counts them from then on).
  const counted = (await transferPositions(db)).filter(
    (p) => !(p.side === TransferSideEnum.OUTGOING && p.status === TransferStatus.IN_TRANSIT),
  );
  return totalsPerItem(counted.flatMap((p) => p.inTransit));
}
