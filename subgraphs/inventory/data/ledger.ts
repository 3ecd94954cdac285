// The stock ledger. Every change of stock is an operation (donation, distribution,
// adjustment, transfer out or in) made of lines, and every applied line is one movement.
//
// Without multi-document transactions, an operation runs as:
//   1. record the operation, PENDING (its idempotency key is unique per region);
//   2. reserve each line with one conditional update of the warehouse that also pushes a
//      marker `<op>:<line>` — a decrease only if enough stock is there, and never twice —
//      after, for a line under an entitlement rule, the household's grant (entitlements.ts),
//      held by the same marker;
//   3. if a line cannot be reserved, give back every reserved line (again conditional on
//      its marker) and record the operation FAILED with the error;
//   4. otherwise write the lines' movements (unique per marker), mark the operation
//      COMPLETED and drop the markers.
// At rest no markers remain and stock equals the sum of the movements.
//
// Several replicas may run on one database (kernel/lease.ts): an operation is recorded with
// its owner and a lease the owner renews as it works; every transition out of PENDING is
// conditional on the owner. Recovery, on every replica and all the time, takes over only a
// PENDING operation whose lease has lapsed (one conditional update) and completes it when
// every line is reserved, else rolls it back (ROLLED_BACK: its key is free for a retry). An
// owner that finds its operation taken over fails loudly; what it may have reserved after a
// rollback is given back, by itself or by the sweep of markers of operations not running.
import { createHash } from "node:crypto";
import { ObjectId } from "bson";
import type { GraphQLError } from "graphql";
import type { Collection, Db } from "mongodb";
import { appError, conflict } from "../../kernel/errors.js";
import { decodeId, encodeId, peekId, type EntityType } from "../../kernel/ids.js";
import { isDuplicateKey, type IndexPlan } from "../../kernel/mongo.js";
import type { Logger } from "../../kernel/log.js";
import { type DonorKind, Item, MovementKind } from "../types/enums.js";
import { recordWrite } from "../../kernel/audit.js";
import { faultPoint } from "../../kernel/faults.js";
import { attemptOf, leaseEnd, takenOver, type Lease } from "../../kernel/lease.js";
import {
  accountOf,
  exceeded,
  grant,
  isGranted,
  MAX_PERIOD_DAYS,
  overridden,
  revoke,
  revokeStrays,
  type LineEntitlement,
} from "./entitlements.js";
import { warehousesOf } from "./warehouses.js";

export type OperationType = "DONATION" | "DISTRIBUTION" | "ADJUSTMENT" | "WRITE_OFF" | "TRANSFER_OUT" | "TRANSFER_IN";

export interface OperationLine {
  item: Item;
  /** Signed change of stock. */
  delta: number;
  /** A distribution line under an entitlement rule: the household's grant it needs. */
  entitlement?: LineEntitlement;
}

export interface OperationDoc {
  _id: ObjectId;
  type: OperationType;
  /**
   * Absent when the caller gave none (a sparse unique index still indexes null). Operations
   * the system makes itself have none; their _id is derived from what they are for.
   */
  idempotencyKey?: string;
  /** The key of a refused operation whose key a later request took over (the refusal stays on record). */
  refusedKey?: string;
  payloadHash: string;
  warehouseId: ObjectId;
  lines: OperationLine[];
  /**
   * ROLLING_BACK: recovery decided to give its lines back (nothing may complete it now);
   * ROLLED_BACK: it has (its key moved to `rolledBackKey`). An operation's id is never run
   * again once it is rolled back, so no late release meets a new reservation under it.
   */
  status: "PENDING" | "COMPLETED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
  /** PENDING: the replica running it, and until when it holds it (kernel/lease.ts). */
  owner?: string;
  leaseUntil?: Date;
  /** ROLLED_BACK: the key it had; a retry with it runs afresh. */
  rolledBackKey?: string;
  error: { message: string; extensions: Record<string, unknown> } | null;
  actor: string;
  createdAt: Date;
  completedAt: Date | null;
  /** Type-specific, graph-visible details. */
  donor?: string;
  /** Absent on donations recorded before it existed: treated as a person. */
  donorKind?: DonorKind;
  beneficiaryId?: string;
  deliveredBy?: string | null;
  reason?: string | null;
  /** DISTRIBUTION: the organisation running the warehouse when it was made (3W); absent on older records. */
  organisationId?: string | null;
  /** DISTRIBUTION: the household's size when it was made (per-person rules, people reached). */
  householdSize?: number;
  /** DISTRIBUTION: staff may give more than the household's entitlement, for this reason. */
  override?: { reason: string } | null;
  /** DISTRIBUTION: the override was needed (a line got more than its rule allowed). */
  overridden?: boolean;
  /** The region (its database's), for ids in audit entries the ledger writes itself. */
  region?: string;
  /** DISTRIBUTION recorded before its lines counted for the household: counted since (countPastDistributions). */
  grantsRecorded?: boolean;
  /** The transfer a TRANSFER_OUT / TRANSFER_IN belongs to (its graph id). */
  transferId?: string;
  /** TRANSFER_OUT: where the stock goes; recorded with the stock so a crash cannot lose it. */
  transfer?: { to: { region: string; warehouseId: string }; fromWarehouseName: string };
  /** TRANSFER_OUT: the transfer record and its delivery message are stored. */
  transferRecorded?: boolean;
}

export interface MovementDoc {
  _id: ObjectId;
  warehouseId: ObjectId;
  item: Item;
  quantity: number;
  kind: MovementKind;
  at: Date;
  actor: string;
  reason: string | null;
  operationId: ObjectId;
  operationType: OperationType;
  /** `<operation id>:<line>`: a line is recorded once. */
  line: string;
  transferId?: string;
}

const OPERATIONS = "stock_operations";
const MOVEMENTS = "stock_movements";

export const ledgerIndexes: IndexPlan = {
  [OPERATIONS]: [
    { key: { idempotencyKey: 1 }, name: "idempotency_unique", unique: true, sparse: true },
    { key: { refusedKey: 1 }, name: "refused_key", sparse: true },
    { key: { status: 1, createdAt: 1 }, name: "status" },
    // Recovery finds lapsed leases.
    { key: { status: 1, leaseUntil: 1 }, name: "lease" },
    // The sweep finds recent rollbacks.
    { key: { status: 1, completedAt: 1 }, name: "status_completed" },
    { key: { beneficiaryId: 1, createdAt: -1 }, name: "beneficiary" },
    // Statistics over a period, per type.
    { key: { type: 1, createdAt: 1 }, name: "type_time" },
    // Transfers out whose record is not stored yet (the few; only TRANSFER_OUT has the field).
    { key: { transferRecorded: 1 }, name: "transfer_recorded", sparse: true },
  ],
  [MOVEMENTS]: [
    { key: { line: 1 }, name: "line_unique", unique: true },
    { key: { warehouseId: 1, at: -1, _id: -1 }, name: "warehouse_history" },
  ],
};

export const operationsOf = (db: Db): Collection<OperationDoc> => db.collection<OperationDoc>(OPERATIONS);
export const movementsOf = (db: Db): Collection<MovementDoc> => db.collection<MovementDoc>(MOVEMENTS);

const KIND: Record<OperationType, MovementKind> = {
  DONATION: MovementKind.DONATION_IN,
  DISTRIBUTION: MovementKind.DISTRIBUTION_OUT,
  ADJUSTMENT: MovementKind.ADJUSTMENT,
  WRITE_OFF: MovementKind.WRITE_OFF,
  TRANSFER_OUT: MovementKind.TRANSFER_OUT,
  TRANSFER_IN: MovementKind.TRANSFER_IN,
};

const ENTITY: Partial<Record<OperationType, EntityType>> = { DONATION: "Donation", DISTRIBUTION: "Distribution" };

/** The graph id of an operation: donations, distributions and transfers are entities of their own. */
export function operationId(op: Pick<OperationDoc, "_id" | "type" | "transferId">, region: string): string {
  return op.transferId ?? encodeId(ENTITY[op.type] ?? "StockMovement", region, op._id);
}

/** The _id of an operation the system makes for `purpose` (e.g. a transfer's return): the same every time. */
function derivedOperationId(purpose: string, attempt: number): ObjectId {
  return new ObjectId(
    createHash("sha256")
      .update(attempt ? `${purpose}#${attempt}` : purpose)
      .digest()
      .subarray(0, 12),
  );
}

/**
 * The id under which the operation the system makes for `purpose` runs or ran: the derived
 * id, or, once an attempt under it was rolled back, the next attempt's (an id never runs twice).
 */
export async function currentOperationId(db: Db, purpose: string): Promise<ObjectId> {
  for (let attempt = 0; ; attempt++) {
    const _id = derivedOperationId(purpose, attempt);
    const op = await operationsOf(db).findOne({ _id }, { projection: { status: 1 } });
    if (op?.status !== "ROLLED_BACK") return _id;
  }
}

/** Only what happened: a refused (or unfinished) operation is no donation or distribution. */
export const isDonation = (op: OperationDoc) => op.type === "DONATION" && op.status === "COMPLETED";
export const isDistribution = (op: OperationDoc) => op.type === "DISTRIBUTION" && op.status === "COMPLETED";

const lineKey = (op: ObjectId, index: number) => `${op.toHexString()}:${index}`;

/** An operation's payload hash, by which a retry with its key is recognised (plain JSON, in the order given). */
export function payloadHash(payload: unknown): string {
  return createHash("sha256").update(JSON.stringify(payload)).digest("hex");
}

function insufficient(item: Item, requested: number, available: number, warehouseName: string) {
  return appError(
    "INSUFFICIENT_STOCK",
    `insufficient stock of ${item} in ${warehouseName}: requested ${requested}, available ${available}`,
    { item, requested, available },
  );
}

/** Reserves one line's stock: null when reserved (now or by an earlier attempt), else INSUFFICIENT_STOCK. */
async function reserveStock(db: Db, op: OperationDoc, index: number, warehouseName: string): Promise<GraphQLError | null> {
  const { item, delta } = op.lines[index];
  const key = lineKey(op._id, index);
  const guard = delta < 0 ? { [`stock.${item}`]: { $gte: -delta } } : {};
  const res = await warehousesOf(db).updateOne(
    { _id: op.warehouseId, pendingOps: { $ne: key }, ...guard },
    { $inc: { [`stock.${item}`]: delta }, $push: { pendingOps: key } },
  );
  if (res.modifiedCount === 1) return null;
  // Not applied now: either reserved already (a replay) or not enough stock.
  if ((await warehousesOf(db).countDocuments({ _id: op.warehouseId, pendingOps: key })) === 1) return null;
  const current = await warehousesOf(db).findOne({ _id: op.warehouseId }, { projection: { [`stock.${item}`]: 1 } });
  return insufficient(item, -delta, current?.stock[item] ?? 0, warehouseName);
}

/** Whether any of these lines' operations is still running. */
async function stillRunning(db: Db, keys: string[], lease: Lease): Promise<boolean> {
  const ids = [...new Set(keys.map((k) => k.split(":")[0]))].filter((hex) => ObjectId.isValid(hex)).map((hex) => new ObjectId(hex));
  if (!ids.length) return false;
  const running = await operationsOf(db)
    .find({ _id: { $in: ids }, status: { $in: ["PENDING", "ROLLING_BACK"] } })
    .toArray();
  // One whose replica is gone is recovered now: what it held is then given back, or counts for good.
  for (const op of running) if (op.leaseUntil && op.leaseUntil.getTime() < Date.now()) await recoverOne(db, op, lease);
  return running.length > 0;
}

/** Reserves one line's entitlement grant, if it has one: null when granted, else ENTITLEMENT_EXCEEDED. */
async function reserveGrant(db: Db, op: OperationDoc, index: number, lease: Lease): Promise<GraphQLError | null> {
  const { item, delta, entitlement } = op.lines[index];
  if (!entitlement) return null;
  if (await grant(db, lineKey(op._id, index), entitlement, -delta, op.createdAt, (keys) => stillRunning(db, keys, lease))) return null;
  return exceeded(db, item, -delta, { ...entitlement, allowed: entitlement.allowed ?? 0 }, op.createdAt);
}

/** Gives a reserved line (its stock, its grant) back; a no-op for what is not reserved. */
async function release(db: Db, op: OperationDoc, index: number): Promise<void> {
  const { item, delta, entitlement } = op.lines[index];
  const key = lineKey(op._id, index);
  await warehousesOf(db).updateOne(
    { _id: op.warehouseId, pendingOps: key },
    { $inc: { [`stock.${item}`]: -delta }, $pull: { pendingOps: key } },
  );
  if (entitlement) await revoke(db, key, entitlement);
}

/**
 * Writes the movements of every line, marks the operation COMPLETED, drops the markers: for
 * `owner`, who holds every line. Null when `owner` no longer holds the operation.
 */
async function commit(db: Db, op: OperationDoc, owner: string): Promise<OperationDoc | null> {
  const at = new Date();
  const movements: MovementDoc[] = op.lines.map((line, i) => ({
    _id: new ObjectId(),
    warehouseId: op.warehouseId,
    item: line.item,
    quantity: line.delta,
    kind: KIND[op.type],
    at,
    actor: op.actor,
    reason: op.reason ?? null,
    operationId: op._id,
    operationType: op.type,
    line: lineKey(op._id, i),
    ...(op.transferId ? { transferId: op.transferId } : {}),
  }));
  try {
    await movementsOf(db).insertMany(movements, { ordered: false });
  } catch (err) {
    // Lines recorded by an earlier, interrupted attempt are already there.
    const writeErrors = (err as { writeErrors?: Array<{ code: number }> }).writeErrors ?? [];
    if (!isDuplicateKey(err) && !(writeErrors.length && writeErrors.every((e) => e.code === 11000))) throw err;
  }
  // An override that was needed is on record with the operation, and audited, before it counts as done.
  const needed = await overridden(
    db,
    op.lines.flatMap((l, i) => (l.entitlement?.override ? [{ key: lineKey(op._id, i), entitlement: l.entitlement }] : [])),
  );
  if (needed) await recordWrite(db, op.actor, "distributeAid:override", "Distribution", [operationId(op, op.region ?? "")], op._id);
  faultPoint("ledger:recorded");
  const completed = await operationsOf(db).findOneAndUpdate(
    { _id: op._id, status: "PENDING", owner },
    { $set: { status: "COMPLETED", completedAt: at, ...(needed ? { overridden: true } : {}) }, $unset: { leaseUntil: "" } },
    { returnDocument: "after" },
  );
  if (!completed) return null;
  faultPoint("ledger:completed");
  await warehousesOf(db).updateOne({ _id: op.warehouseId }, { $pull: { pendingOps: { $in: op.lines.map((_, i) => lineKey(op._id, i)) } } });
  return completed;
}

/**
 * Rolls an operation back for `owner`: first marks it ROLLING_BACK (conditional on the owner,
 * so nobody completes it afterwards), then gives every line back, then ROLLED_BACK, freeing
 * its key. False when `owner` no longer held it. A recoverer that stalls midway is taken over
 * and its rollback finished by another; a release is conditional on its line's marker, so two
 * releases of one line never both count.
 */
async function rollBack(db: Db, op: OperationDoc, owner: string, lease: Lease): Promise<boolean> {
  if (op.status === "PENDING") {
    const decided = await operationsOf(db).updateOne(
      { _id: op._id, status: "PENDING", owner },
      { $set: { status: "ROLLING_BACK", leaseUntil: leaseEnd(lease) } },
    );
    if (decided.modifiedCount === 0) return false;
  }
  faultPoint("recovery:rolling-back");
  for (let i = op.lines.length - 1; i >= 0; i--) await release(db, op, i);
  await operationsOf(db).updateOne(
    { _id: op._id, status: "ROLLING_BACK", owner },
    {
      $set: { status: "ROLLED_BACK", completedAt: new Date(), ...(op.idempotencyKey ? { rolledBackKey: op.idempotencyKey } : {}) },
      $unset: { idempotencyKey: "", leaseUntil: "" },
    },
  );
  return true;
}

/**
 * The owner's hold on the operation it runs: renewed as it works (when a third of the lease
 * has passed), lost once recovery has taken the operation over.
 */
class Hold {
  private renewedAt = Date.now();

  constructor(
    private readonly db: Db,
    private readonly op: OperationDoc,
    private readonly lease: Lease,
  ) {}

  /** Renews the lease if due (or `now`); throws, once it is lost, what the client must hear. */
  async keep(now = false): Promise<void> {
    if (!now && Date.now() - this.renewedAt < this.lease.ms / 3) return;
    const at = Date.now();
    const res = await operationsOf(this.db).updateOne(
      { _id: this.op._id, status: "PENDING", owner: this.op.owner },
      { $set: { leaseUntil: leaseEnd(this.lease, at) } },
    );
    if (res.matchedCount === 0) throw await this.lost();
    this.renewedAt = at;
  }

  /**
   * The operation is no longer this replica's. Once recovery has rolled it back, whatever this
   * replica reserved since (it stalled mid-step) is given back now; the client hears that the
   * operation was taken over, and a retry with its key gets the outcome.
   */
  async lost(): Promise<GraphQLError> {
    const now = await operationsOf(this.db).findOne({ _id: this.op._id }, { projection: { status: 1 } });
    if (now?.status === "ROLLING_BACK" || now?.status === "ROLLED_BACK")
      for (let i = this.op.lines.length - 1; i >= 0; i--) await release(this.db, this.op, i);
    return takenOver(`the ${this.op.type.toLowerCase()} ${this.op._id.toHexString()}`);
  }
}

/** The result a retried operation gets: the first one, or CONFLICT when the payload differs. */
function replay(existing: OperationDoc, op: OperationDoc): OperationDoc {
  if (existing.payloadHash !== op.payloadHash || existing.type !== op.type) {
    throw conflict(`idempotencyKey: ${JSON.stringify(op.idempotencyKey)} was already used for a different request`, {
      field: "idempotencyKey",
    });
  }
  if (existing.status === "COMPLETED") return existing;
  // (Only an operation found by its id: a rolled-back one has no key.)
  if (existing.status === "ROLLED_BACK") {
    throw conflict(`the operation ${existing._id.toHexString()} was rolled back by recovery; run it again`, { reason: "ROLLED_BACK" });
  }
  if (existing.status === "FAILED" && existing.error) {
    throw appError(existing.error.extensions.code as never, existing.error.message, existing.error.extensions);
  }
  throw conflict(`idempotencyKey: the request ${JSON.stringify(op.idempotencyKey)} is still being processed; retry shortly`, {
    field: "idempotencyKey",
  });
}

/**
 * Runs an operation all or nothing; returns it COMPLETED, or throws (INSUFFICIENT_STOCK
 * naming item, requested and available; ENTITLEMENT_EXCEEDED naming item, what remains and
 * when the household is next eligible; CONFLICT for a reused idempotency key).
 */
export async function runOperation(db: Db, op: OperationDoc, warehouseName: string, lease: Lease): Promise<OperationDoc> {
  // This very attempt: a retry or a recovery in the same replica is another owner.
  op.owner = attemptOf(lease);
  for (let attempt = 0; ; attempt++) {
    try {
      op.leaseUntil = leaseEnd(lease);
      await operationsOf(db).insertOne(op);
      break;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const existing = await operationsOf(db).findOne(op.idempotencyKey ? { idempotencyKey: op.idempotencyKey } : { _id: op._id });
      // The key between a refused operation and its correction, for an instant: ask again.
      if (!existing) {
        if (attempt < 5) continue;
        throw err;
      }
      // Its owner is gone (its lease lapsed): recovered now rather than at the next pass.
      const running = existing.status === "PENDING" || existing.status === "ROLLING_BACK";
      if (running && attempt < 5 && (await recoverOne(db, existing, lease)) !== "busy") continue;
      if (existing.payloadHash === op.payloadHash || existing.type !== op.type || !op.idempotencyKey) return replay(existing, op);
      // A request refused earlier under this key gets its first answer, whatever holds the key now.
      const earlier = await operationsOf(db).findOne({ refusedKey: op.idempotencyKey, type: op.type, payloadHash: op.payloadHash });
      if (earlier) return replay(earlier, op);
      if (existing.status !== "FAILED" || attempt >= 5) return replay(existing, op);
      // A correction after a refusal: whoever takes the key over, the insert is tried again.
      await takeOverRefused(db, existing, op.idempotencyKey);
    }
  }
  // A request refused earlier under this key gets its first answer, whatever came after it
  // (even once a later request under the key was rolled back and the key is free). Checked
  // once the key is held: a key is only ever freed in the update that records `refusedKey`.
  if (op.idempotencyKey) {
    const refused = await operationsOf(db).findOne({ refusedKey: op.idempotencyKey, type: op.type, payloadHash: op.payloadHash });
    if (refused) {
      // Nothing was reserved yet: the attempt is withdrawn, the key freed again.
      await operationsOf(db).deleteOne({ _id: op._id, status: "PENDING", owner: op.owner });
      return replay(refused, op);
    }
  }
  faultPoint("ledger:inserted");
  const hold = new Hold(db, op, lease);
  // Stock first: a line that cannot have its stock never holds a household's grant meanwhile.
  const phases = [
    { step: "stock", reserve: (i: number) => reserveStock(db, op, i, warehouseName) },
    { step: "grant", reserve: (i: number) => reserveGrant(db, op, i, lease) },
  ];
  for (const { step, reserve } of phases) {
    for (let i = 0; i < op.lines.length; i++) {
      await hold.keep();
      const refused = await reserve(i);
      faultPoint(`ledger:${step}:${i}`);
      if (!refused) continue;
      for (let j = op.lines.length - 1; j >= 0; j--) await release(db, op, j);
      const failed = await operationsOf(db).updateOne(
        { _id: op._id, status: "PENDING", owner: op.owner },
        {
          $set: { status: "FAILED", completedAt: new Date(), error: { message: refused.message, extensions: { ...refused.extensions } } },
          $unset: { leaseUntil: "" },
        },
      );
      if (failed.matchedCount === 0) throw await hold.lost();
      throw refused;
    }
  }
  await hold.keep(true);
  return (await commit(db, op, op.owner)) ?? Promise.reject(await hold.lost());
}

/**
 * A request corrected after a refusal (more stock found, an override given) may keep its
 * key: the refused operation stays on record under `refusedKey`, and the key is free again.
 * One conditional update: of two corrections at once, one frees the key, and both try it.
 */
async function takeOverRefused(db: Db, refused: OperationDoc, key: string): Promise<void> {
  await operationsOf(db).updateOne(
    { _id: refused._id, status: "FAILED", idempotencyKey: key },
    { $unset: { idempotencyKey: "" }, $set: { refusedKey: key } },
  );
}

const lapsed = (lease: Lease, now = new Date()) => ({
  status: { $in: ["PENDING", "ROLLING_BACK"] as Array<OperationDoc["status"]> },
  $or: [
    { leaseUntil: { $lt: now } },
    // Recorded before leases: its owner's lease is as old as it is.
    { leaseUntil: { $exists: false }, createdAt: { $lt: new Date(now.getTime() - lease.ms) } },
  ],
});

/**
 * Takes over one PENDING operation if its lease has lapsed (one conditional update: of two
 * recoverers, one acts) and completes it when every line is reserved or recorded, else rolls
 * it back. "busy" when it is held (its owner is working, or another recoverer took it).
 */
async function recoverOne(db: Db, op: OperationDoc, lease: Lease): Promise<"completed" | "rolledBack" | "busy"> {
  const taken = await operationsOf(db).findOneAndUpdate(
    { _id: op._id, ...lapsed(lease) },
    { $set: { owner: attemptOf(lease), leaseUntil: leaseEnd(lease) } },
    { returnDocument: "after" },
  );
  if (!taken) return "busy";
  faultPoint("recovery:taken");
  // A rollback decided already is finished, never turned into a completion.
  if (taken.status === "ROLLING_BACK") return (await rollBack(db, taken, taken.owner!, lease)) ? "rolledBack" : "busy";
  const applied = await stockApplied(db, taken);
  const granted = await Promise.all(
    taken.lines.map(async (l, i) => !l.entitlement || (await isGranted(db, lineKey(taken._id, i), l.entitlement))),
  );
  if (applied.every((stock, i) => stock && granted[i])) {
    return (await commit(db, taken, taken.owner!)) ? "completed" : "busy";
  }
  return (await rollBack(db, taken, taken.owner!, lease)) ? "rolledBack" : "busy";
}

/**
 * Finishes what a replica that died, or stalled past its lease, left half-done: every PENDING
 * operation whose lease has lapsed is completed when every line was reserved or recorded,
 * otherwise rolled back (ROLLED_BACK: a retry with its key runs afresh). Then gives back what
 * a stalled replica may have reserved for an operation no longer running. Runs on every
 * replica, at start-up and all the time after.
 */
export async function recoverOperations(db: Db, lease: Lease, log: Logger): Promise<{ completed: number; rolledBack: number }> {
  let completed = 0;
  let rolledBack = 0;
  for await (const op of operationsOf(db).find(lapsed(lease))) {
    const outcome = await recoverOne(db, op, lease);
    if (outcome === "completed") completed++;
    if (outcome === "rolledBack") rolledBack++;
  }
  if (completed || rolledBack) log.warn({ completed, rolledBack }, "recovered stock operations whose replica died or stalled");
  await sweepStrays(db, log);
  return { completed, rolledBack };
}

/** How long after a rollback a stray grant of it is still looked for (a replica stalled longer gives it back itself). */
const SWEEP_GRANTS_MS = 3_600_000;

/**
 * Reservations of operations not running: a replica that stalled past its lease may reserve
 * a line after recovery rolled its operation back, and die before giving it back. Warehouses
 * are few, so every marker is checked; grants, of operations rolled back lately.
 */
async function sweepStrays(db: Db, log: Logger): Promise<void> {
  let swept = 0;
  for await (const w of warehousesOf(db).find({ "pendingOps.0": { $exists: true } }, { projection: { pendingOps: 1 } })) {
    for (const marker of w.pendingOps) {
      const [hex, index] = marker.split(":");
      if (!ObjectId.isValid(hex)) continue;
      const op = await operationsOf(db).findOne({ _id: new ObjectId(hex) });
      // Running, or being rolled back by recovery (which gives its lines back itself).
      if (!op || op.status === "PENDING" || op.status === "ROLLING_BACK") continue;
      swept++;
      // A completed operation's markers only wait to be dropped; any other's are given back.
      if (op.status === "COMPLETED") await warehousesOf(db).updateOne({ _id: w._id }, { $pull: { pendingOps: marker } });
      else await release(db, op, Number(index));
    }
  }
  const since = new Date(Date.now() - SWEEP_GRANTS_MS);
  const rolledBack = await operationsOf(db)
    .find({ status: "ROLLED_BACK", completedAt: { $gte: since } }, { projection: { lines: 1 } })
    .toArray();
  const keys = rolledBack.flatMap((op) => op.lines.flatMap((l, i) => (l.entitlement ? [lineKey(op._id, i)] : [])));
  if (keys.length) swept += await revokeStrays(db, keys);
  if (swept) log.warn({ swept }, "gave back reservations of stock operations no longer running");
}

/**
 * Distributions recorded before every distribution line counted for its household (and so
 * before any rule could see them): their lines are counted now, once, as far back as a rule's
 * period reaches. Runs at start-up; a no-op once done.
 */
export async function countPastDistributions(db: Db, now: Date): Promise<number> {
  let counted = 0;
  const past = operationsOf(db).find({
    type: "DISTRIBUTION",
    status: "COMPLETED",
    createdAt: { $gte: new Date(now.getTime() - MAX_PERIOD_DAYS * 86_400_000) },
    "lines.entitlement": { $exists: false },
    grantsRecorded: { $exists: false },
  });
  for await (const op of past) {
    if (peekId(op.beneficiaryId)?.type === "Beneficiary") {
      const household = decodeId(op.beneficiaryId, "Beneficiary").objectId;
      for (const [i, line] of op.lines.entries()) {
        const entitlement = { account: accountOf(household, line.item), allowed: null, periodDays: 0, override: false };
        await grant(db, lineKey(op._id, i), entitlement, -line.delta, op.createdAt, () => Promise.resolve(false));
      }
    }
    await operationsOf(db).updateOne({ _id: op._id }, { $set: { grantsRecorded: true } });
    counted++;
  }
  return counted;
}

/**
 * The lines of operation `_id` whose change is not in its warehouse's stock yet: all of them
 * when there is no such operation, none once it is COMPLETED; while it runs, those neither
 * reserved (a reservation changes the stock at once) nor recorded.
 */
export async function linesNotApplied(db: Db, _id: ObjectId, lines: OperationLine[]): Promise<OperationLine[]> {
  const op = await operationsOf(db).findOne({ _id }, { projection: { status: 1, warehouseId: 1, lines: 1 } });
  if (!op) return lines;
  if (op.status === "COMPLETED") return [];
  const applied = await stockApplied(db, { ...op, _id });
  return op.lines.filter((_, i) => !applied[i]);
}

/** Per line of `op`, whether its change is in its warehouse's stock: reserved (a marker) or recorded (a movement). */
async function stockApplied(db: Db, op: Pick<OperationDoc, "_id" | "warehouseId" | "lines">): Promise<boolean[]> {
  const keys = op.lines.map((_, i) => lineKey(op._id, i));
  const [warehouse, movements] = await Promise.all([
    warehousesOf(db).findOne({ _id: op.warehouseId }, { projection: { pendingOps: 1 } }),
    movementsOf(db)
      .find({ line: { $in: keys } }, { projection: { line: 1 } })
      .toArray(),
  ]);
  const held = new Set(warehouse?.pendingOps ?? []);
  const recorded = new Set(movements.map((m) => m.line));
  return keys.map((k) => held.has(k) || recorded.has(k));
}
