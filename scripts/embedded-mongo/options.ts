// What each command may carry, so that no option is accepted and then ignored: a field mongod
// knows but the engine does not implement is refused naming it (NotImplemented), and a field
// mongod does not know either gets mongod's own answer (40415, "… is an unknown field").
// Also the two options several commands share: `collation` (refused, but for "simple") and
// `let` (validated and evaluated once per command, as mongod does).
import { Aggregator } from "mingo";
import { CommandError } from "./errors.js";
import { isDocument, type Document } from "./keys.js";

/** Fields any command may carry; none changes what a command does on a single in-memory node. */
const GENERIC = new Set([
  "$db",
  "lsid",
  "$clusterTime",
  "$readPreference",
  "readConcern",
  "writeConcern",
  "comment",
  "maxTimeMS", // every command runs to completion at once
  "apiVersion",
  "apiStrict",
  "apiDeprecationErrors",
  "$audit",
  "$client",
  "mayBypassWriteBlocking",
]);

interface Fields {
  /** Fields the handler reads (or validates and refuses itself, with mongod's error). */
  implemented: string[];
  /** Fields mongod honours that the engine does not: refused, never ignored. */
  refused?: string[];
  /** Fields that must be there (a handler would otherwise read a missing one as "everything"). */
  required?: string[];
}

const COMMANDS: Record<string, Fields> = {
  find: {
    implemented: [
      "filter",
      "sort",
      "projection",
      "hint",
      "skip",
      "limit",
      "batchSize",
      "singleBatch",
      "let",
      "collation",
      "allowDiskUse", // memory has no sort limit to lift
      "allowPartialResults", // for sharded clusters; a single node always has every result
      "noCursorTimeout",
      "tailable", // no collection is capped: refused as mongod refuses it on a plain collection
      "awaitData",
      "oplogReplay", // deprecated, ignored by mongod itself
    ],
    refused: ["min", "max", "returnKey", "showRecordId", "readOnce"],
  },
  aggregate: {
    implemented: ["pipeline", "cursor", "explain", "allowDiskUse", "hint", "let", "collation", "bypassDocumentValidation"],
  },
  count: { implemented: ["query", "limit", "skip", "hint", "collation", "fields"] },
  distinct: { implemented: ["key", "query", "collation"] },
  // No collection has a validator (create refuses one), so bypassing validation changes nothing.
  insert: { implemented: ["documents", "ordered", "bypassDocumentValidation"] },
  update: { implemented: ["updates", "ordered", "bypassDocumentValidation", "let"] },
  delete: { implemented: ["deletes", "ordered", "let"] },
  findandmodify: {
    implemented: [
      "query",
      "sort",
      "remove",
      "update",
      "new",
      "fields",
      "upsert",
      "bypassDocumentValidation",
      "arrayFilters",
      "hint",
      "collation",
      "let",
    ],
  },
  create: {
    implemented: ["viewOn", "pipeline", "capped"],
    refused: [
      "size",
      "max",
      "autoIndexId",
      "idIndex",
      "storageEngine",
      "validator",
      "validationLevel",
      "validationAction",
      "indexOptionDefaults",
      "collation",
      "timeseries",
      "expireAfterSeconds",
      "clusteredIndex",
      "changeStreamPreAndPostImages",
      "encryptedFields",
    ],
  },
  createindexes: { implemented: ["indexes"], refused: ["commitQuorum"] },
  collmod: {
    implemented: ["viewOn", "pipeline", "index"],
    refused: [
      "validator",
      "validationLevel",
      "validationAction",
      "changeStreamPreAndPostImages",
      "expireAfterSeconds",
      "timeseries",
      "cappedSize",
      "cappedMax",
      "dryRun",
    ],
  },
  listcollections: { implemented: ["filter", "nameOnly", "authorizedCollections", "cursor"] },
  listindexes: { implemented: ["cursor"] },
  dropindexes: { implemented: ["index"] },
  drop: { implemented: [] },
};

/** The fields of one statement inside a command (`update.updates`, `delete.deletes`). */
const STATEMENTS: Record<string, Fields> = {
  // `sort` on an update statement came with 8.0: a 7.0 server does not know it.
  "update.updates": { implemented: ["q", "u", "c", "upsert", "multi", "arrayFilters", "hint", "collation"], required: ["q", "u"] },
  "delete.deletes": { implemented: ["q", "limit", "collation", "hint"], required: ["q", "limit"] },
};

const INDEX_FIELDS: Fields = {
  // `background` is ignored by mongod itself since 4.2.
  implemented: [
    "key",
    "name",
    "unique",
    "sparse",
    "partialFilterExpression",
    "expireAfterSeconds",
    "hidden",
    "collation",
    "v",
    "ns",
    "background",
  ],
  refused: [
    "weights",
    "default_language",
    "language_override",
    "textIndexVersion",
    "2dsphereIndexVersion",
    "bits",
    "min",
    "max",
    "bucketSize",
    "wildcardProjection",
    "storageEngine",
    "prepareUnique",
    "clustered",
    "coarsestIndexedLevel",
    "finestIndexedLevel",
  ],
};

/** The error for something mongod 7.0 does that the engine does not. */
export function notImplemented(what: string): CommandError {
  return new CommandError("NotImplemented", `${what} is not implemented by the embedded engine`);
}

/** The first field of `doc` not in `fields`, refused: NotImplemented when mongod knows it, `unknown()` otherwise. */
function checkFields(
  doc: Document,
  fields: Fields,
  skip: (field: string) => boolean,
  where: string,
  unknown: (field: string) => CommandError,
): void {
  for (const field of Object.keys(doc)) {
    if (skip(field) || fields.implemented.includes(field)) continue;
    if (fields.refused?.includes(field)) throw notImplemented(`the '${field}' option of ${where}`);
    throw unknown(field);
  }
  const missing = fields.required?.find((field) => !(field in doc));
  if (missing) throw new CommandError("Location40414", `BSON field '${where}.${missing}' is missing but a required field`);
}

const unknownField = (path: string) => (field: string) =>
  new CommandError("Location40415", `BSON field '${path}.${field}' is an unknown field.`);

/** Refuses a command field (or a statement's) the engine would otherwise ignore. */
export function checkCommandFields(name: string, body: Document): void {
  const fields = COMMANDS[name.toLowerCase()];
  if (!fields) return;
  checkFields(body, fields, (f) => f === name || GENERIC.has(f), name, unknownField(name));
  for (const [path, statementFields] of Object.entries(STATEMENTS)) {
    const [command, list] = path.split(".");
    if (command !== name.toLowerCase() || !Array.isArray(body[list])) continue;
    for (const statement of body[list] as unknown[]) {
      if (isDocument(statement)) checkFields(statement, statementFields, () => false, `${name}.${list}`, unknownField(`${name}.${list}`));
    }
  }
}

/** Refuses an index option the engine would otherwise ignore (mongod's code for an unknown one). */
export function checkIndexFields(spec: Document): void {
  checkFields(
    spec,
    INDEX_FIELDS,
    () => false,
    "an index",
    (field) =>
      new CommandError(
        "InvalidIndexSpecificationOption",
        `The field '${field}' is not valid for an index specification. Specification: ${JSON.stringify(spec)}`,
      ),
  );
}

const unrecognized =
  (code: CommandError["codeName"], prefix: string, suffix = "") =>
  (field: string) =>
    new CommandError(code, `${prefix}${field}${suffix}`);

/**
 * The fields of the stages whose arguments are a document of named fields (mingo ignores
 * one it does not know: a `$lookup`'s `collation` would be dropped, not refused), with the
 * error mongod parses each one's unknown field with.
 */
const STAGES: Record<string, [Fields, (field: string) => CommandError]> = {
  $lookup: [
    { implemented: ["from", "as", "localField", "foreignField", "let", "pipeline"] },
    unrecognized("FailedToParse", "unknown argument to $lookup: "),
  ],
  $graphLookup: [
    {
      implemented: ["from", "startWith", "connectFromField", "connectToField", "as", "maxDepth", "depthField", "restrictSearchWithMatch"],
    },
    unrecognized("Location40105", "Unknown argument to $graphLookup: "),
  ],
  $unionWith: [{ implemented: ["coll", "pipeline"] }, unknownField("$unionWith")],
  $unwind: [
    { implemented: ["path", "includeArrayIndex", "preserveNullAndEmptyArrays"] },
    unrecognized("Location28811", "unrecognized option to $unwind: "),
  ],
  $sample: [{ implemented: ["size"] }, unrecognized("Location28748", "unrecognized option to $sample: ")],
  $bucket: [
    { implemented: ["groupBy", "boundaries", "default", "output"] },
    unrecognized("Location40197", "Unrecognized option to $bucket: ", "."),
  ],
  $bucketAuto: [
    { implemented: ["groupBy", "buckets", "output", "granularity"] },
    unrecognized("Location40246", "Unrecognized option to $bucketAuto: ", "."),
  ],
  $setWindowFields: [{ implemented: ["partitionBy", "sortBy", "output"] }, unknownField("$setWindowFields")],
  $replaceRoot: [{ implemented: ["newRoot"] }, unknownField("$replaceRoot")],
};

const sortsByTextScore = (spec: unknown): boolean =>
  isDocument(spec) && Object.values(spec).some((v) => isDocument(v) && v.$meta === "textScore");

/**
 * Refuses, in one pipeline (not the ones nested in it), a stage field mongod does not know,
 * and a sort by text score with no `$text` query before it to give one.
 */
export function checkStageFields(pipeline: unknown[]): void {
  let textSearch = false;
  for (const stage of pipeline) {
    if (!isDocument(stage)) continue;
    const [name] = Object.keys(stage);
    const spec = stage[name];
    if (name === "$match" && isDocument(spec) && "$text" in spec) textSearch = true;
    if (name === "$sort" && !textSearch && sortsByTextScore(spec)) {
      throw new CommandError("Location40218", "query requires text score metadata, but it is not available");
    }
    const known = STAGES[name];
    if (known && isDocument(spec)) checkFields(spec, known[0], () => false, name, known[1]);
  }
}

/**
 * Collations compare strings by locale; the engine compares them by code point, so any
 * collation but `{ locale: "simple" }` (which means none) is refused rather than ignored.
 */
export function refuseCollation(collation: unknown): void {
  if (collation === undefined) return;
  if (!isDocument(collation)) throw new CommandError("TypeMismatch", "BSON field 'collation' is the wrong type, expected type 'object'");
  const keys = Object.keys(collation);
  if (keys.length === 1 && collation.locale === "simple") return;
  throw notImplemented(`collation ${JSON.stringify(collation)} (only { locale: "simple" })`);
}

/** A user variable's name as mongod allows it: a lowercase or non-ASCII first character, then letters, digits, `_`. */
function checkVariableName(name: string): void {
  if (!/^[a-z\u0080-\uffff]/.test(name)) {
    throw new CommandError("Location16867", `'${name}' starts with an invalid character for a user variable name`);
  }
  const bad = /[^A-Za-z0-9_\u0080-\uffff]/.exec(name);
  if (bad) throw new CommandError("Location16868", `'${name}' contains an invalid character for a variable name: '${bad[0]}'`);
}

/**
 * A command's `let`: each variable's expression evaluated once, with no document (as in
 * mongod, where `$$NOW` is one instant for the whole command); undefined without one.
 */
export function letVariables(value: unknown): Document | undefined {
  if (value === undefined) return undefined;
  if (!isDocument(value)) throw new CommandError("TypeMismatch", "BSON field 'let' is the wrong type, expected type 'object'");
  for (const name of Object.keys(value)) checkVariableName(name);
  return evaluate(value) as Document;
}

/** An aggregation expression's value for `root` (by default no document), with `variables` defined. */
export function evaluate(expr: unknown, root: Document = {}, variables?: Document): unknown {
  const [out] = new Aggregator([{ $replaceWith: { value: expr } }], variables ? { variables } : undefined).run<Document>([root]);
  return out?.value;
}
