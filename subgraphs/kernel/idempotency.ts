// Retry-safe creates. Hotline apps retry on time-outs and field devices sync a day's work
// again, so a create given an idempotency key must make its record once.
//
// A keyed create first claims its key: one insert into `idempotency_keys`, unique by
// mutation and key (the region is the database). The claim holds the id the record will
// have and a hash of the normalised input. Whoever claims, or repeats, then stores the
// record under that id: the unique `_id` makes concurrent repeats one record, and a repeat
// of a create that crashed half-way finishes it. A repeat of a finished create reads the
// record and writes nothing. The same key with another input is CONFLICT. A create that
// fails gives its key back (nothing was stored, as with a request refused for bad input).
// Claims are kept IDEMPOTENCY_DAYS by a TTL index.
import { createHash } from "node:crypto";
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
  payloadHash: string;
  status: "PENDING" | "CREATED";
  createdAt: Date;
}

const KEYS = "idempotency_keys";

export const idempotencyIndexes: IndexPlan = {
  [KEYS]: [{ key: { createdAt: 1 }, name: "expire_claims", expireAfterSeconds: IDEMPOTENCY_DAYS * 86_400 }],
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

export function payloadHash(payload: unknown): string {
  return createHash("sha256").update(canonicalJson(payload)).digest("hex");
}

/** A list whose order does not matter (skills, needs…), in one order for hashing. */
export const asSet = <T extends string>(values: readonly T[]): T[] => [...new Set(values)].sort();

export interface CreateOnce<T> {
  /** The mutation's name: keys are unique per mutation. */
  mutation: string;
  key: string | null | undefined;
  /**
   * What the record is made from, normalised (trimmed text, canonical phone, the caller):
   * a repeat must give the same. Set-like lists through asSet.
   */
  payload: unknown;
  /** Stores the record under `_id`, all or nothing; throws (e.g. CONFLICT) when it cannot. */
  insert: (_id: ObjectId) => Promise<T>;
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

async function claim(db: Db, spec: CreateOnce<unknown>, key: string, hash: string): Promise<{ doc: KeyDoc; own: boolean }> {
  const _id = `${spec.mutation}:${key}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const doc: KeyDoc = {
      _id,
      mutation: spec.mutation,
      recordId: new ObjectId(),
      payloadHash: hash,
      status: "PENDING",
      createdAt: new Date(),
    };
    try {
      await keysOf(db).insertOne(doc);
      return { doc, own: true };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const existing = await keysOf(db).findOne({ _id });
    // Given back by a create that failed in between: claim it afresh.
    if (!existing) continue;
    if (existing.payloadHash !== hash) {
      throw conflict(`idempotencyKey: ${JSON.stringify(key)} was already used for a different ${spec.mutation}`, {
        field: "input.idempotencyKey",
      });
    }
    return { doc: existing, own: false };
  }
  throw conflict(`idempotencyKey: ${JSON.stringify(key)} is being used by another ${spec.mutation} that keeps failing; retry shortly`, {
    field: "input.idempotencyKey",
  });
}

/**
 * Runs a create once per key (see above); without a key, simply runs it. The input's hash is
 * keyed (the deployment's pseudonym key): inputs about people cannot be guessed back from it.
 */
export async function createOnce<T>(ctx: Pick<SubgraphContext, "db" | "keyedHash">, spec: CreateOnce<T>): Promise<Created<T>> {
  const { db } = ctx;
  const finish = async (record: T, _id: ObjectId) => (spec.complete ? spec.complete(record, _id) : record);
  if (spec.key === null || spec.key === undefined) {
    const _id = new ObjectId();
    return { record: await finish(await spec.insert(_id), _id), repeated: false };
  }
  const key = idempotencyKey(spec.key);
  const { doc, own } = await claim(db, spec as CreateOnce<unknown>, key, ctx.keyedHash("idempotency", canonicalJson(spec.payload)));
  const { recordId } = doc;
  if (doc.status === "CREATED") {
    const record = await spec.find(recordId);
    if (!record) throw notFound(`idempotencyKey: the ${spec.mutation} made with ${JSON.stringify(key)} no longer exists`);
    return { record, repeated: true };
  }
  let record: T;
  let repeated = false;
  try {
    record = await spec.insert(recordId);
  } catch (err) {
    // A concurrent repeat, or an earlier attempt that stopped half-way, stored it first.
    const existing = await spec.find(recordId);
    if (!existing) {
      // Refused (a coded error: nothing was stored): the key is free again, as if never used.
      // Anything else (the database failing) keeps the claim, so that a repeat finishes the create.
      if (own && err instanceof GraphQLError) await keysOf(db).deleteOne({ _id: doc._id, recordId, status: "PENDING" });
      throw err;
    }
    record = existing;
    repeated = true;
  }
  record = await finish(record, recordId);
  await keysOf(db).updateOne({ _id: doc._id, recordId }, { $set: { status: "CREATED" } });
  return { record, repeated };
}
