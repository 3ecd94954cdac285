// Retry-safe creates. Hotline apps retry on time-outs and field devices sync a day's work
// again, so a create given an idempotency key must make its record once.
//
// A keyed create first claims its key: one insert into `idempotency_keys`, unique by
// mutation and key (the region is the database). The claim holds the id the record will
// have, for good, and a keyed hash of the normalised input. Whoever claims, or repeats,
// stores the record under that id: the unique `_id` makes concurrent repeats one record,
// and a repeat of a create that stopped half-way finishes it. A repeat of a finished create
// reads the record and writes nothing. The same key with another input is CONFLICT. A
// create that is refused frees its key (FREE): the next input with that key takes the claim
// over, record id and all, so a key never stands for two records. Erasing a household's
// personal data erases what its claims could confirm (ERASED). Claims are kept
// IDEMPOTENCY_DAYS by a TTL index.
import { ObjectId } from "bson";
import { GraphQLError } from "graphql";
import type { Collection, Db } from "mongodb";
import type { SubgraphContext } from "./context.js";
import { conflict, notFound } from "./errors.js";
import { isDuplicateKey, type IndexPlan } from "./mongo.js";
import { requiredText } from "./text.js";

/** How long a key is remembered: a repeat within this time never makes a second record. */
export const IDEMPOTENCY_DAYS = 30;

interface KeyDoc {
  /** `<mutation>:<key>` */
  _id: string;
  mutation: string;
  /** The id the record has (or will have). */
  recordId: ObjectId;
  /** Null once ERASED. */
  payloadHash: string | null;
  /** PENDING: claimed, the record maybe not stored yet; FREE: its create was refused. */
  status: "PENDING" | "CREATED" | "FREE" | "ERASED";
  createdAt: Date;
}

const KEYS = "idempotency_keys";

export const idempotencyIndexes: IndexPlan = {
  [KEYS]: [
    { key: { createdAt: 1 }, name: "expire_claims", expireAfterSeconds: IDEMPOTENCY_DAYS * 86_400 },
    // Erasure finds the claims of a household's records.
    { key: { recordId: 1 }, name: "record" },
  ],
};

const keysOf = (db: Db): Collection<KeyDoc> => db.collection<KeyDoc>(KEYS);

/** A key as given: non-empty printable text of at most 100 characters (never logged). */
export const idempotencyKey = (key: string, field = "input.idempotencyKey") => requiredText(key, field, 100);

/** JSON with object keys sorted: the same input hashes the same however its fields were ordered. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof ObjectId) return value.toHexString();
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const canonicalJson = (payload: unknown) => JSON.stringify(canonical(payload)) ?? "null";

/** A list whose order does not matter (skills, needs…), in one order for hashing. */
export const asSet = <T extends string>(values: readonly T[]): T[] => [...new Set(values)].sort();

/**
 * What a record made by a keyed create carries: the keyed hash of the input it was made from.
 * Whoever finds it under the claimed id then knows whether it is theirs (a claim freed and
 * taken over by another input keeps its id, and a late insert of the first input may land).
 */
export interface Keyed {
  idempotencyHash?: string;
}

export interface CreateOnce<T extends Keyed> {
  /** The mutation's name: keys are unique per mutation. */
  mutation: string;
  key: string | null | undefined;
  /**
   * What the record is made from, normalised (trimmed text, canonical phone, the caller):
   * a repeat must give the same. Set-like lists through asSet.
   */
  payload: unknown;
  /** Stores the record, with `keyed`'s fields, under `_id`, all or nothing; throws (e.g. CONFLICT) when it cannot. */
  insert: (_id: ObjectId, keyed: Keyed) => Promise<T>;
  /** The record stored under `_id`, or null. */
  find: (_id: ObjectId) => Promise<T | null>;
  /**
   * What completes the create after the insert (its audit entry, links to other records):
   * must be idempotent, since a repeat that finds the create unfinished runs it again.
   */
  complete?: (record: T, _id: ObjectId) => Promise<T>;
}

export interface Created<T> {
  record: T;
  /** True when this call made nothing new (a repeat). */
  repeated: boolean;
}

const keyConflict = (key: string, mutation: string, why: string) =>
  conflict(`idempotencyKey: ${JSON.stringify(key)} ${why}`, { field: "input.idempotencyKey", mutation });

/** The claim takes the word of the record found under its id: CREATED, made from that record's input. */
async function settleOn(db: Db, _id: string, record: Keyed): Promise<void> {
  await keysOf(db).updateOne(
    { _id, status: { $ne: "ERASED" } },
    { $set: { status: "CREATED", ...(record.idempotencyHash ? { payloadHash: record.idempotencyHash } : {}) } },
  );
}

async function claim<T extends Keyed>(db: Db, spec: CreateOnce<T>, key: string, hash: string): Promise<KeyDoc> {
  const { mutation } = spec;
  const _id = `${mutation}:${key}`;
  const doc: KeyDoc = { _id, mutation, recordId: new ObjectId(), payloadHash: hash, status: "PENDING", createdAt: new Date() };
  try {
    await keysOf(db).insertOne(doc);
    return doc;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await keysOf(db).findOne({ _id });
    if (!existing) throw keyConflict(key, mutation, "is being claimed; retry shortly");
    if (existing.status === "ERASED")
      throw keyConflict(key, mutation, `made a record whose personal data was erased; nothing is made again`);
    if (existing.status === "FREE") {
      // A repeat of the refused input may have stored it late after all: then the key is its.
      const late = await spec.find(existing.recordId);
      if (late) {
        await settleOn(db, _id, late);
        continue;
      }
      // Freed by a refused create: taken over, with the record id it has always had, for 30 days more.
      const taken = await keysOf(db).findOneAndUpdate(
        { _id, status: "FREE", payloadHash: existing.payloadHash },
        { $set: { status: "PENDING", payloadHash: hash, createdAt: new Date() } },
        { returnDocument: "after" },
      );
      if (taken) return taken;
      continue;
    }
    if (existing.payloadHash !== hash) throw keyConflict(key, mutation, `was already used for a different ${mutation}`);
    return existing;
  }
  throw keyConflict(key, mutation, "is being claimed by another request; retry shortly");
}

/**
 * Runs a create once per key (see above); without a key, simply runs it. The input's hash is
 * keyed (the deployment's pseudonym key): inputs about people cannot be guessed back from it.
 */
export async function createOnce<T extends Keyed>(
  ctx: Pick<SubgraphContext, "db" | "keyedHash">,
  spec: CreateOnce<T>,
): Promise<Created<T>> {
  const { db } = ctx;
  const finish = async (record: T, _id: ObjectId) => (spec.complete ? spec.complete(record, _id) : record);
  if (spec.key === null || spec.key === undefined) {
    const _id = new ObjectId();
    return { record: await finish(await spec.insert(_id, {}), _id), repeated: false };
  }
  const key = idempotencyKey(spec.key);
  const hash = ctx.keyedHash("idempotency", canonicalJson(spec.payload));
  const doc = await claim(db, spec, key, hash);
  const { recordId } = doc;
  /** A record found under the claimed id is this call's only if it was made from the same input. */
  const ours = async (record: T): Promise<T> => {
    if (record.idempotencyHash && record.idempotencyHash !== hash) {
      await settleOn(db, doc._id, record);
      throw keyConflict(key, spec.mutation, `was already used for a different ${spec.mutation}`);
    }
    return record;
  };
  if (doc.status === "CREATED") {
    const record = await spec.find(recordId);
    if (!record) throw notFound(`idempotencyKey: the ${spec.mutation} made with ${JSON.stringify(key)} no longer exists`);
    return { record: await ours(record), repeated: true };
  }
  let record: T;
  let repeated = false;
  try {
    record = await spec.insert(recordId, { idempotencyHash: hash });
  } catch (err) {
    // A concurrent repeat, or an earlier attempt that stopped half-way, stored it first.
    const existing = await spec.find(recordId);
    if (!existing) {
      // Refused (a coded error: nothing was stored): the key is free again, for this input or
      // a corrected one. Anything else (the database failing) keeps the claim, so that a
      // repeat finishes the create.
      if (err instanceof GraphQLError) await keysOf(db).updateOne({ _id: doc._id, status: "PENDING" }, { $set: { status: "FREE" } });
      throw err;
    }
    record = await ours(existing);
    repeated = true;
  }
  record = await finish(record, recordId);
  await keysOf(db).updateOne({ _id: doc._id, status: { $in: ["PENDING", "FREE"] } }, { $set: { status: "CREATED" } });
  return { record, repeated };
}

/**
 * Personal data erased (consent withdrawn): the claims that made these records can no longer
 * confirm a guess of what they were made from, nor make them again.
 */
export async function eraseClaims(db: Db, recordIds: readonly ObjectId[]): Promise<void> {
  if (recordIds.length)
    await keysOf(db).updateMany({ recordId: { $in: [...recordIds] } }, { $set: { status: "ERASED", payloadHash: null } });
}
