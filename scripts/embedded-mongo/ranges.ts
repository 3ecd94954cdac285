// Range scans on an index: an index's entries kept in key order, so a filter that pins the
// index's first fields and bounds the next one by dates or numbers ({ type: "X", createdAt:
// { $gte, $lt } }) reads only the entries in its range, as mongod's index scan does, rather
// than every document. Only candidate selection: the full filter always runs afterwards, so
// what is returned here must include every document that may match, and may include more.
import { isDocument, valueKey, valuesAtPath, type Document } from "./keys.js";

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

const numeric = (v: unknown): number => (typeof v === "number" ? v : Number(String(v)));

/** A total order consistent with equality as filters see it (1, 1.0 and Long(1) are equal). */
function compareValues(a: unknown, b: unknown): number {
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
    case 5:
      return 0;
    case 2:
      return numeric(a) - numeric(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    case 8:
      return Number(a) - Number(b);
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

/** Bounds on one field: dates or numbers, each end inclusive or not, either may be open. */
export interface Range {
  rank: number;
  lo?: { value: unknown; inclusive: boolean };
  hi?: { value: unknown; inclusive: boolean };
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
    const inclusive = op.endsWith("e");
    if (op.startsWith("$g")) {
      if (!range.lo || compareValues(value, range.lo.value) > 0 || (compareValues(value, range.lo.value) === 0 && !inclusive))
        range.lo = { value, inclusive };
    } else if (!range.hi || compareValues(value, range.hi.value) < 0 || (compareValues(value, range.hi.value) === 0 && !inclusive)) {
      range.hi = { value, inclusive };
    }
  }
  return range;
}

/**
 * The condition a filter sets on a dotted field: given directly, or inside an `$elemMatch`
 * on an array above it (`{ history: { $elemMatch: { at: … } } }` bounds `history.at`; an
 * element matching all of it has that field in range, so the index's entries include it).
 */
export function conditionOn(filter: Document, field: string): unknown {
  if (field in filter) return filter[field];
  const parts = field.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    const above = filter[parts.slice(0, i).join(".")];
    if (isDocument(above) && Object.keys(above).length === 1 && isDocument(above.$elemMatch)) {
      return conditionOn(above.$elemMatch, parts.slice(i).join("."));
    }
  }
  return undefined;
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

  constructor(private readonly fields: string[]) {}

  /** The keys `doc` is under: one value per field, every combination (arrays give several). */
  private keysOf(doc: Document): unknown[][] {
    let combos: unknown[][] = [[]];
    for (const f of this.fields) {
      const values = valuesAtPath(doc, f);
      combos = combos.flatMap((c) => values.map((v) => [...c, v]));
    }
    return combos;
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
    for (const [id, doc] of docs) for (const key of this.keysOf(doc)) this.entries.push({ key, id });
    this.entries.sort((a, b) => comparePrefix(a.key, b.key, a.key.length) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  add(id: string, doc: Document): void {
    for (const key of this.keysOf(doc)) this.entries.splice(this.lowerBound(key, id), 0, { key, id });
  }

  remove(id: string, doc: Document): void {
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
      rank(e.key[j]) < range.rank ||
      (range.lo !== undefined && rank(e.key[j]) === range.rank && compareValues(e.key[j], range.lo.value) < 0);
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
      const v = e.key[j];
      if (range.lo && !range.lo.inclusive && compareValues(v, range.lo.value) === 0) continue;
      if (range.hi) {
        const c = compareValues(v, range.hi.value);
        if (c > 0 || (c === 0 && !range.hi.inclusive)) return;
      }
      yield e.id;
    }
  }
}
