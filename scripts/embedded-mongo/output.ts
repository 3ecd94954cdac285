// The aggregation stages that write: `$out` (replaces a collection's documents, keeping its
// indexes) and `$merge` (merges each result into a collection, as documented for mongod).
// Both run here, on the engine's collections, never in mingo (whose versions write into
// copies of the documents and so would be accepted and lost).
import { ObjectId } from "bson";
import { Query } from "mingo";
import { Collection } from "./collection.js";
import { CommandError } from "./errors.js";
import { isDocument, valueAtPath, valueKey, type Document } from "./keys.js";
import { evaluate, notImplemented } from "./options.js";
import { applyUpdate, immutableId } from "./update.js";

export interface OutputStage {
  name: "$out" | "$merge";
  spec: unknown;
}

/** Where the writing stages find and put collections (in any database of the engine). */
export interface OutputTarget {
  /** The collection `db.name` if it exists; a view is refused, as a write to one is. */
  collection(db: string, name: string): Collection | undefined;
  /** Creates the collection `db.name`. */
  create(db: string, name: string): Collection;
  /** Puts `coll` in place of the collection `db.name` in one step (nothing else runs meanwhile). */
  install(db: string, name: string, coll: Collection): void;
}

const WRITERS = new Set(["$out", "$merge"]);

function stageName(stage: unknown): string {
  return isDocument(stage) ? (Object.keys(stage)[0] ?? "") : "";
}

/** The pipelines inside one stage, each with where it sits (for mongod's error when one writes). */
function subPipelines(stage: unknown): Array<[unknown[], CommandError["codeName"], string]> {
  const name = stageName(stage);
  const spec = isDocument(stage) ? stage[name] : undefined;
  if (name === "$facet" && isDocument(spec)) {
    return Object.values(spec).flatMap((p) => (Array.isArray(p) ? [[p, "Location40600", "used within a $facet stage"] as const] : []));
  }
  if ((name === "$lookup" || name === "$unionWith") && isDocument(spec) && Array.isArray(spec.pipeline)) {
    return [[spec.pipeline, name === "$lookup" ? "Location51047" : "Location31441", `used within a ${name}'s sub-pipeline`]];
  }
  return [];
}

/** Calls `visit` on every pipeline nested in `stages`, at any depth, outermost first. */
export function eachNestedPipeline(
  stages: unknown[],
  visit: (inner: unknown[], code: CommandError["codeName"], where: string) => void,
): void {
  for (const stage of stages) {
    for (const [inner, code, where] of subPipelines(stage)) {
      visit(inner, code, where);
      eachNestedPipeline(inner, visit);
    }
  }
}

function refuseNestedWriters(stages: unknown[]): void {
  eachNestedPipeline(stages, (inner, code, where) => {
    const writer = inner.map(stageName).find((n) => WRITERS.has(n));
    if (writer) throw new CommandError(code, `${writer} is not allowed to be ${where}`);
  });
}

/** The `$out` or `$merge` ending `stages`, if any, after mongod's checks of where one may stand. */
export function outputStage(stages: unknown[]): OutputStage | undefined {
  stages.forEach((stage, i) => {
    const name = stageName(stage);
    if (WRITERS.has(name) && i !== stages.length - 1) {
      throw new CommandError("Location40601", `${name} can only be the final stage in the pipeline`);
    }
  });
  refuseNestedWriters(stages);
  const last = stages[stages.length - 1];
  const name = stageName(last);
  return WRITERS.has(name) ? { name: name as OutputStage["name"], spec: (last as Document)[name] } : undefined;
}

/** A target namespace given as "coll" or { db, coll } (`$merge`'s `into`, `$out`'s argument). */
function namespace(spec: unknown, db: string, stage: string): [string, string] {
  if (typeof spec === "string") return [db, spec];
  if (isDocument(spec) && typeof spec.coll === "string" && (spec.db === undefined || typeof spec.db === "string")) {
    for (const field of Object.keys(spec)) {
      if (field === "timeseries" && stage === "$out") throw notImplemented("$out to a time-series collection");
      if (field !== "db" && field !== "coll")
        throw new CommandError("Location40415", `BSON field '${stage}.${field}' is an unknown field.`);
    }
    return [spec.db ?? db, spec.coll];
  }
  throw new CommandError("Location16990", `${stage} only supports a string or object argument, not ${typeof spec}`);
}

/** Runs the writing stage on the pipeline's results `docs`. */
export function writeOutput(target: OutputTarget, db: string, stage: OutputStage, docs: Document[], variables?: Document): void {
  if (stage.name === "$out") out(target, db, stage.spec, docs);
  else merge(target, db, stage.spec, docs, variables);
}

/** mongod stores a document with an `_id`, first. */
function withId(doc: Document): Document {
  const { _id = new ObjectId(), ...rest } = doc;
  return { _id, ...rest };
}

function out(target: OutputTarget, db: string, spec: unknown, docs: Document[]): void {
  const [outDb, name] = namespace(spec, db, "$out");
  const existing = target.collection(outDb, name);
  // Built aside and swapped in whole: a duplicate key leaves the target as it was.
  const fresh = new Collection(`${outDb}.${name}`);
  for (const index of existing?.indexSpecs() ?? []) if (index.name !== "_id_") fresh.createIndex(index);
  for (const doc of docs) fresh.insert(withId(doc));
  target.install(outDb, name, fresh);
}

const WHEN_MATCHED = new Set(["replace", "keepExisting", "merge", "fail"]);
const WHEN_NOT_MATCHED = new Set(["insert", "discard", "fail"]);
/** The pairs mongod refuses (51181): the rest are all supported. */
const UNSUPPORTED_MODES = new Set(["keepExisting/discard", "keepExisting/fail", "fail/discard", "fail/fail"]);
const MERGE_FIELDS = new Set(["into", "on", "let", "whenMatched", "whenNotMatched"]);

function merge(target: OutputTarget, db: string, spec: unknown, docs: Document[], variables?: Document): void {
  if (typeof spec === "string") spec = { into: spec };
  if (!isDocument(spec)) throw new CommandError("Location51182", `$merge only supports a string or object argument, not ${typeof spec}`);
  for (const field of Object.keys(spec)) {
    if (!MERGE_FIELDS.has(field)) throw new CommandError("Location40415", `BSON field '$merge.${field}' is an unknown field.`);
  }
  if (spec.into === undefined) throw new CommandError("Location40414", "BSON field '$merge.into' is missing but a required field");
  const [outDb, name] = namespace(spec.into, db, "$merge");
  const whenMatched: unknown = spec.whenMatched ?? "merge";
  const whenNotMatched: unknown = spec.whenNotMatched ?? "insert";
  const pipeline = Array.isArray(whenMatched) ? (whenMatched as Document[]) : undefined;
  const valid = (mode: unknown, modes: Set<string>): mode is string => typeof mode === "string" && modes.has(mode);
  if ((!pipeline && !valid(whenMatched, WHEN_MATCHED)) || !valid(whenNotMatched, WHEN_NOT_MATCHED)) {
    throw new CommandError(
      "BadValue",
      `Enumeration value for $merge's whenMatched or whenNotMatched is not valid: ${JSON.stringify({ whenMatched, whenNotMatched })}`,
    );
  }
  const matchedMode = pipeline ? "pipeline" : (whenMatched as string);
  if (UNSUPPORTED_MODES.has(`${matchedMode}/${whenNotMatched}`)) {
    throw new CommandError(
      "Location51181",
      `Combination of $merge modes 'whenMatched: ${matchedMode}' and 'whenNotMatched: ${whenNotMatched}' is not supported`,
    );
  }
  if (spec.let !== undefined && !pipeline) {
    throw new CommandError("Location51199", `Cannot use 'let' variables with 'whenMatched: ${matchedMode}' mode`);
  }
  const on = spec.on === undefined ? ["_id"] : typeof spec.on === "string" ? [spec.on] : spec.on;
  if (!Array.isArray(on) || !on.length || on.some((f) => typeof f !== "string")) {
    throw new CommandError("Location51186", "$merge 'on' field must be either a string or an array of strings");
  }
  const fields = on as string[];
  const duplicate = fields.find((f, i) => fields.indexOf(f) !== i);
  if (duplicate) throw new CommandError("Location31465", `Found a duplicate field '${duplicate}'`);
  let coll = target.collection(outDb, name);
  const byId = fields.length === 1 && fields[0] === "_id";
  // Fields other than _id must be those of a unique index, so that each result matches one document at most.
  const sameFields = (key: Document) => Object.keys(key).length === fields.length && fields.every((f) => f in key);
  if (!byId && !coll?.indexSpecs().some((s) => s.unique && !s.partialFilterExpression && sameFields(s.key))) {
    throw new CommandError("Location51183", "Cannot find index to verify that join fields will be unique");
  }
  coll ??= target.create(outDb, name);
  const letSpec = (spec.let as Document | undefined) ?? { new: "$$ROOT" };
  for (const result of docs) {
    const doc = byId ? withId(result) : result;
    const filter: Document = {};
    for (const field of fields) {
      const value = valueAtPath(doc, field); // an `on` field holds one value: no arrays crossed
      if (value === undefined || value === null || Array.isArray(value)) {
        throw new CommandError(
          Array.isArray(value) ? "Location51185" : "Location51132",
          "$merge write error: 'on' field cannot be missing, null, undefined or an array",
        );
      }
      filter[field] = { $eq: value };
    }
    const query = new Query(filter);
    const match = [...coll.candidates(filter)].find((d) => query.test(d));
    if (!match) {
      if (whenNotMatched === "insert") coll.insert(withId(doc));
      else if (whenNotMatched === "fail") {
        throw new CommandError(
          "MergeStageNoMatchingDocument",
          "$merge could not find a matching document in the target collection for at least one document in the source collection",
        );
      }
      continue;
    }
    let next: Document;
    if (pipeline) {
      const letValues = evaluate(letSpec, doc, variables) as Document;
      next = applyUpdate(match, pipeline, { variables: { ...variables, ...letValues } });
    } else if (matchedMode === "keepExisting") continue;
    else if (matchedMode === "fail") {
      coll.insert(withId(doc)); // refused as the duplicate key it is, as in mongod
      continue;
    } else if (matchedMode === "replace") next = applyUpdate(match, doc);
    else {
      // "merge": the result's top-level fields set on the matched document.
      const { _id, ...set } = doc;
      if (_id !== undefined && valueKey(_id) !== valueKey(match._id)) throw immutableId();
      next = { ...match, ...set };
      if (valueKey(next) === valueKey(match)) continue;
    }
    if (next !== match) coll.replace(valueKey(match._id), next);
  }
}
