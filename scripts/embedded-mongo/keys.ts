// Canonical string keys for BSON values, so that values MongoDB considers equal
// (1, 1.0 and Long(1); two ObjectIds with the same bytes) share one Map key. Used by the
// _id lookup and by every index.

/**
 * A document as the engine handles it. bson's own `Document` types every field `any`, so
 * nothing read from a command or a stored document would be checked; here a field is
 * `unknown` until the code looks at it (the shape of mingo's AnyObject). What the wire
 * layer decodes is one of these, and one of these encodes as a bson `Document`.
 */
export type Document = Record<string, unknown>;

interface BsonValue {
  _bsontype: string;
  toString(): string;
}

function isBsonValue(v: object): v is BsonValue {
  return typeof (v as { _bsontype?: unknown })._bsontype === "string";
}

function numberKey(n: number): string {
  if (Number.isNaN(n)) return "n:NaN";
  return `n:${n === 0 ? 0 : n}`; // -0 and 0 are equal
}

/** `Array.isArray`, narrowing to `unknown[]` rather than `any[]`. */
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

/** An embedded document: an object that is not an array, a Date or a BSON value. */
export function isDocument(v: unknown): v is Document {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) && !isBsonValue(v);
}

/** The value at a dotted path through embedded documents only (no arrays on the way). */
export function valueAtPath(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) value = isDocument(value) ? value[part] : undefined;
  return value;
}

/** An object as BSON decodes an embedded document: not a RegExp, Date, Buffer or BSON value. */
export function isPlainObject(v: unknown): v is Document {
  if (v === null || typeof v !== "object") return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export function valueKey(v: unknown): string {
  if (v === null || v === undefined) return "N";
  switch (typeof v) {
    case "string":
      return `s:${v}`;
    case "number":
      return numberKey(v);
    case "bigint":
      return Number.isSafeInteger(Number(v)) ? numberKey(Number(v)) : `n:${v}`;
    case "boolean":
      return v ? "b:1" : "b:0";
    case "object":
      break;
    case "symbol":
    case "function":
      return `?:${v.toString()}`;
  }
  const o = v;
  if (o instanceof Date) return `d:${o.getTime()}`;
  if (Array.isArray(o)) return `a:[${o.map(valueKey).join(",")}]`;
  if (o instanceof RegExp) return `r:${o.source}/${o.flags}`;
  if (isBsonValue(o)) {
    switch (o._bsontype) {
      case "ObjectId":
        return `o:${(o as unknown as { toHexString(): string }).toHexString()}`;
      case "Long":
      case "Int32":
      case "Double":
        return numberKey(Number(o.toString()));
      case "Decimal128": {
        const n = Number(o.toString());
        // Keep full precision when a double cannot represent the decimal exactly.
        return Number.isFinite(n) && String(n).replace(/^-/, "").length <= 15 ? numberKey(n) : `n:${o.toString()}`;
      }
      case "Binary": {
        const b = o as unknown as { sub_type: number; buffer: Uint8Array };
        return `x:${b.sub_type}:${Buffer.from(b.buffer).toString("base64")}`;
      }
      default:
        return `${o._bsontype}:${o.toString()}`;
    }
  }
  // Embedded documents compare field by field, in order, as in MongoDB.
  return `{${Object.entries(o)
    .map(([k, val]) => `${JSON.stringify(k)}:${valueKey(val)}`)
    .join(",")}}`;
}

/**
 * The values a dotted path reaches in a document, arrays expanded as a multikey index
 * does. A path that reaches nothing yields `[undefined]` (indexed as null).
 */
export function valuesAtPath(doc: Document, path: string): unknown[] {
  const out: unknown[] = [];
  collect(doc, path.split("."), 0, out);
  return out.length ? out : [undefined];
}

function collect(value: unknown, parts: string[], i: number, out: unknown[]): void {
  if (i === parts.length) {
    if (isArray(value)) {
      if (value.length === 0) out.push(EMPTY_ARRAY);
      else out.push(...value);
    } else {
      out.push(value);
    }
    return;
  }
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    const index = Number(parts[i]);
    if (Number.isInteger(index) && String(index) === parts[i]) collect(value[index], parts, i + 1, out);
    else for (const el of value) collect(el, parts, i, out);
    return;
  }
  const next = (value as Record<string, unknown>)[parts[i]];
  if (next !== undefined) collect(next, parts, i + 1, out);
}

/** MongoDB indexes an empty array as `undefined`, distinct from null. */
const EMPTY_ARRAY = Symbol("empty array");

export function indexValueKey(v: unknown): string {
  return v === EMPTY_ARRAY ? "U" : valueKey(v);
}

/** Whether a field exists (for sparse indexes): it holds a value, even null. */
/** The first prefix of `path` (or `path` itself) whose value in `doc` is an array; undefined when none is. */
export function firstArrayPath(doc: Document, path: string): string | undefined {
  const parts = path.split(".");
  let value: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[parts[i]];
    if (Array.isArray(value)) return parts.slice(0, i + 1).join(".");
  }
  return undefined;
}

export function hasPath(doc: Document, path: string): boolean {
  return pathExists(doc, path.split("."));
}

function pathExists(value: unknown, parts: string[]): boolean {
  if (parts.length === 0) return true;
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some((el) => pathExists(el, parts));
  const [head, ...rest] = parts as [string, ...string[]];
  return head in value && pathExists((value as Record<string, unknown>)[head], rest);
}

/** Every combination taking one value per field: the keys of a compound multikey index. */
export function cartesian<T>(perField: T[][]): T[][] {
  // One value per field, as an equality lookup has: the one combination, without the copies.
  if (perField.every((values) => values.length === 1)) return [perField.map((values) => values[0])];
  let combos: T[][] = [[]];
  for (const values of perField) combos = combos.flatMap((c) => values.map((v) => [...c, v]));
  return combos;
}
