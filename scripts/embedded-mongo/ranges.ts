// Range scans on an index: an index's entries kept in key order, so a filter that pins the
// index's first fields and bounds the next one by dates or numbers ({ type: "X", createdAt:
// { $gte, $lt } }) reads only the entries in its range, as mongod's index scan does, rather
// than every document. Only candidate selection: the full filter always runs afterwards, so
// what is returned here must include every document that may match, and may include more.
import { cartesian, isDocument, valueKey, valuesAtPath, type Document } from "./keys.js";

/** mongod's order of BSON types, for the types an index key here can hold. */
function rank(v: unknown): number {
  if (v === undefined || v === null) return 1;
  // An empty array's marker (keys.ts): an array sorts after documents.
  if (typeof v === "symbol") return 5;
  if (typeof v === "number" || typeof v === "bigint") return 2;
  if (typeof v === "string") return 3;
  if (v instanceof Date) return 9;
  if (typeof v === "boolean") return 8;
  if (typeof v === "object") {
    const type = (v as { _bsontype?: string })._bsontype;
    if (type === "Long" || type === "Int32" || type === "Double" || type === "Decimal128") return 2;
    if (type === "ObjectId") return 7;
  }
  return 4;
}

/** As a JS number: Long and Decimal128 may round, which keeps their order but may make two equal (see scan). */
const numeric = (v: unknown): number => (typeof v === "number" ? v : Number(String(v)));

/** A total order on numbers: NaN first (as mongod sorts it), never NaN out of a comparison. */
function compareNumbers(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) === Number.isNaN(b) ? 0 : Number.isNaN(a) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A total order consistent with equality as filters see it (1, 1.0 and Long(1) are equal). */
function compareValues(a: unknown, b: unknown): number {
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
    case 5:
      return 0;
    case 2:
      return compareNumbers(numeric(a), numeric(b));
    case 9:
      return compareNumbers((a as Date).getTime(), (b as Date).getTime());
    case 8:
      return compareNumbers(Number(a), Number(b));
    case 3:
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case 7:
      return compareValues((a as { toHexString(): string }).toHexString(), (b as { toHexString(): string }).toHexString());
    default: {
      const [ka, kb] = [valueKey(a), valueKey(b)];
      return ka === kb ? 0 : ka < kb ? -1 : 1;
    }
  }
}

interface Entry {
  key: unknown[];
  id: string;
}

/**
 * Bounds on one field, dates or numbers, either may be open. Both ends are taken as
 * inclusive: a Long or Decimal128 rounded to a number may tie with a bound it does not
 * equal, and the filter, run afterwards, leaves out what is equal to an exclusive bound.
 */
export interface Range {
  rank: number;
  lo?: unknown;
  hi?: unknown;
}

const RANGE_OPS = new Set(["$gt", "$gte", "$lt", "$lte"]);

/** The range a condition sets on a field, when it is only $gt/$gte/$lt/$lte over dates or over numbers. */
export function rangeOf(condition: unknown): Range | undefined {
  if (!isDocument(condition)) return undefined;
  const ops = Object.keys(condition);
  if (!ops.length || !ops.every((op) => RANGE_OPS.has(op))) return undefined;
  const ranks = new Set(ops.map((op) => rank(condition[op])));
  const [only] = ranks;
  if (ranks.size !== 1 || (only !== 2 && only !== 9)) return undefined;
  const range: Range = { rank: only };
  for (const op of ops) {
    const value = condition[op];
    if (op.startsWith("$g")) {
      if (range.lo === undefined || compareValues(value, range.lo) > 0) range.lo = value;
    } else if (range.hi === undefined || compareValues(value, range.hi) < 0) range.hi = value;
  }
  return range;
}

/** One end of a range: for a field with several values, where each bound may hold for a different one. */
export const oneSided = (range: Range): Range => (range.lo !== undefined ? { rank: range.rank, lo: range.lo } : range);

/**
 * The condition a filter sets on a dotted field: given directly, or inside an `$elemMatch`
 * on an array above it (`{ history: { $elemMatch: { at: … } } }` bounds `history.at`; an
 * element matching all of it has that field in range, so the index's entries include it).
 */
export function conditionOn(filter: Document, field: string): { condition: unknown; inElemMatch: boolean } {
  if (field in filter) return { condition: filter[field], inElemMatch: false };
  const parts = field.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    const above = filter[parts.slice(0, i).join(".")];
    if (isDocument(above) && Object.keys(above).length === 1 && isDocument(above.$elemMatch)) {
      return { condition: conditionOn(above.$elemMatch, parts.slice(i).join(".")).condition, inElemMatch: true };
    }
  }
  return { condition: undefined, inElemMatch: false };
}

/** How many arrays a path meets in a document, at most along any branch (the leaf's own value included). */
function arrayDepth(value: unknown, parts: string[], i: number): number {
  if (Array.isArray(value)) {
    let deepest = 0;
    for (const el of value) deepest = Math.max(deepest, arrayDepth(el, parts, i));
    return 1 + deepest;
  }
  if (i === parts.length || value === null || typeof value !== "object") return 0;
  return arrayDepth((value as Record<string, unknown>)[parts[i]], parts, i + 1);
}

/** Lexicographic comparison of the first `n` values of two keys. */
function comparePrefix(a: unknown[], b: unknown[], n: number): number {
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c) return c;
  }
  return 0;
}

/** An index's entries in key order: every combination of its fields' values per document. */
export class SortedEntries {
  private readonly entries: Entry[] = [];
  /** Per field: documents where its path meets an array, and where it meets two or more. */
  private readonly arrays: Array<{ some: number; nested: number }>;

  constructor(private readonly fields: string[]) {
    this.arrays = fields.map(() => ({ some: 0, nested: 0 }));
  }

  /**
   * Whether both bounds of a range on field `j` must hold for one value. Not when a document
   * has several values there: `{ a: { $gt: 5, $lt: 10 } }` matches `a: [3, 12]`. Inside an
   * `$elemMatch`, one element's value must meet both, unless that value is itself an array.
   */
  bothBoundsHold(j: number, inElemMatch: boolean): boolean {
    return inElemMatch ? this.arrays[j].nested === 0 : this.arrays[j].some === 0;
  }

  private count(doc: Document, by: 1 | -1): void {
    this.fields.forEach((f, i) => {
      const depth = arrayDepth(doc, f.split("."), 0);
      if (depth >= 1) this.arrays[i].some += by;
      if (depth >= 2) this.arrays[i].nested += by;
    });
  }

  /** The keys `doc` is under: one value per field, every combination (arrays give several). */
  private keysOf(doc: Document): unknown[][] {
    return cartesian(this.fields.map((f) => valuesAtPath(doc, f)));
  }

  /** The first position whose entry is not before `key` (then `id`). */
  private lowerBound(key: unknown[], id = ""): number {
    let [lo, hi] = [0, this.entries.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid];
      const c = comparePrefix(e.key, key, key.length) || (e.id < id ? -1 : e.id > id ? 1 : 0);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Every document's entries at once, sorted once (a new index over a full collection). */
  load(docs: Map<string, Document>): void {
    for (const [id, doc] of docs) {
      this.count(doc, 1);
      for (const key of this.keysOf(doc)) this.entries.push({ key, id });
    }
    this.entries.sort((a, b) => comparePrefix(a.key, b.key, a.key.length) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  add(id: string, doc: Document): void {
    this.count(doc, 1);
    for (const key of this.keysOf(doc)) this.entries.splice(this.lowerBound(key, id), 0, { key, id });
  }

  remove(id: string, doc: Document): void {
    this.count(doc, -1);
    for (const key of this.keysOf(doc)) {
      const at = this.lowerBound(key, id);
      const e = this.entries[at];
      if (e && e.id === id && comparePrefix(e.key, key, key.length) === 0) this.entries.splice(at, 1);
    }
  }

  /** Ids of entries whose first fields equal `prefix` and whose next field is in `range`. */
  *scan(prefix: unknown[], range: Range): Iterable<string> {
    const j = prefix.length;
    // Start at the prefix's first entry of the range's type, or at its lower bound.
    let at = this.lowerBound(prefix);
    const below = (e: Entry) =>
      rank(e.key[j]) < range.rank || (range.lo !== undefined && rank(e.key[j]) === range.rank && compareValues(e.key[j], range.lo) < 0);
    let [lo, hi] = [at, this.entries.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid];
      if (comparePrefix(e.key, prefix, j) === 0 && below(e)) lo = mid + 1;
      else hi = mid;
    }
    at = lo;
    for (; at < this.entries.length; at++) {
      const e = this.entries[at];
      if (comparePrefix(e.key, prefix, j) !== 0 || rank(e.key[j]) !== range.rank) return;
      if (range.hi !== undefined && compareValues(e.key[j], range.hi) > 0) return;
      yield e.id;
    }
  }
}
