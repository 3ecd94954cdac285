// One collection: documents keyed by their canonical _id, plus secondary indexes kept as
// key → documents maps. Documents are never mutated in place (an update stores a new object),
// so open cursors keep a consistent snapshot without copying.
import { ObjectId, UUID } from "bson";
import { Query } from "mingo";
import { CommandError } from "./errors.js";
import { conditionOn, oneSided, rangeOf, SortedEntries } from "./ranges.js";
import { cartesian, firstArrayPath, hasPath, indexValueKey, isArray, isDocument, valueKey, valuesAtPath, type Document } from "./keys.js";

export interface IndexSpec {
  v: number;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  [option: string]: unknown;
}

const ID_INDEX: IndexSpec = { v: 2, key: { _id: 1 }, name: "_id_" };

/** Renders a value the way mongod's E11000 messages do: `{ phone: "+7701..." }`. */
function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(", ")} ]`;
  if (typeof v === "object" && !("_bsontype" in v)) {
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k}: ${formatValue(x)}`)
      .join(", ")} }`;
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- what is left is a number, boolean or bigint, or a BSON value (Long, Decimal128, …) with its own toString: TypeScript cannot narrow `unknown` to that
  return String(v);
}

class Index {
  readonly fields: string[];
  /** Key → the documents under it, by canonical id (a lookup then needs no second map). */
  readonly entries = new Map<string, Map<string, Document>>();
  private readonly partial?: Query;
  /** The same entries in key order, for range scans (complete indexes only). */
  readonly sorted?: SortedEntries;

  constructor(readonly spec: IndexSpec) {
    this.fields = Object.keys(spec.key);
    if (spec.partialFilterExpression) this.partial = new Query(spec.partialFilterExpression);
    if (this.complete) this.sorted = new SortedEntries(this.fields);
  }

  get unique(): boolean {
    return this.spec.unique === true;
  }

  /** Whether the index may answer an equality lookup for every document that matches. */
  get complete(): boolean {
    return !this.partial && !this.spec.sparse;
  }

  /** The keys a document is indexed under; none when sparse/partial exclude it. */
  keysOf(doc: Document): string[] {
    if (this.partial && !this.partial.test(doc)) return [];
    if (this.spec.sparse && this.fields.every((f) => !hasPath(doc, f))) return [];
    const perField = this.fields.map((f) => [...new Set(valuesAtPath(doc, f).map(indexValueKey))]);
    if (perField.length === 1) return perField[0];
    const multi = this.fields.filter((_, i) => perField[i].length > 1);
    // Fields of one array of subdocuments ("history.to", "history.at") index together, as in
    // mongod; two different arrays cannot.
    if (multi.length > 1 && new Set(multi.map((f) => firstArrayPath(doc, f))).size > 1) {
      throw new CommandError("CannotIndexParallelArrays", `cannot index parallel arrays [${multi[1]}] [${multi[0]}]`);
    }
    return cartesian(perField).map((c) => JSON.stringify(c));
  }

  /** The key for an equality lookup on every field, given one value per field. */
  lookupKey(values: unknown[]): string {
    const parts = values.map(valueKey);
    return parts.length === 1 ? parts[0] : JSON.stringify(parts);
  }

  /** `building`: while createIndex fills the index, which sorts its entries once, at the end. */
  add(id: string, keys: string[], doc: Document, building = false): void {
    if (keys.length && !building) this.sorted?.add(id, doc);
    for (const k of keys) {
      let docs = this.entries.get(k);
      if (!docs) this.entries.set(k, (docs = new Map<string, Document>()));
      docs.set(id, doc);
    }
  }

  remove(id: string, keys: string[], doc: Document): void {
    if (keys.length) this.sorted?.remove(id, doc);
    for (const k of keys) {
      const docs = this.entries.get(k);
      if (!docs) continue;
      docs.delete(id);
      if (docs.size === 0) this.entries.delete(k);
    }
  }
}

function isScalar(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v !== "object") return true;
  return v instanceof Date || v instanceof ObjectId;
}

/** The scalar values a filter requires a field to equal, or undefined if it does not. */
function equalityValues(condition: unknown): unknown[] | undefined {
  if (isScalar(condition)) return [condition];
  if (condition === null || typeof condition !== "object" || Array.isArray(condition)) return undefined;
  const ops = Object.keys(condition);
  if (ops.length !== 1) return undefined;
  const c = condition as Document;
  if ("$eq" in c && isScalar(c.$eq)) return [c.$eq];
  if ("$in" in c && isArray(c.$in) && c.$in.every(isScalar)) return c.$in;
  return undefined;
}

export class Collection {
  readonly docs = new Map<string, Document>();
  private readonly indexes = new Map<string, Index>();
  /** Insertion order of each document (natural order), for candidates found by a range scan. */
  private readonly order = new Map<string, number>();
  private inserted = 0;
  readonly uuid = new UUID();

  constructor(readonly ns: string) {}

  get size(): number {
    return this.docs.size;
  }

  indexSpecs(): IndexSpec[] {
    return [ID_INDEX, ...[...this.indexes.values()].map((i) => i.spec)];
  }

  private duplicate(index: IndexSpec, doc: Document): CommandError {
    const keyValue: Document = {};
    for (const f of Object.keys(index.key)) keyValue[f] = valuesAtPath(doc, f)[0] ?? null;
    return new CommandError(
      "DuplicateKey",
      `E11000 duplicate key error collection: ${this.ns} index: ${index.name} dup key: ${formatValue(keyValue)}`,
      { keyPattern: index.key, keyValue },
    );
  }

  /** Computes every index's keys for `doc` and fails on a unique conflict with another id. */
  private indexKeys(id: string, doc: Document): Map<Index, string[]> {
    const all = new Map<Index, string[]>();
    for (const index of this.indexes.values()) {
      const keys = index.keysOf(doc);
      if (index.unique) {
        for (const k of keys) {
          const owners = index.entries.get(k);
          if (owners && (owners.size > 1 || !owners.has(id))) throw this.duplicate(index.spec, doc);
        }
      }
      all.set(index, keys);
    }
    return all;
  }

  insert(doc: Document): void {
    if (Array.isArray(doc._id)) throw new CommandError("BadValue", "The '_id' value cannot be of type array");
    const dollar = dollarKeyIn(doc._id);
    if (dollar)
      throw new CommandError(
        "DollarPrefixedFieldName",
        `_id fields may not contain '$'-prefixed fields: ${dollar} is not valid for storage.`,
      );
    const id = valueKey(doc._id);
    if (this.docs.has(id)) throw this.duplicate(ID_INDEX, doc);
    const keys = this.indexKeys(id, doc);
    for (const [index, k] of keys) index.add(id, k, doc);
    this.docs.set(id, doc);
    this.order.set(id, this.inserted++);
  }

  /** Stores `next` in place of the document with canonical id `id` (same _id). */
  replace(id: string, next: Document): void {
    const prev = this.docs.get(id);
    if (!prev) throw new CommandError("InternalError", "document vanished during update");
    const keys = this.indexKeys(id, next);
    for (const [index, k] of keys) {
      index.remove(id, index.keysOf(prev), prev);
      index.add(id, k, next);
    }
    this.docs.set(id, next);
  }

  remove(id: string): void {
    const prev = this.docs.get(id);
    if (!prev) return;
    for (const index of this.indexes.values()) index.remove(id, index.keysOf(prev), prev);
    this.docs.delete(id);
    this.order.delete(id);
  }

  /** TTL indexes: removes documents whose indexed date is older than expireAfterSeconds. */
  expire(now: number): number {
    let removed = 0;
    for (const index of this.indexes.values()) {
      const seconds = index.spec.expireAfterSeconds;
      if (typeof seconds !== "number" || index.fields.length !== 1) continue;
      const cutoff = now - seconds * 1000;
      for (const [id, doc] of this.docs) {
        const times = valuesAtPath(doc, index.fields[0]).flatMap((v) => (v instanceof Date ? [v.getTime()] : []));
        if (times.length && Math.min(...times) <= cutoff) {
          this.remove(id);
          removed++;
        }
      }
    }
    return removed;
  }

  hasIndex(name: string): boolean {
    return name === ID_INDEX.name || this.indexes.has(name);
  }

  /** Adds an index; returns false when an identical one exists already. */
  createIndex(spec: IndexSpec): boolean {
    const sameKey = (s: IndexSpec) => valueKey(s.key) === valueKey(spec.key);
    const existing = this.indexSpecs().find((s) => s.name === spec.name);
    if (existing) {
      if (!sameKey(existing)) {
        throw new CommandError(
          "IndexKeySpecsConflict",
          `An existing index has the same name as the requested index. Requested index: ${formatValue(spec.key)}, existing index: ${formatValue(existing.key)}`,
        );
      }
      if (Boolean(existing.unique) !== Boolean(spec.unique) || Boolean(existing.sparse) !== Boolean(spec.sparse)) {
        throw new CommandError(
          "IndexOptionsConflict",
          `An equivalent index already exists with the same name but different options: ${spec.name}`,
        );
      }
      return false;
    }
    const other = this.indexSpecs().find(
      (s) => sameKey(s) && valueKey(s.partialFilterExpression) === valueKey(spec.partialFilterExpression),
    );
    if (other) {
      throw new CommandError("IndexOptionsConflict", `Index already exists with a different name: ${other.name}`);
    }
    const index = new Index(spec);
    for (const [id, doc] of this.docs) {
      const keys = index.keysOf(doc);
      if (spec.unique) {
        for (const k of keys) {
          if (index.entries.get(k)?.size) throw this.duplicate(spec, doc);
        }
      }
      index.add(id, keys, doc, true);
    }
    index.sorted?.load(this.docs);
    this.indexes.set(spec.name, index);
    return true;
  }

  dropIndex(name: string): void {
    if (name === ID_INDEX.name) throw new CommandError("InvalidOptions", "cannot drop _id index");
    if (!this.indexes.delete(name)) throw new CommandError("IndexNotFound", `index not found with name [${name}]`);
  }

  dropAllIndexes(): void {
    this.indexes.clear();
  }

  /** Changes an index's TTL or visibility (collMod); its key and entries stay as they are. */
  setIndexOptions(name: string, options: { expireAfterSeconds?: number; hidden?: boolean }): void {
    const index = this.indexes.get(name);
    if (!index) throw new CommandError("IndexNotFound", `index not found with name [${name}]`);
    Object.assign(index.spec, options);
  }

  indexNameForKey(key: Document): string | undefined {
    return this.indexSpecs().find((s) => valueKey(s.key) === valueKey(key))?.name;
  }

  /**
   * A superset of the documents matching `filter`, from the _id map or an index when the
   * filter pins the indexed fields to values; otherwise every document. Callers always
   * apply the full filter afterwards.
   */
  candidates(filter: Document | undefined): Iterable<Document> {
    if (!filter) return this.docs.values();
    if ("_id" in filter) {
      const ids = equalityValues(filter._id) ?? (isPlainEmbedded(filter._id) ? [filter._id] : undefined);
      if (ids) return this.byKeys(new Set(ids.map(valueKey)));
    }
    for (const index of this.indexes.values()) {
      if (!index.complete) continue;
      const perField = index.fields.map((f) => equalityValues(filter[f]));
      if (perField.some((v) => v === undefined)) continue;
      const combos = cartesian(perField as unknown[][]);
      if (combos.length === 1) return [...(index.entries.get(index.lookupKey(combos[0]))?.values() ?? [])];
      const docs = new Map<string, Document>();
      for (const combo of combos) for (const [id, doc] of index.entries.get(index.lookupKey(combo)) ?? []) docs.set(id, doc);
      return docs.values();
    }
    return this.byRange(filter) ?? this.docs.values();
  }

  /**
   * Candidates from an index whose first fields the filter pins to values and whose next
   * field it bounds by dates or numbers, in natural order; undefined when no index can.
   */
  private byRange(filter: Document): Iterable<Document> | undefined {
    for (const index of this.indexes.values()) {
      if (!index.sorted) continue;
      const conditions = index.fields.map((f) => conditionOn(filter, f));
      const pinned: unknown[][] = [];
      for (const { condition } of conditions) {
        const values = equalityValues(condition);
        if (!values) break;
        pinned.push(values);
      }
      const j = pinned.length;
      if (j === index.fields.length) continue;
      const bounded = rangeOf(conditions[j].condition);
      if (!bounded) continue;
      const range = index.sorted.bothBoundsHold(j, conditions[j].inElemMatch) ? bounded : oneSided(bounded);
      const ids = new Set<string>();
      for (const prefix of cartesian(pinned)) for (const id of index.sorted.scan(prefix, range)) ids.add(id);
      return this.byKeys([...ids].sort((a, b) => this.order.get(a)! - this.order.get(b)!));
    }
    return undefined;
  }

  /** The stored documents under `ids` (distinct canonical ids), in their order. */
  private byKeys(ids: Iterable<string>): Document[] {
    const out: Document[] = [];
    for (const id of ids) {
      const doc = this.docs.get(id);
      if (doc) out.push(doc);
    }
    return out;
  }
}

/** The first `$`-prefixed key inside an embedded-document `_id`, at any depth (mongod refuses to store one). */
function dollarKeyIn(value: unknown): string | undefined {
  if (!isDocument(value)) return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) return k;
    const inner = dollarKeyIn(v);
    if (inner) return inner;
  }
  return undefined;
}

/** An embedded-document _id given as an exact value (no query operators inside). */
function isPlainEmbedded(v: unknown): boolean {
  return isDocument(v) && Object.keys(v).every((k) => !k.startsWith("$"));
}
