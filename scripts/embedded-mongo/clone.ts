import type { Document } from "./keys.js";

/**
 * Copies plain objects and arrays; BSON value objects (ObjectId, Decimal128, Binary, …)
 * and Dates are shared, since nothing mutates them. mingo's updaters and some pipeline
 * stages write into nested objects, so they only ever see such a copy.
 */
export function cloneDoc<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneDoc) as T;
  if (value === null || typeof value !== "object" || value instanceof Date || "_bsontype" in value) return value;
  const out: Document = {};
  for (const [k, v] of Object.entries(value)) out[k] = cloneDoc(v);
  return out as T;
}
