// Native execution of the aggregation stages the services run on every read ($match,
// plain $project, $unwind, $group by a field with $sum, $count, $facet, $skip, $limit,
// $unionWith, and $replaceWith of literals and $$ROOT: kernel/reads.ts's tagged reads).
// mingo handles everything; it is the fallback here, because per stage it copies its whole
// operator table and, inside $facet, deep-copies every input document: for a national query
// that was most of the engine's time. A stage this file does not recognise, or a value it
// does not handle natively, hands the rest of the pipeline to mingo unchanged.
//
// Native stages never write into their input, so stored documents are shared, not copied.
import { isArray, isDocument, valueKey, type Document } from "./keys.js";

/** Runs `stages` on `input` (mingo), copying the input first if a stage may write into it. */
export type Fallback = (input: Document[], stages: Document[]) => Document[];
/** A compiled `$match` filter. */
export type Matcher = (filter: Document) => (doc: Document) => boolean;
/** The documents `pipeline` gives on another collection of the same database. */
export type Reader = (collection: string, pipeline: Document[]) => Document[];

/** Why a stage went to mingo: the spec is not one of the plain forms handled here. */
const UNSUPPORTED = Symbol("unsupported");

interface Runner {
  /** Runs a (sub-)pipeline: natively while it can, then through the fallback. */
  run: (docs: Document[], stages: Document[]) => Document[];
  match: Matcher;
  /** What `pipeline` gives on collection `name` of this database (its indexes used). */
  read: Reader;
}

type Stage = (docs: Document[], spec: unknown, runner: Runner) => Document[] | typeof UNSUPPORTED;

/** A top-level field reference such as "$status" (no dots, no variables). */
function fieldRef(v: unknown): string | undefined {
  return typeof v === "string" && /^\$[^$.]+$/.test(v) ? v.slice(1) : undefined;
}

/**
 * A plain top-level inclusion or exclusion projection as a function (a `$project` stage, or
 * a find's projection); undefined for any other spec, which mingo then applies.
 */
export function plainProjection(spec: unknown): ((docs: Document[]) => Document[]) | undefined {
  if (!isDocument(spec)) return undefined;
  const entries = Object.entries(spec);
  if (!entries.length) return undefined;
  const flags = new Map<string, boolean>();
  for (const [k, v] of entries) {
    if (k.includes(".") || k.startsWith("$") || !(typeof v === "boolean" || v === 0 || v === 1)) return undefined;
    flags.set(k, Boolean(v));
  }
  const keepId = flags.get("_id") ?? true;
  flags.delete("_id");
  const values = [...flags.values()];
  // `{ _id: 1 }` alone keeps only _id; `{ _id: 0 }` alone keeps everything else.
  const inclusion = values.length ? values[0] : keepId;
  if (values.some((v) => v !== inclusion)) return undefined; // mixed: mingo reports the error
  return (docs) =>
    docs.map((doc) => {
      const out: Document = {};
      for (const k of Object.keys(doc)) {
        const wanted = k === "_id" ? keepId : inclusion ? flags.has(k) : !flags.has(k);
        if (wanted && doc[k] !== undefined) out[k] = doc[k];
      }
      return out;
    });
}

function project(docs: Document[], spec: unknown): Document[] | typeof UNSUPPORTED {
  return plainProjection(spec)?.(docs) ?? UNSUPPORTED;
}

function unwind(docs: Document[], spec: unknown): Document[] | typeof UNSUPPORTED {
  const options = typeof spec === "string" ? { path: spec } : spec;
  if (!isDocument(options) || Object.keys(options).some((k) => k !== "path" && k !== "preserveNullAndEmptyArrays")) return UNSUPPORTED;
  const field = fieldRef(options.path);
  const preserve = options.preserveNullAndEmptyArrays;
  if (!field || (preserve !== undefined && typeof preserve !== "boolean")) return UNSUPPORTED;
  const out: Document[] = [];
  for (const doc of docs) {
    const value = doc[field];
    if (isArray(value)) {
      if (value.length) for (const element of value) out.push({ ...doc, [field]: element });
      else if (preserve) {
        // As in MongoDB: the document stays, without the empty array.
        const { [field]: _, ...rest } = doc;
        out.push(rest);
      }
    } else if (value !== undefined && value !== null)
      out.push(doc); // a single value unwinds to itself
    else if (preserve) out.push(doc);
  }
  return out;
}

function group(docs: Document[], spec: unknown): Document[] | typeof UNSUPPORTED {
  if (!isDocument(spec) || !("_id" in spec)) return UNSUPPORTED;
  const id = spec._id;
  const idField = fieldRef(id);
  if (!idField && !(id === null || typeof id === "string" || typeof id === "number" || typeof id === "boolean")) return UNSUPPORTED;
  if (!idField && typeof id === "string" && id.startsWith("$")) return UNSUPPORTED;
  // Accumulators: { $sum: <number> } counts, { $sum: "$field" } adds that field's numbers.
  const sums: Array<{ name: string; constant?: number; field?: string }> = [];
  for (const [name, acc] of Object.entries(spec)) {
    if (name === "_id") continue;
    if (name.includes(".") || !isDocument(acc) || Object.keys(acc).length !== 1 || !("$sum" in acc)) return UNSUPPORTED;
    const operand = acc.$sum;
    const field = fieldRef(operand);
    if (typeof operand === "number" && Number.isFinite(operand)) sums.push({ name, constant: operand });
    else if (field) sums.push({ name, field });
    else return UNSUPPORTED;
  }
  // Per group: its _id, and each accumulator's running total.
  const groups = new Map<string, { _id: unknown; totals: Record<string, number> }>();
  for (const doc of docs) {
    const key = idField ? (doc[idField] ?? null) : id;
    // Only plain scalars group natively; documents, arrays and BSON values go to mingo.
    if (key !== null && typeof key === "object" && !(key instanceof Date)) return UNSUPPORTED;
    const k = valueKey(key);
    let out = groups.get(k);
    if (!out) {
      out = { _id: key, totals: {} };
      for (const s of sums) out.totals[s.name] = 0;
      groups.set(k, out);
    }
    for (const s of sums) {
      if (s.constant !== undefined) out.totals[s.name] += s.constant;
      else {
        const v = doc[s.field!];
        if (typeof v === "number") out.totals[s.name] += v;
        else if (
          v !== undefined &&
          v !== null &&
          typeof v !== "string" &&
          typeof v !== "boolean" &&
          !(v instanceof Date) &&
          !Array.isArray(v)
        ) {
          return UNSUPPORTED; // Long, Decimal128, …: mingo keeps their types
        }
      }
    }
  }
  return [...groups.values()].map(({ _id, totals }) => ({ _id, ...totals }));
}

function count(docs: Document[], spec: unknown): Document[] | typeof UNSUPPORTED {
  if (typeof spec !== "string" || !spec || spec.startsWith("$") || spec.includes(".") || spec === "_id") return UNSUPPORTED;
  return docs.length ? [{ [spec]: docs.length }] : [];
}

function nonNegativeInt(spec: unknown): number | undefined {
  return typeof spec === "number" && Number.isSafeInteger(spec) && spec >= 0 ? spec : undefined;
}

function facet(docs: Document[], spec: unknown, { run }: Runner): Document[] | typeof UNSUPPORTED {
  if (!isDocument(spec) || !Object.keys(spec).length) return UNSUPPORTED;
  const pipelines = Object.entries(spec);
  if (pipelines.some(([name, sub]) => !Array.isArray(sub) || name.startsWith("$") || name.includes("."))) return UNSUPPORTED;
  const out: Document = {};
  // Every facet reads the same input; none writes into it (mingo's part gets copies).
  for (const [name, sub] of pipelines) out[name] = run(docs, sub as Document[]);
  return [out];
}

/** `{ $unionWith: "coll" }` or `{ $unionWith: { coll, pipeline } }`: the input, then the other collection's documents. */
function unionWith(docs: Document[], spec: unknown, { read }: Runner): Document[] | typeof UNSUPPORTED {
  if (typeof spec === "string" && spec) return [...docs, ...read(spec, [])];
  if (!isDocument(spec) || typeof spec.coll !== "string" || !spec.coll) return UNSUPPORTED;
  if (Object.keys(spec).some((k) => k !== "coll" && k !== "pipeline")) return UNSUPPORTED;
  if (spec.pipeline !== undefined && !Array.isArray(spec.pipeline)) return UNSUPPORTED;
  return [...docs, ...read(spec.coll, (spec.pipeline as Document[] | undefined) ?? [])];
}

/** `{ $replaceWith: { name: { $literal: value } | "$$ROOT", … } }`: each document wrapped (kernel/reads.ts tags reads so). */
function replaceWith(docs: Document[], spec: unknown): Document[] | typeof UNSUPPORTED {
  if (!isDocument(spec)) return UNSUPPORTED;
  const fields = Object.entries(spec);
  const root = new Set<string>();
  const literals: Document = {};
  for (const [name, value] of fields) {
    if (!name || name.startsWith("$") || name.includes(".")) return UNSUPPORTED;
    if (value === "$$ROOT") root.add(name);
    else if (
      isDocument(value) &&
      Object.keys(value).length === 1 &&
      "$literal" in value &&
      !isDocument(value.$literal) &&
      !isArray(value.$literal)
    )
      literals[name] = value.$literal;
    else return UNSUPPORTED;
  }
  return docs.map((doc) => {
    const out: Document = {};
    for (const [name] of fields) out[name] = root.has(name) ? doc : literals[name];
    return out;
  });
}

const NATIVE = new Map<string, Stage>(
  Object.entries({
    $match: (docs, spec, { match }) => (isDocument(spec) ? docs.filter(match(spec)) : UNSUPPORTED),
    $project: (docs, spec) => project(docs, spec),
    $unwind: (docs, spec) => unwind(docs, spec),
    $group: (docs, spec) => group(docs, spec),
    $count: (docs, spec) => count(docs, spec),
    $facet: facet,
    $unionWith: unionWith,
    $replaceWith: replaceWith,
    $skip: (docs, spec) => (nonNegativeInt(spec) === undefined ? UNSUPPORTED : docs.slice(spec as number)),
    // $limit 0 is an error in MongoDB: mingo reports it.
    $limit: (docs, spec) => (nonNegativeInt(spec) ? docs.slice(0, spec as number) : UNSUPPORTED),
  } satisfies Record<string, Stage>),
);

/**
 * Runs `stages` over `input`: natively while it can, then the rest through `fallback`.
 * `input` is never written into.
 */
export function runPipeline(input: Document[], stages: Document[], match: Matcher, fallback: Fallback, read: Reader): Document[] {
  const runner: Runner = {
    match,
    read,
    run: (docs, pipeline) => {
      for (let i = 0; i < pipeline.length; i++) {
        const stage = pipeline[i];
        const keys = isDocument(stage) ? Object.keys(stage) : [];
        const native = keys.length === 1 ? NATIVE.get(keys[0]) : undefined;
        const next = native ? native(docs, stage[keys[0]], runner) : UNSUPPORTED;
        if (next === UNSUPPORTED) return fallback(docs, pipeline.slice(i));
        docs = next;
      }
      return docs;
    },
  };
  return runner.run(input, stages);
}
