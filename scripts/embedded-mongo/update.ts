// Update semantics on one document: operator updates (via mingo), replacements and
// pipeline updates, with mongod's checks that mingo leaves out (_id immutability,
// conflicting paths, unknown modifiers) and the document an upsert starts from.
import { ObjectId } from "bson";
import { Aggregator, Query, update as mingoUpdate } from "mingo";
import { cloneDoc } from "./clone.js";
import { CommandError } from "./errors.js";
import { isDocument, valueAtPath, valueKey, type Document } from "./keys.js";
import { checkStageFields } from "./options.js";

const MODIFIERS = new Set([
  "$set",
  "$unset",
  "$inc",
  "$mul",
  "$min",
  "$max",
  "$rename",
  "$push",
  "$addToSet",
  "$pull",
  "$pullAll",
  "$pop",
  "$currentDate",
  "$bit",
  "$setOnInsert",
]);

/** The only stages mongod runs in an update pipeline; any other (a `$match` would drop the document) is refused. */
const UPDATE_STAGES = new Set(["$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"]);

export type UpdateSpec = Document | Document[];

export function isOperatorUpdate(u: UpdateSpec): boolean {
  if (Array.isArray(u)) return false;
  const keys = Object.keys(u);
  return keys.length > 0 && keys[0].startsWith("$");
}

/** Rejects malformed update documents before anything is touched. */
export function validateUpdate(u: unknown): asserts u is UpdateSpec {
  if (u === null || typeof u !== "object") {
    throw new CommandError("FailedToParse", "Update argument must be either an object or an array");
  }
  if (Array.isArray(u)) {
    if (!u.every((s) => s && typeof s === "object" && !Array.isArray(s))) {
      throw new CommandError("FailedToParse", "Each element of an update pipeline must be an object");
    }
    for (const stage of u as Document[]) {
      const name = Object.keys(stage).find((k) => !UPDATE_STAGES.has(k));
      if (name !== undefined) throw new CommandError("InvalidOptions", `${name} is not allowed to be used within an update`);
    }
    checkStageFields(u);
    return;
  }
  const doc = u as Document;
  if (!isOperatorUpdate(doc)) {
    const dollar = Object.keys(doc).find((k) => k.startsWith("$"));
    if (dollar) {
      throw new CommandError(
        "BadValue",
        `The dollar ($) prefixed field '${dollar}' in '${dollar}' is not allowed in the context of an update's replacement document.`,
      );
    }
    return;
  }
  const paths: string[] = [];
  for (const [op, fields] of Object.entries(doc)) {
    if (!MODIFIERS.has(op)) {
      throw new CommandError(
        "FailedToParse",
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
      throw new CommandError(
        "FailedToParse",
        `Modifiers operate on fields but we found type ${Array.isArray(fields) ? "array" : typeof fields} instead.`,
      );
    }
    for (const [path, target] of Object.entries(fields as Document)) {
      paths.push(path);
      if (op === "$rename" && typeof target === "string") paths.push(target);
    }
  }
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (a === b || b.startsWith(`${a}.`)) {
      throw new CommandError("ConflictingUpdateOperators", `Updating the path '${b}' would create a conflict at '${a}'`);
    }
  }
}

/**
 * `arrayFilters` checked as mongod checks them: one identifier per filter, each used by a
 * `$[identifier]` of the update and each such path given a filter (mingo would skip a filter
 * it cannot use, or use only one of two with the same identifier).
 */
export function validateArrayFilters(u: UpdateSpec, arrayFilters: unknown): Document[] | undefined {
  if (arrayFilters === undefined) return undefined;
  if (!Array.isArray(arrayFilters) || !arrayFilters.every(isDocument)) {
    throw new CommandError("TypeMismatch", "BSON field 'arrayFilters' is the wrong type, expected type 'array' of objects");
  }
  if (Array.isArray(u) && arrayFilters.length) {
    throw new CommandError("FailedToParse", "arrayFilters may not be specified for pipeline-style updates");
  }
  const identifiers = new Set<string>();
  for (const filter of arrayFilters) {
    const names = new Set(Object.keys(filter).map((k) => k.split(".")[0]));
    if (names.size !== 1) {
      throw new CommandError(
        "FailedToParse",
        `Error parsing array filter :: caused by :: Expected a single top-level field name, found ${[...names].map((n) => `'${n}'`).join(" and ") || "none"}`,
      );
    }
    const [name] = names;
    if (identifiers.has(name))
      throw new CommandError("FailedToParse", `Found multiple array filters with the same top-level field name ${name}`);
    identifiers.add(name);
  }
  const used = new Set<string>();
  if (!Array.isArray(u) && isOperatorUpdate(u)) {
    for (const fields of Object.values(u)) {
      for (const path of Object.keys(fields as Document)) {
        for (const [, id] of path.matchAll(/\$\[([^\]]+)\]/g)) {
          if (!identifiers.has(id)) throw new CommandError("BadValue", `No array filter found for identifier '${id}' in path '${path}'`);
          used.add(id);
        }
      }
    }
  }
  const unused = [...identifiers].find((id) => !used.has(id));
  if (unused)
    throw new CommandError("FailedToParse", `The array filter for identifier '${unused}' was not used in the update ${JSON.stringify(u)}`);
  return arrayFilters;
}

const isOperatorDoc = (v: unknown): v is Document =>
  v !== null &&
  typeof v === "object" &&
  !Array.isArray(v) &&
  !("_bsontype" in v) &&
  !(v instanceof Date) &&
  Object.keys(v).length > 0 &&
  Object.keys(v).every((k) => k.startsWith("$"));

/** Whether one array element satisfies every condition the filter puts on that array. */
function elementMatches(element: unknown, arrayPath: string, filter: Document): boolean {
  const conditions = Object.entries(filter).filter(([key]) => key === arrayPath || key.startsWith(`${arrayPath}.`));
  // Without a condition on the array the query matched no element in particular.
  return (
    conditions.length > 0 &&
    conditions.every(([key, cond]) => {
      if (key === arrayPath) {
        if (isOperatorDoc(cond) && "$elemMatch" in cond) {
          const inner = cond.$elemMatch as Document;
          return isOperatorDoc(inner) ? new Query({ v: inner }).test({ v: element }) : new Query(inner).test(element as Document);
        }
        return new Query({ v: cond }).test({ v: element });
      }
      return (
        element !== null && typeof element === "object" && new Query({ [key.slice(arrayPath.length + 1)]: cond }).test(element as Document)
      );
    })
  );
}

/**
 * Replaces the positional `$` in update paths by the index of the first array element the
 * filter matched, as mongod does. (mingo would otherwise refuse two `$` paths into one
 * array, e.g. `a.$.x` and `a.$.y`, as conflicting.)
 */
function resolvePositional(doc: Document, modifier: Document, filter: Document): Document {
  const resolved: Document = {};
  const indexes = new Map<string, number>();
  for (const [op, fields] of Object.entries(modifier)) {
    const out: Document = {};
    for (const [path, value] of Object.entries(fields as Document)) {
      const at = path.split(".").indexOf("$");
      if (at < 0) {
        out[path] = value;
        continue;
      }
      const parts = path.split(".");
      const arrayPath = parts.slice(0, at).join(".");
      let index = indexes.get(arrayPath);
      if (index === undefined) {
        // The array an unindexed dotted path reaches, if any.
        const array = valueAtPath(doc, arrayPath);
        index = Array.isArray(array) ? array.findIndex((el) => elementMatches(el, arrayPath, filter)) : -1;
        if (index < 0) throw new CommandError("BadValue", "The positional operator did not find the match needed from the query.");
        indexes.set(arrayPath, index);
      }
      parts[at] = String(index);
      out[parts.join(".")] = value;
    }
    resolved[op] = out;
  }
  return resolved;
}

/**
 * Returns the updated copy of `doc`, or `doc` itself when nothing changed. `filter` feeds
 * the positional `$` operator; `inserting` applies `$setOnInsert`.
 */
export function applyUpdate(
  doc: Document,
  u: UpdateSpec,
  opts: { arrayFilters?: Document[]; filter?: Document; inserting?: boolean; variables?: Document } = {},
): Document {
  let next: Document;
  if (Array.isArray(u)) {
    next = new Aggregator(u, opts.variables ? { variables: opts.variables } : undefined).run([cloneDoc(doc)])[0] ?? {};
    // A pipeline that drops _id ($replaceRoot to a new document, $unset) keeps it, as in mongod;
    // one that sets another is refused below.
    if (next._id === undefined && doc._id !== undefined) next = { _id: doc._id, ...next };
    if (valueKey(next) === valueKey(doc)) return doc;
  } else if (isOperatorUpdate(u)) {
    const { $setOnInsert, ...rest } = u;
    const modifier = opts.inserting && $setOnInsert ? { ...rest, $set: { ...(rest.$set ?? {}), ...$setOnInsert } } : rest;
    next = cloneDoc(doc);
    if (opts.inserting && isDocument(modifier.$set) && "_id" in modifier.$set) {
      // An upsert may choose its new document's _id; mingo's $set refuses the path.
      const { _id, ...fields } = modifier.$set;
      if (next._id === undefined) next._id = _id;
      modifier.$set = fields;
    }
    let changed: string[] = [];
    try {
      if (Object.keys(modifier).length) {
        const concrete = resolvePositional(next, modifier, opts.filter ?? {});
        changed = mingoUpdate(next, concrete, opts.arrayFilters ?? [], opts.filter ?? {}, { cloneMode: "deep" });
      }
    } catch (err) {
      // mingo refuses _id paths itself; answer with mongod's code for it.
      if (err instanceof Error && err.message.includes("immutable field '_id'")) throw immutableId();
      throw err;
    }
    if (changed.length === 0) return doc;
  } else {
    next = { ...(doc._id !== undefined ? { _id: doc._id } : {}), ...u };
    if (!opts.inserting && u._id !== undefined && valueKey(u._id) !== valueKey(doc._id)) {
      throw immutableId();
    }
    if (valueKey(next) === valueKey(doc)) return doc;
  }
  if (!opts.inserting && valueKey(next._id) !== valueKey(doc._id)) throw immutableId();
  // mongod keeps _id as the first field.
  if (next._id !== undefined && Object.keys(next)[0] !== "_id") {
    const { _id, ...others } = next;
    next = { _id, ...others };
  }
  return next;
}

export function immutableId(): CommandError {
  return new CommandError("ImmutableField", "Performing an update on the path '_id' would modify the immutable field '_id'");
}

function isExactValue(v: unknown): boolean {
  if (v === null || typeof v !== "object" || v instanceof Date || Array.isArray(v) || "_bsontype" in v) return true;
  return Object.keys(v).every((k) => !k.startsWith("$"));
}

/** The fields an upsert's filter fixes by equality, as a starting document. */
function equalities(filter: Document, into: Document): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === "$and" && Array.isArray(value)) {
      for (const part of value) equalities(part as Document, into);
    } else if (!key.startsWith("$")) {
      if (isExactValue(value)) into[key] = value;
      else if (value && typeof value === "object" && "$eq" in value) into[key] = (value as Document).$eq;
    }
  }
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    if (target[part] === null || typeof target[part] !== "object") target[part] = {};
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]] = value;
}

/** Builds the document an upsert inserts when nothing matched `filter`. */
export function upsertDocument(filter: Document, u: UpdateSpec, arrayFilters?: Document[], variables?: Document): Document {
  let doc: Document;
  if (isOperatorUpdate(u) || Array.isArray(u)) {
    const base: Document = {};
    const fixed: Document = {};
    equalities(filter, fixed);
    for (const [path, value] of Object.entries(fixed)) setPath(base, path, cloneDoc(value));
    doc = applyUpdate(base, u, { arrayFilters, inserting: true, variables });
    if (doc === base) doc = { ...base };
  } else {
    const fixed: Document = {};
    equalities(filter, fixed);
    doc = { ...u };
    if (doc._id === undefined && fixed._id !== undefined) doc._id = fixed._id;
  }
  if (doc._id === undefined) doc._id = new ObjectId();
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}
