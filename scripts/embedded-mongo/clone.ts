import type { Document } from "./keys.js";

/**
 * Copies plain objects and arrays; every other object (BSON values such as ObjectId,
 * Decimal128, Binary or BSONRegExp, and RegExp, Date, Buffer, typed arrays) is a value
 * nothing mutates, so it is shared as it is: rebuilding one from its own enumerable
 * fields would lose its type (a RegExp has none, and became `{}`). mingo's updaters and
 * some pipeline stages write into nested objects, so they only ever see such a copy.
 */
export function cloneDoc<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneDoc) as T;
  if (!isPlainObject(value)) return value;
  const out: Document = {};
  for (const [k, v] of Object.entries(value)) out[k] = cloneDoc(v);
  return out as T;
}

/** An object made by `{}` (or with no prototype): a document, not a value. */
function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
