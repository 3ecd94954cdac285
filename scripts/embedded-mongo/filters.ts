// Compiled filters for finds, updates and deletes. mingo compiles a filter into predicates
// for every Query (15–20 µs, a third of an `_id` find's time in the engine), and services send
// the same filters again and again, so a compiled filter is kept under its exact form in a
// bounded cache. The commonest filters, whose values change with every call ({ _id: 7 },
// { group: 3, score: { $gte: 50 } }), are not compiled at all: they are checked natively,
// exactly as mingo would answer, and mingo decides only documents they cannot.
import { ObjectId } from "bson";
import { Query } from "mingo";
import type { Options as MingoOptions } from "mingo/types";
import { cloneDoc } from "./clone.js";
import { isArray, isPlainObject, type Document } from "./keys.js";

const CACHE_SIZE = 500;
const cache = new Map<string, Query>();

/** Keys under which a compiled filter holds state or the time it was compiled ($$NOW), or whose regexes may. */
const UNCACHEABLE_KEYS = new Set(["$expr", "$where", "$function", "$regex"]);

/**
 * The filter's exact form: every type kept (1 and Long(1) are two keys, as mingo may treat
 * them differently), fields in order. Undefined when a compiled copy must not be reused.
 */
export function filterKey(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value.startsWith("$$") ? undefined : JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "n-0" : `n${value}`;
    case "boolean":
      return value ? "t" : "f";
    case "bigint":
      return `i${value}`;
    case "undefined":
      return "u";
    case "object":
      break;
    default:
      return undefined; // functions, symbols
  }
  if (value === null) return "null";
  if (value instanceof Date) return `D${value.getTime()}`;
  if (isArray(value)) return joined(value.map(filterKey), "[", "]");
  if (isPlainObject(value)) {
    const parts: Array<string | undefined> = [];
    for (const [k, v] of Object.entries(value)) {
      if (UNCACHEABLE_KEYS.has(k)) return undefined;
      const inner = filterKey(v);
      parts.push(inner === undefined ? undefined : `${JSON.stringify(k)}:${inner}`);
    }
    return joined(parts, "{", "}");
  }
  const bson = value as { _bsontype?: unknown; toString(): string };
  switch (bson._bsontype) {
    case "ObjectId":
      return `O${(value as ObjectId).toHexString()}`;
    case "Long":
    case "Int32":
    case "Double":
    case "Decimal128":
    case "Timestamp":
      return `${bson._bsontype}:${bson.toString()}`;
    case "Binary": {
      const b = value as { sub_type: number; buffer: Uint8Array };
      return `B${b.sub_type}:${Buffer.from(b.buffer).toString("base64")}`;
    }
    case "MinKey":
    case "MaxKey":
      return bson._bsontype;
    default:
      return undefined; // RegExp, BSONRegExp, Code, …
  }
}

function joined(parts: Array<string | undefined>, open: string, close: string): string | undefined {
  return parts.includes(undefined) ? undefined : `${open}${parts.join(",")}${close}`;
}

/** mingo's compiled filter, from the cache when the filter was seen before (and has no options). */
function compiled(filter: Document, options: Partial<MingoOptions>): Query {
  const key = Object.keys(options).length ? undefined : filterKey(filter);
  if (key === undefined) return new Query(filter, options);
  let query = cache.get(key);
  if (query) {
    cache.delete(key); // most recently used last: the first key is the one to evict
  } else {
    // A copy: mingo keeps the filter it was given (a positional projection reads it), and
    // this query outlives the command whose filter that was.
    query = new Query(cloneDoc(filter), options);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, query);
  return query;
}

/** What a native check compares: numbers (not NaN), strings, booleans, valid dates, ObjectIds. */
type Kind = "number" | "string" | "boolean" | "date" | "objectId";

type Plain = number | string | boolean;

/**
 * Per kind: a value of that kind as a JS value that compares as mingo compares two values of
 * the kind, or undefined for any other value (NaN and invalid dates included).
 */
const AS_KIND: Record<Kind, (v: unknown) => Plain | undefined> = {
  number: (v) => (typeof v === "number" && !Number.isNaN(v) ? v : undefined),
  string: (v) => (typeof v === "string" ? v : undefined),
  boolean: (v) => (typeof v === "boolean" ? v : undefined),
  date: (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.getTime() : undefined),
  objectId: (v) => (v instanceof ObjectId ? v.toHexString() : undefined),
};

const KINDS = Object.keys(AS_KIND) as Kind[];

const COMPARISONS = new Map<string, (a: Plain, b: Plain) => boolean>([
  ["$eq", (a, b) => a === b],
  ["$gt", (a, b) => a > b],
  ["$gte", (a, b) => a >= b],
  ["$lt", (a, b) => a < b],
  ["$lte", (a, b) => a <= b],
]);

/**
 * One operator on one field's value: true or false as mingo would answer, or undefined when
 * mingo must decide (an array, an embedded document, another type, NaN).
 */
type Check = (value: unknown) => boolean | undefined;

function check(op: string, operand: unknown): Check | undefined {
  const kind = KINDS.find((k) => AS_KIND[k](operand) !== undefined);
  const compare = COMPARISONS.get(op);
  // Ranges only where mingo's order is JS's own: numbers, strings, dates.
  if (!kind || !compare || (op !== "$eq" && (kind === "boolean" || kind === "objectId"))) return undefined;
  const as = AS_KIND[kind];
  const b = as(operand)!;
  return (value) => {
    // A missing or null field equals no non-null value and is in no range (mingo compares within a type).
    if (value === undefined || value === null) return false;
    const a = as(value);
    return a === undefined ? undefined : compare(a, b);
  };
}

/**
 * The filter as native checks, when it is only top-level fields each equal to, or bounded
 * by, a plain value ({ _id: 7 }, { group: 3, score: { $gte: 50 } }): a find then needs no
 * mingo compile unless a document holds something else there. Undefined otherwise.
 */
function nativeFilter(filter: Document): ((doc: Document) => boolean | undefined) | undefined {
  const fields: string[] = [];
  const checks: Check[] = [];
  for (const [field, condition] of Object.entries(filter)) {
    if (field.startsWith("$") || field.includes(".") || field in Object.prototype) return undefined;
    const ops = isPlainObject(condition) ? Object.entries(condition) : [["$eq", condition] as const];
    if (!ops.length) return undefined;
    for (const [op, operand] of ops) {
      const c = check(op, operand);
      if (!c) return undefined;
      fields.push(field);
      checks.push(c);
    }
  }
  return (doc) => {
    let decided = true;
    for (let i = 0; i < checks.length; i++) {
      const r = checks[i](doc[fields[i]]);
      if (r === false) return false;
      if (r === undefined) decided = false;
    }
    return decided ? true : undefined;
  };
}

interface FindOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
  /** A projection for mingo to apply (a plain one is applied by the caller). */
  projection?: Document;
}

export interface CompiledFilter {
  /** Whether `doc` matches, exactly as mingo decides. */
  test(doc: Document): boolean;
  /** The matches among `candidates`, sorted, skipped, limited and projected. */
  find(candidates: Document[], opts: FindOptions): Document[];
}

/**
 * Compiles `filter` (or takes it from the cache). Throws on a malformed filter, as
 * `new Query` does; one checked natively is never malformed.
 */
export function compileFilter(filter: Document, options: Partial<MingoOptions>): CompiledFilter {
  // Options (a command's `let`) may change what mingo answers: then mingo alone decides.
  const native = Object.keys(options).length ? undefined : nativeFilter(filter);
  let query = native ? undefined : compiled(filter, options);
  const mingo = () => (query ??= compiled(filter, options));
  const test = native ? (doc: Document) => native(doc) ?? mingo().test(doc) : (doc: Document) => query!.test(doc);
  return {
    test,
    find(candidates, { sort, skip = 0, limit = 0, projection }) {
      if (sort || projection) {
        // mingo sorts and projects what matched. A sort alone needs no compiled filter (the
        // query over {} matches everything); a projection may ("a.$" reads the filter).
        const base = projection ? mingo() : compiled({}, options);
        let cursor = base.find(candidates.filter(test), projection);
        if (sort) cursor = cursor.sort(sort);
        if (skip) cursor = cursor.skip(skip);
        if (limit) cursor = cursor.limit(limit);
        return cursor.all() as Document[];
      }
      // The same filter, skip and limit without mingo's lazy cursor, which costs more per
      // document than the test itself on a scan.
      const out: Document[] = [];
      for (const doc of candidates) {
        if (!test(doc)) continue;
        if (skip > 0) skip--;
        else if (out.push(doc) === limit) break;
      }
      return out;
    },
  };
}
