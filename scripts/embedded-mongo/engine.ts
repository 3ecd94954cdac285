// The command layer of the embedded engine: databases of collections, cursors, and one
// handler per MongoDB command. Every handler runs synchronously to completion, so each
// single-document write is atomic exactly as it is in mongod.
import { calculateObjectSize, Long, ObjectId } from "bson";
import { Aggregator, find, Query } from "mingo";
import type { Options as MingoOptions } from "mingo/types";
import { cloneDoc } from "./clone.js";
import { Collection, type IndexSpec } from "./collection.js";
import { asCommandError, CommandError, isUserError } from "./errors.js";
import { compileFilter } from "./filters.js";
import { isDocument, valueKey, valuesAtPath, type Document } from "./keys.js";
import {
  checkCommandFields,
  checkIndexFields,
  checkStageFields,
  evaluate,
  letVariables,
  notImplemented,
  refuseCollation,
} from "./options.js";
import { eachNestedPipeline, outputStage, writeOutput, type OutputTarget } from "./output.js";
import { plainProjection, runPipeline } from "./pipeline.js";
import { applyUpdate, isOperatorUpdate, upsertDocument, validateArrayFilters, validateUpdate } from "./update.js";

const MAX_BSON_SIZE = 16 * 1024 * 1024;
const DEFAULT_FIRST_BATCH = 101;
const CURSOR_IDLE_MS = 10 * 60_000;
const SERVER_VERSION = "7.0.0";

interface CursorState {
  ns: string;
  docs: Document[];
  pos: number;
  lastUsed: number;
  /** A find's noCursorTimeout: never idled out. */
  noTimeout?: boolean;
}

/** A view: the documents of `viewOn` (a collection or another view) through `pipeline`. */
interface ViewDef {
  viewOn: string;
  pipeline: Document[];
}

interface QueryOptions {
  sort?: Document;
  skip?: number;
  limit?: number;
  projection?: Document;
  /** A command's `let`, for `$expr`. */
  variables?: Document;
}

/** mongod's limit on views defined on views. */
const MAX_VIEW_DEPTH = 20;

export interface CommandContext {
  db: string;
  body: Document;
  connectionId: number;
}

type Handler = (ctx: CommandContext) => Document;

export type Logger = (message: string) => void;

function int(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- on purpose: a numeric string or a BSON number (Long, Decimal128, …) gives its digits; anything else (an object: "[object Object]") is NaN, refused below
  const n = typeof value === "number" ? value : Number(String(value));
  if (!Number.isFinite(n)) throw new CommandError("TypeMismatch", `Field '${name}' must be a number`);
  return Math.trunc(n);
}

function object(value: unknown, name: string): Document | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new CommandError("TypeMismatch", `Field '${name}' must be an object`);
  }
  return value as Document;
}

function validateDbName(name: string): void {
  if (!name || /[/\\. "$\0]/.test(name) || name.length > 63) {
    throw new CommandError("InvalidNamespace", `Invalid database name: '${name}'`);
  }
}

/** The fields of every stage, in `stages` and in the pipelines nested in them, checked before any runs. */
function checkPipelineFields(stages: unknown[]): void {
  checkStageFields(stages);
  eachNestedPipeline(stages, checkStageFields);
}

function validateCollName(db: string, name: unknown): string {
  if (typeof name !== "string" || !name || name.includes("$") || name.includes("\0") || name.startsWith(".")) {
    throw new CommandError("InvalidNamespace", `Invalid namespace specified '${db}.${String(name)}'`);
  }
  return name;
}

export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly views = new Map<string, Map<string, ViewDef>>();
  private readonly cursors = new Map<string, CursorState>();
  private readonly handlers: Record<string, Handler>;
  private readonly startedAt = Date.now();
  openConnections = 0;

  constructor(private readonly log: Logger = () => {}) {
    const hello = (ctx: CommandContext, legacy: boolean): Document => ({
      ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
      helloOk: true,
      maxBsonObjectSize: MAX_BSON_SIZE,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: ctx.connectionId,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ok: 1,
    });
    this.handlers = {
      hello: (ctx) => hello(ctx, false),
      ismaster: (ctx) => hello(ctx, true),
      ping: () => ({ ok: 1 }),
      buildinfo: () => ({
        version: SERVER_VERSION,
        gitVersion: "aidgraph-embedded",
        versionArray: [7, 0, 0, 0],
        bits: 64,
        maxBsonObjectSize: MAX_BSON_SIZE,
        storageEngines: ["aidgraph-embedded"],
        ok: 1,
      }),
      serverstatus: () => ({
        host: "localhost",
        version: SERVER_VERSION,
        process: "aidgraph-embedded-mongo",
        uptime: (Date.now() - this.startedAt) / 1000,
        localTime: new Date(),
        connections: { current: this.openConnections },
        ok: 1,
      }),
      whatsmyuri: () => ({ you: "127.0.0.1", ok: 1 }),
      listcommands: () => ({
        commands: Object.fromEntries(Object.keys(this.handlers).map((name) => [name, {}])),
        ok: 1,
      }),
      endsessions: () => ({ ok: 1 }),
      listdatabases: (ctx) => this.listDatabases(ctx),
      dropdatabase: (ctx) => {
        this.dbs.delete(ctx.db);
        this.views.delete(ctx.db);
        return { ok: 1 };
      },
      insert: (ctx) => this.insert(ctx),
      find: (ctx) => this.find(ctx),
      getmore: (ctx) => this.getMore(ctx),
      killcursors: (ctx) => this.killCursors(ctx),
      update: (ctx) => this.update(ctx),
      delete: (ctx) => this.delete(ctx),
      findandmodify: (ctx) => this.findAndModify(ctx),
      aggregate: (ctx) => this.aggregate(ctx),
      count: (ctx) => this.count(ctx),
      distinct: (ctx) => this.distinct(ctx),
      create: (ctx) => this.create(ctx),
      drop: (ctx) => this.drop(ctx),
      listcollections: (ctx) => this.listCollections(ctx),
      createindexes: (ctx) => this.createIndexes(ctx),
      listindexes: (ctx) => this.listIndexes(ctx),
      dropindexes: (ctx) => this.dropIndexes(ctx),
      collmod: (ctx) => this.collMod(ctx),
    };
  }

  /** Runs one command and always returns a reply document (errors in mongod's shape). */
  run(ctx: CommandContext): Document {
    const name = Object.keys(ctx.body)[0] ?? "";
    try {
      if (
        ctx.body.startTransaction ||
        ctx.body.autocommit === false ||
        ctx.body.txnNumber !== undefined ||
        /^(commit|abort)Transaction$/.test(name)
      ) {
        // What a standalone mongod answers: the design needs no multi-document transactions.
        throw new CommandError(
          "IllegalOperation",
          "Transaction numbers are only allowed on a replica set member or mongos (the embedded engine runs no transactions)",
        );
      }
      const handler = this.handlers[name.toLowerCase()];
      if (!handler) throw new CommandError("CommandNotFound", `no such command: '${name}'`);
      validateDbName(ctx.db);
      checkCommandFields(name, ctx.body);
      return handler(ctx);
    } catch (err) {
      if (isUserError(err)) return asCommandError(err).toResponse();
      this.log(`internal error in '${name}': ${err instanceof Error ? err.stack : String(err)}`);
      return new CommandError("InternalError", `internal error in '${name}': ${(err as Error).message}`).toResponse();
    }
  }

  /** Drops idle cursors and expired TTL documents; called periodically by the server. */
  sweep(now = Date.now()): void {
    for (const [id, c] of this.cursors) if (!c.noTimeout && now - c.lastUsed > CURSOR_IDLE_MS) this.cursors.delete(id);
    for (const db of this.dbs.values()) for (const coll of db.values()) coll.expire(now);
  }

  // --- namespaces ----------------------------------------------------------------

  private collection(db: string, name: unknown, create: true): Collection;
  private collection(db: string, name: unknown, create?: boolean): Collection | undefined;
  private collection(db: string, name: unknown, create = false): Collection | undefined {
    const collName = validateCollName(db, name);
    // Reads resolve views before asking for a collection; anything else on a view is refused.
    if (this.views.get(db)?.has(collName)) {
      throw new CommandError("CommandNotSupportedOnView", `Namespace ${db}.${collName} is a view, not a collection`);
    }
    let colls = this.dbs.get(db);
    let coll = colls?.get(collName);
    if (!coll && create) {
      if (!colls) this.dbs.set(db, (colls = new Map<string, Collection>()));
      coll = new Collection(`${db}.${collName}`);
      colls.set(collName, coll);
    }
    return coll;
  }

  private listDatabases(ctx: CommandContext): Document {
    const filter = object(ctx.body.filter, "filter");
    let databases = [...this.dbs.entries()].map(([name, colls]) => ({
      name,
      sizeOnDisk: [...colls.values()].reduce((n, c) => n + c.size, 0),
      empty: colls.size === 0,
    }));
    if (filter) databases = find(databases, filter).all() as typeof databases;
    if (ctx.body.nameOnly) return { databases: databases.map((d) => ({ name: d.name })), ok: 1 };
    return { databases, totalSize: databases.reduce((n, d) => n + d.sizeOnDisk, 0), ok: 1 };
  }

  // --- reads ---------------------------------------------------------------------

  /** A read's hint, on the collection it reads in the end (through any views). */
  private checkReadHint(db: string, name: string, hint: unknown): void {
    this.checkHint(this.collection(db, this.baseOf(db, name)), hint);
  }

  private checkHint(coll: Collection | undefined, hint: unknown): void {
    if (hint === undefined || hint === null || !coll) return;
    // A collection scan gives the same documents as any index here.
    if (isDocument(hint) && Object.keys(hint).length === 1 && "$natural" in hint) return;
    const name = typeof hint === "string" ? hint : coll.indexNameForKey(hint as Document);
    const spec = coll.indexSpecs().find((s) => s.name === name);
    if (!spec || spec.hidden === true) {
      throw new CommandError("BadValue", "hint provided does not correspond to an existing index");
    }
    // mongod answers a hinted sparse or partial index with only the documents it holds.
    if (spec.sparse || spec.partialFilterExpression) throw notImplemented(`a hint to the sparse or partial index '${spec.name}'`);
  }

  /** Filter, sort, skip, limit and project, using the _id map or an index when it can. */
  private query(coll: Collection | undefined, filter: Document | undefined, opts: QueryOptions = {}): Document[] {
    const mingoOpts: Partial<MingoOptions> = opts.variables ? { variables: opts.variables } : {};
    // Compile first: a malformed filter is an error even when the collection is missing.
    const compiled = compileFilter(filter ?? {}, mingoOpts);
    if (!coll) return [];
    const candidates = [...coll.candidates(filter)];
    let sort = opts.sort && Object.keys(opts.sort).length ? { ...opts.sort } : undefined;
    let reverse = false;
    if (sort && "$natural" in sort) {
      reverse = Number(sort.$natural) < 0;
      delete sort.$natural;
      if (!Object.keys(sort).length) sort = undefined;
    }
    if (reverse) candidates.reverse();
    const projection = opts.projection && Object.keys(opts.projection).length ? opts.projection : undefined;
    // A plain projection is applied here, after the limit, to the stored documents (shared,
    // never written); mingo's copies each document's whole graph first.
    const plain = projection && plainProjection(projection);
    const docs = compiled.find(candidates, { sort, skip: opts.skip, limit: opts.limit, projection: plain ? undefined : projection });
    return plain ? plain(docs) : docs;
  }

  /** Builds a cursor reply; documents past the first batch wait for getMore. */
  private cursorReply(ns: string, docs: Document[], batchSize: number, singleBatch: boolean, noTimeout = false): Document {
    const first = takeBatch(docs, 0, batchSize);
    let id = 0;
    if (!singleBatch && first.length < docs.length) {
      do id = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
      while (id === 0 || this.cursors.has(String(id)));
      this.cursors.set(String(id), { ns, docs, pos: first.length, lastUsed: Date.now(), noTimeout });
    }
    return { cursor: { firstBatch: first, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  private find(ctx: CommandContext): Document {
    const { body } = ctx;
    const collName = validateCollName(ctx.db, body.find);
    refuseCollation(body.collation);
    if (body.awaitData && !body.tailable) throw new CommandError("FailedToParse", "Cannot set 'awaitData' without also setting 'tailable'");
    // No collection is capped (create refuses one): mongod's answer for any other.
    if (body.tailable) throw new CommandError("BadValue", "error processing query: tailable cursor requested on non capped collection");
    const variables = letVariables(body.let);
    const limit = int(body.limit, "limit", 0);
    const opts = {
      sort: object(body.sort, "sort"),
      skip: int(body.skip, "skip", 0),
      limit: Math.abs(limit),
      projection: object(body.projection, "projection"),
      variables,
    };
    this.checkReadHint(ctx.db, collName, body.hint);
    const docs = this.matching(ctx.db, collName, object(body.filter, "filter"), opts);
    const batchSize = body.batchSize === undefined ? DEFAULT_FIRST_BATCH : int(body.batchSize, "batchSize", 0);
    return this.cursorReply(
      `${ctx.db}.${collName}`,
      docs,
      batchSize,
      Boolean(body.singleBatch) || limit < 0,
      body.noCursorTimeout === true,
    );
  }

  private getMore(ctx: CommandContext): Document {
    const id = String(ctx.body.getMore);
    const cursor = this.cursors.get(id);
    const ns = `${ctx.db}.${String(ctx.body.collection)}`;
    if (!cursor || cursor.ns !== ns) throw new CommandError("CursorNotFound", `cursor id ${id} not found`);
    const batch = takeBatch(cursor.docs, cursor.pos, int(ctx.body.batchSize, "batchSize", 0) || Infinity);
    cursor.pos += batch.length;
    cursor.lastUsed = Date.now();
    const exhausted = cursor.pos >= cursor.docs.length;
    if (exhausted) this.cursors.delete(id);
    return { cursor: { nextBatch: batch, id: exhausted ? Long.ZERO : Long.fromString(id), ns }, ok: 1 };
  }

  private killCursors(ctx: CommandContext): Document {
    const ids = Array.isArray(ctx.body.cursors) ? ctx.body.cursors : [];
    const killed: unknown[] = [];
    const notFound: unknown[] = [];
    for (const raw of ids) (this.cursors.delete(String(raw)) ? killed : notFound).push(raw);
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  private aggregate(ctx: CommandContext): Document {
    const { body } = ctx;
    if (!Array.isArray(body.pipeline)) throw new CommandError("TypeMismatch", "'pipeline' option must be specified as an array");
    if (body.explain) throw new CommandError("IllegalOperation", "explain is not supported by the embedded engine");
    refuseCollation(body.collation);
    const variables = letVariables(body.let);
    const stages = body.pipeline as Document[];
    const output = outputStage(stages);
    checkPipelineFields(stages);
    const reading = output ? stages.slice(0, -1) : stages;
    const collectionless = body.aggregate === 1;
    reading.forEach((stage, i) => {
      if (isDocument(stage) && "$documents" in stage && (i > 0 || !collectionless)) {
        throw new CommandError("Location40602", "$documents is only valid as the first stage in a pipeline");
      }
    });
    let ns: string;
    let docs: Document[];
    if (collectionless) {
      ns = `${ctx.db}.$cmd.aggregate`;
      const [first, ...rest] = reading;
      const name = isDocument(first) ? Object.keys(first)[0] : undefined;
      if (name !== "$documents") {
        throw new CommandError(
          "InvalidNamespace",
          `{aggregate: 1} is not valid for '${name ?? "an empty pipeline"}'; a collection is required.`,
        );
      }
      docs = this.runStages(ctx.db, documentsStage(first.$documents, variables), rest, variables);
    } else {
      const collName = validateCollName(ctx.db, body.aggregate);
      ns = `${ctx.db}.${collName}`;
      this.checkReadHint(ctx.db, collName, body.hint);
      docs = this.read(ctx.db, collName, reading, variables);
    }
    if (output) {
      writeOutput(this.outputTarget, ctx.db, output, docs, variables);
      docs = [];
    }
    const cursorOpts = object(body.cursor, "cursor") ?? {};
    const batchSize = cursorOpts.batchSize === undefined ? DEFAULT_FIRST_BATCH : int(cursorOpts.batchSize, "batchSize", 0);
    return this.cursorReply(ns, docs, batchSize, false);
  }

  /** The view `db.name`, if it is one. */
  private view(db: string, name: string): ViewDef | undefined {
    return this.views.get(db)?.get(name);
  }

  /** The collection a view reads in the end (a hint on the view is a hint on it, as in mongod). */
  private baseOf(db: string, name: string): string {
    for (let view = this.view(db, name); view; view = this.view(db, name)) name = view.viewOn;
    return name;
  }

  /**
   * The documents `stages` make of a collection's (or a view's) documents. A leading $match
   * goes through the index-aware query; a view's pipeline runs first.
   */
  private read(db: string, name: string, stages: Document[], variables?: Document): Document[] {
    const view = this.view(db, name);
    if (view) return this.read(db, view.viewOn, [...view.pipeline, ...stages], variables);
    const coll = this.collection(db, name);
    const [head, ...tail] = stages;
    const leadingMatch = isDocument(head) && "$match" in head && isDocument(head.$match) ? head.$match : undefined;
    const matched = leadingMatch ? this.query(coll, leadingMatch, { variables }) : coll ? [...coll.docs.values()] : [];
    return this.runStages(db, matched, leadingMatch ? tail : stages, variables);
  }

  /** Runs `stages` natively where it can (pipeline.ts), in mingo on copies where a stage may write into its input. */
  private runStages(db: string, input: Document[], stages: Document[], variables?: Document): Document[] {
    const opts: Partial<MingoOptions> = {
      collectionResolver: (name: string) => this.read(db, validateCollName(db, name), []).map(cloneDoc),
      ...(variables ? { variables } : {}),
    };
    return runPipeline(
      input,
      stages,
      (filter) => {
        const query = new Query(filter, opts);
        return (doc) => query.test(doc);
      },
      (docs, rest) => new Aggregator(rest, opts).run<Document>(pipelineMutatesInput(rest) ? docs.map(cloneDoc) : docs),
      // A $unionWith reads the other collection as any read does: through its indexes, uncopied.
      (name, pipeline) => this.read(db, validateCollName(db, name), pipeline, variables),
    );
  }

  /** Collections as the writing stages ($out, $merge) see them. */
  private readonly outputTarget: OutputTarget = {
    collection: (db, name) => {
      validateDbName(db);
      return this.collection(db, name);
    },
    create: (db, name) => this.collection(db, name, true),
    install: (db, name, coll) => {
      if (!this.dbs.has(db)) this.dbs.set(db, new Map());
      this.dbs.get(db)!.set(name, coll);
    },
  };

  /**
   * The documents of a collection or view that match `filter`, sorted, skipped, limited and
   * projected. On a view this is an aggregation after the view's pipeline, as in mongod.
   */
  private matching(db: string, name: string, filter: Document | undefined, opts: QueryOptions = {}): Document[] {
    if (!this.view(db, name)) return this.query(this.collection(db, name), filter, opts);
    const { sort, skip, limit, projection, variables } = opts;
    const stages: Document[] = [
      ...(filter && Object.keys(filter).length ? [{ $match: filter }] : []),
      ...(sort && Object.keys(sort).length ? [{ $sort: sort }] : []),
      ...(skip ? [{ $skip: skip }] : []),
      ...(limit ? [{ $limit: limit }] : []),
      ...(projection && Object.keys(projection).length ? [{ $project: projection }] : []),
    ];
    return this.read(db, name, stages, variables);
  }

  private count(ctx: CommandContext): Document {
    const name = validateCollName(ctx.db, ctx.body.count);
    refuseCollation(ctx.body.collation);
    const query = object(ctx.body.query, "query");
    const skip = int(ctx.body.skip, "skip", 0);
    const limit = Math.abs(int(ctx.body.limit, "limit", 0));
    this.checkReadHint(ctx.db, name, ctx.body.hint);
    if (!this.view(ctx.db, name)) {
      const coll = this.collection(ctx.db, name);
      if (!query || !Object.keys(query).length) {
        const n = Math.max(0, (coll?.size ?? 0) - skip);
        return { n: limit ? Math.min(n, limit) : n, ok: 1 };
      }
    }
    return { n: this.matching(ctx.db, name, query, { skip, limit }).length, ok: 1 };
  }

  private distinct(ctx: CommandContext): Document {
    const key = ctx.body.key;
    if (typeof key !== "string" || !key) throw new CommandError("FailedToParse", "distinct requires a 'key' string");
    refuseCollation(ctx.body.collation);
    const name = validateCollName(ctx.db, ctx.body.distinct);
    const seen = new Map<string, unknown>();
    for (const doc of this.matching(ctx.db, name, object(ctx.body.query, "query"))) {
      for (const v of valuesAtPath(doc, key)) {
        if (v === undefined || typeof v === "symbol") continue;
        const k = valueKey(v);
        if (!seen.has(k)) seen.set(k, v);
      }
    }
    return { values: [...seen.values()], ok: 1 };
  }

  // --- writes --------------------------------------------------------------------

  /** Runs a batch of write statements with mongod's ordered/unordered semantics. */
  private writeBatch<T>(statements: unknown, field: string, ordered: boolean, apply: (statement: T, index: number) => void): Document[] {
    if (!Array.isArray(statements)) throw new CommandError("FailedToParse", `'${field}' must be an array`);
    const writeErrors: Document[] = [];
    for (let i = 0; i < statements.length; i++) {
      try {
        apply(statements[i] as T, i);
      } catch (err) {
        if (!isUserError(err)) throw err;
        writeErrors.push(asCommandError(err).toWriteError(i));
        if (ordered) break;
      }
    }
    return writeErrors;
  }

  private insert(ctx: CommandContext): Document {
    const coll = this.collection(ctx.db, ctx.body.insert, true);
    let n = 0;
    const writeErrors = this.writeBatch<Document>(ctx.body.documents, "documents", ctx.body.ordered !== false, (doc) => {
      if (!doc || typeof doc !== "object") throw new CommandError("TypeMismatch", "each document must be an object");
      // mongod stores _id first, whether the client sent it last or not at all.
      const { _id = new ObjectId(), ...rest } = doc;
      coll.insert({ _id, ...rest });
      n++;
    });
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  }

  private update(ctx: CommandContext): Document {
    // A statement's `sort` (8.0's) is refused with the rest of its unknown fields (options.ts),
    // for the whole command, as the 7.0 server this engine reports itself as does.
    const variables = letVariables(ctx.body.let);
    // Created only when an upsert inserts, as in mongod (not by an update that matches nothing).
    let coll = this.collection(ctx.db, ctx.body.update);
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const writeErrors = this.writeBatch<Document>(ctx.body.updates, "updates", ctx.body.ordered !== false, (st, index) => {
      const filter = object(st.q, "q") ?? {};
      validateUpdate(st.u);
      refuseCollation(st.collation);
      if (st.multi && !Array.isArray(st.u) && !isOperatorUpdate(st.u)) {
        throw new CommandError("FailedToParse", "multi update is not supported for replacement-style update");
      }
      // `c`: constants for a pipeline update, alongside the command's `let`.
      const constants = object(st.c, "c");
      if (constants && !Array.isArray(st.u))
        throw new CommandError("Location51198", "Constant values may only be specified for pipeline updates");
      const vars = constants ? { ...variables, ...constants } : variables;
      const arrayFilters = validateArrayFilters(st.u, st.arrayFilters);
      this.checkHint(coll, st.hint);
      const matches = this.query(coll, filter, { limit: st.multi ? 0 : 1, variables: vars });
      if (matches.length === 0 && st.upsert) {
        const doc = upsertDocument(filter, st.u, arrayFilters, vars);
        coll ??= this.collection(ctx.db, ctx.body.update, true);
        coll.insert(doc);
        n++;
        upserted.push({ index, _id: doc._id });
        return;
      }
      for (const doc of matches) {
        n++;
        const next = applyUpdate(doc, st.u, { arrayFilters, filter, variables: vars });
        if (next !== doc) {
          coll!.replace(valueKey(doc._id), next);
          nModified++;
        }
      }
    });
    return {
      n,
      nModified,
      ...(upserted.length ? { upserted } : {}),
      ...(writeErrors.length ? { writeErrors } : {}),
      ok: 1,
    };
  }

  private delete(ctx: CommandContext): Document {
    const variables = letVariables(ctx.body.let);
    const coll = this.collection(ctx.db, ctx.body.delete);
    let n = 0;
    const writeErrors = this.writeBatch<Document>(ctx.body.deletes, "deletes", ctx.body.ordered !== false, (st) => {
      const limit = int(st.limit, "limit", 0);
      if (limit !== 0 && limit !== 1) throw new CommandError("FailedToParse", "The limit field in delete objects must be 0 or 1");
      refuseCollation(st.collation);
      this.checkHint(coll, st.hint);
      for (const doc of this.query(coll, object(st.q, "q") ?? {}, { limit, variables })) {
        coll!.remove(valueKey(doc._id));
        n++;
      }
    });
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  }

  private findAndModify(ctx: CommandContext): Document {
    const { body } = ctx;
    const filter = object(body.query, "query") ?? {};
    const fields = object(body.fields, "fields");
    const project = (doc: Document | null): Document | null =>
      doc && fields && Object.keys(fields).length ? (find([doc], {}, fields).all()[0] ?? null) : doc;
    if (body.remove && body.update !== undefined) {
      throw new CommandError("FailedToParse", "Cannot specify both an update and remove=true");
    }
    if (!body.remove && body.update === undefined) {
      throw new CommandError("FailedToParse", "Either an update or remove=true must be specified");
    }
    if (body.remove && body.upsert) throw new CommandError("FailedToParse", "Cannot specify both upsert=true and remove=true");
    refuseCollation(body.collation);
    const variables = letVariables(body.let);
    const coll = this.collection(ctx.db, body.findAndModify);
    this.checkHint(coll, body.hint);
    const [doc] = this.query(coll, filter, { sort: object(body.sort, "sort"), limit: 1, variables });
    if (body.remove) {
      if (doc) coll!.remove(valueKey(doc._id));
      return { lastErrorObject: { n: doc ? 1 : 0 }, value: project(doc ?? null), ok: 1 };
    }
    validateUpdate(body.update);
    const arrayFilters = validateArrayFilters(body.update, body.arrayFilters);
    if (doc) {
      const next = applyUpdate(doc, body.update, { arrayFilters, filter, variables });
      if (next !== doc) coll!.replace(valueKey(doc._id), next);
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(body.new ? next : doc), ok: 1 };
    }
    if (body.upsert) {
      const created = upsertDocument(filter, body.update, arrayFilters, variables);
      // Created only now, as in mongod (not by an invalid update).
      this.collection(ctx.db, body.findAndModify, true).insert(created);
      return {
        lastErrorObject: { n: 1, updatedExisting: false, upserted: created._id },
        value: project(body.new ? created : null),
        ok: 1,
      };
    }
    return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  }

  // --- collections and indexes ---------------------------------------------------

  private create(ctx: CommandContext): Document {
    const { body } = ctx;
    const name = validateCollName(ctx.db, body.create);
    // Other options are refused before this runs (options.ts).
    if (body.capped) throw notImplemented("the 'capped' option of create");
    if (this.view(ctx.db, name) || this.dbs.get(ctx.db)?.has(name)) {
      throw new CommandError("NamespaceExists", `Collection ${ctx.db}.${name} already exists.`);
    }
    if (body.viewOn !== undefined) this.defineView(ctx.db, name, body.viewOn, body.pipeline ?? []);
    else if (body.pipeline !== undefined) throw new CommandError("BadValue", "'pipeline' requires 'viewOn' to also be specified");
    else this.collection(ctx.db, name, true);
    return { ok: 1 };
  }

  /** Creates or changes the view `db.name`, after mongod's checks of its definition. */
  private defineView(db: string, name: string, viewOn: unknown, pipeline: unknown): void {
    if (typeof viewOn !== "string") throw new CommandError("TypeMismatch", "'viewOn' must be a string");
    validateCollName(db, viewOn);
    if (!Array.isArray(pipeline) || !pipeline.every(isDocument)) {
      throw new CommandError("InvalidViewDefinition", "'pipeline' must be an array of stage objects");
    }
    const writer = outputStage(pipeline);
    checkPipelineFields(pipeline);
    if (writer) throw new CommandError("OptionNotSupportedOnView", `${writer.name} cannot be used in a view definition`);
    const chain = [name];
    for (let on: string | undefined = viewOn; on !== undefined; on = this.view(db, on)?.viewOn) {
      if (on === name) throw new CommandError("GraphContainsCycle", `View cycle detected: [${[...chain, on].join(" => ")}]`);
      chain.push(on);
      if (chain.length > MAX_VIEW_DEPTH + 1) {
        throw new CommandError("ViewDepthLimitExceeded", `View depth too deep or view cycle detected. Maximum depth is ${MAX_VIEW_DEPTH}`);
      }
    }
    if (!this.views.has(db)) this.views.set(db, new Map());
    this.views.get(db)!.set(name, { viewOn, pipeline });
  }

  private collMod(ctx: CommandContext): Document {
    const { body } = ctx;
    const name = validateCollName(ctx.db, body.collMod);
    const view = this.view(ctx.db, name);
    if (view) {
      if (body.index !== undefined) throw new CommandError("InvalidOptions", "option not supported on a view: index");
      if (body.viewOn !== undefined || body.pipeline !== undefined) {
        this.defineView(ctx.db, name, body.viewOn ?? view.viewOn, body.pipeline ?? view.pipeline);
      }
      return { ok: 1 };
    }
    const coll = this.collection(ctx.db, name);
    if (!coll) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ctx.db}.${name}`);
    for (const option of ["viewOn", "pipeline"]) {
      if (body[option] !== undefined) throw new CommandError("InvalidOptions", `option only supported on a view: ${option}`);
    }
    const index = object(body.index, "index");
    return { ...(index ? modifyIndex(coll, index) : {}), ok: 1 };
  }

  private drop(ctx: CommandContext): Document {
    const name = validateCollName(ctx.db, ctx.body.drop);
    if (this.views.get(ctx.db)?.delete(name)) return { ns: `${ctx.db}.${name}`, ok: 1 };
    const coll = this.collection(ctx.db, name);
    if (!coll) return { ok: 1 };
    this.dbs.get(ctx.db)!.delete(name);
    return { ns: coll.ns, nIndexesWas: coll.indexSpecs().length, ok: 1 };
  }

  private listCollections(ctx: CommandContext): Document {
    const colls = [...(this.dbs.get(ctx.db)?.entries() ?? [])];
    let infos: Document[] = colls.map(([name, coll]) => ({
      name,
      type: "collection",
      options: {},
      info: { readOnly: false, uuid: coll.uuid },
      idIndex: { v: 2, key: { _id: 1 }, name: "_id_" },
    }));
    for (const [name, { viewOn, pipeline }] of this.views.get(ctx.db) ?? []) {
      infos.push({ name, type: "view", options: { viewOn, pipeline }, info: { readOnly: true } });
    }
    const filter = object(ctx.body.filter, "filter");
    if (filter) infos = find(infos, filter).all();
    if (ctx.body.nameOnly) infos = infos.map((i) => ({ name: i.name, type: i.type }));
    const batchSize = int(object(ctx.body.cursor, "cursor")?.batchSize, "batchSize", DEFAULT_FIRST_BATCH);
    return this.cursorReply(`${ctx.db}.$cmd.listCollections`, infos, batchSize, false);
  }

  private createIndexes(ctx: CommandContext): Document {
    const specs = ctx.body.indexes;
    if (!Array.isArray(specs) || specs.length === 0) {
      throw new CommandError("BadValue", "Must specify at least one index to create");
    }
    const parsed = specs.map((s) => parseIndexSpec(s));
    const existed = Boolean(this.collection(ctx.db, ctx.body.createIndexes));
    const coll = this.collection(ctx.db, ctx.body.createIndexes, true);
    const before = coll.indexSpecs().length;
    const created: string[] = [];
    try {
      for (const spec of parsed) if (coll.createIndex(spec)) created.push(spec.name);
    } catch (err) {
      for (const name of created) coll.dropIndex(name); // all or nothing, as in mongod
      throw err;
    }
    return {
      numIndexesBefore: before,
      numIndexesAfter: coll.indexSpecs().length,
      createdCollectionAutomatically: !existed,
      ...(created.length ? {} : { note: "all indexes already exist" }),
      ok: 1,
    };
  }

  private listIndexes(ctx: CommandContext): Document {
    const collName = validateCollName(ctx.db, ctx.body.listIndexes);
    const coll = this.collection(ctx.db, collName);
    if (!coll) throw new CommandError("NamespaceNotFound", `ns does not exist: ${ctx.db}.${collName}`);
    const batchSize = int(object(ctx.body.cursor, "cursor")?.batchSize, "batchSize", DEFAULT_FIRST_BATCH);
    return this.cursorReply(
      coll.ns,
      coll.indexSpecs().map((s) => ({ ...s })),
      batchSize,
      false,
    );
  }

  private dropIndexes(ctx: CommandContext): Document {
    const collName = validateCollName(ctx.db, ctx.body.dropIndexes);
    const coll = this.collection(ctx.db, collName);
    if (!coll) throw new CommandError("NamespaceNotFound", `ns not found ${ctx.db}.${collName}`);
    const was = coll.indexSpecs().length;
    const index = ctx.body.index;
    if (index === "*") coll.dropAllIndexes();
    else if (typeof index === "string") coll.dropIndex(index);
    else if (Array.isArray(index)) {
      for (const name of index)
        if (!coll.hasIndex(String(name))) throw new CommandError("IndexNotFound", `index not found with name [${name}]`);
      for (const name of index) coll.dropIndex(String(name));
    } else if (index && typeof index === "object") {
      const name = coll.indexNameForKey(index as Document);
      if (!name) throw new CommandError("IndexNotFound", `can't find index with key: ${JSON.stringify(index)}`);
      coll.dropIndex(name);
    } else {
      throw new CommandError("BadValue", "dropIndexes needs an index name, key pattern, list of names or '*'");
    }
    return { nIndexesWas: was, ok: 1 };
  }
}

/** Stages that never write into the documents they read (mingo builds new ones). */
const NON_MUTATING_STAGES = new Set(["$match", "$project", "$group", "$count", "$sort", "$limit", "$skip", "$sortByCount"]);

/** Whether a pipeline may write into its input documents, which are then given copies. */
function pipelineMutatesInput(stages: Document[]): boolean {
  return stages.some((stage) => {
    const [name, spec] = Object.entries(stage ?? {})[0] ?? [];
    if (name === "$facet")
      return Object.values((spec ?? {}) as Record<string, Document[]>).some((sub) => !Array.isArray(sub) || pipelineMutatesInput(sub));
    // mingo's $unwind writes includeArrayIndex, and removes an empty array, in its input.
    if (name === "$unwind") return typeof spec !== "string";
    // A nested exclusion ("a.b": 0, a: { b: 0 }) is made in place by mingo's $project: in the
    // stored document itself after a native $replaceWith of $$ROOT or a $unionWith.
    if (name === "$project") return !isDocument(spec) || Object.entries(spec).some(([k, v]) => k.includes(".") || isDocument(v));
    return !NON_MUTATING_STAGES.has(name ?? "");
  });
}

function parseIndexSpec(raw: unknown): IndexSpec {
  const spec = raw as Document;
  if (!spec || typeof spec !== "object" || !spec.key || typeof spec.key !== "object" || !Object.keys(spec.key).length) {
    throw new CommandError("CannotCreateIndex", "index specification must have a non-empty 'key' object");
  }
  if (typeof spec.name !== "string" || !spec.name) {
    throw new CommandError("CannotCreateIndex", "index specification must have a 'name' string");
  }
  for (const [field, dir] of Object.entries(spec.key as Document)) {
    if (dir === "hashed") continue;
    if (typeof dir === "string") {
      throw new CommandError("CannotCreateIndex", `the embedded engine does not support '${dir}' indexes (field '${field}')`);
    }
    if (Number(dir) === 0 || !Number.isFinite(Number(dir))) {
      throw new CommandError("CannotCreateIndex", `Values in the index key pattern can't be 0 or non-numbers (field '${field}')`);
    }
  }
  checkIndexFields(spec);
  refuseCollation(spec.collation);
  // The engine expires documents by single-field TTL indexes only, as mongod does.
  if (spec.expireAfterSeconds !== undefined && Object.keys(spec.key).length !== 1) {
    throw new CommandError(
      "CannotCreateIndex",
      `TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: ${JSON.stringify(spec)}`,
    );
  }
  const { v: _v, ...rest } = spec;
  return { v: 2, ...rest } as IndexSpec;
}

const INDEX_CHANGES = new Set(["keyPattern", "name", "expireAfterSeconds", "hidden"]);

/** collMod's `index`: a TTL index's expireAfterSeconds (or a single-field index made one), or `hidden`. */
function modifyIndex(coll: Collection, change: Document): Document {
  for (const field of Object.keys(change)) {
    if (field === "prepareUnique" || field === "unique" || field === "forceNonUnique") throw notImplemented(`collMod's 'index.${field}'`);
    if (!INDEX_CHANGES.has(field)) throw new CommandError("Location40415", `BSON field 'collMod.index.${field}' is an unknown field.`);
  }
  if ((change.name === undefined) === (change.keyPattern === undefined)) {
    throw new CommandError("InvalidOptions", "must specify either index name or key pattern");
  }
  const spec = coll
    .indexSpecs()
    .find((s) => (change.name !== undefined ? s.name === change.name : valueKey(s.key) === valueKey(change.keyPattern)));
  if (!spec)
    throw new CommandError("IndexNotFound", `cannot find index ${JSON.stringify(change.name ?? change.keyPattern)} for ns ${coll.ns}`);
  const reply: Document = {};
  const changes: { expireAfterSeconds?: number; hidden?: boolean } = {};
  if (change.expireAfterSeconds !== undefined) {
    const seconds = change.expireAfterSeconds;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
      throw new CommandError("InvalidOptions", "TTL index 'expireAfterSeconds' option must be a non-negative integer");
    }
    if (spec.name === "_id_") throw new CommandError("InvalidOptions", "the _id field does not support TTL indexes");
    if (Object.keys(spec.key).length !== 1) {
      throw new CommandError("InvalidOptions", "TTL indexes are single-field indexes, compound indexes do not support TTL");
    }
    if (spec.expireAfterSeconds !== seconds)
      Object.assign(reply, { expireAfterSeconds_old: spec.expireAfterSeconds, expireAfterSeconds_new: seconds });
    changes.expireAfterSeconds = seconds;
  }
  if (change.hidden !== undefined) {
    if (typeof change.hidden !== "boolean")
      throw new CommandError("TypeMismatch", "BSON field 'collMod.index.hidden' is the wrong type, expected type 'bool'");
    if (spec.name === "_id_") throw new CommandError("BadValue", "can't hide _id index");
    if (Boolean(spec.hidden) !== change.hidden) Object.assign(reply, { hidden_old: Boolean(spec.hidden), hidden_new: change.hidden });
    changes.hidden = change.hidden;
  }
  if (Object.keys(changes).length) coll.setIndexOptions(spec.name, changes);
  return reply;
}

/** `$documents`' argument: an expression that gives an array of documents. */
function documentsStage(spec: unknown, variables?: Document): Document[] {
  const docs = evaluate(spec, {}, variables);
  if (!Array.isArray(docs)) throw new CommandError("Location5858203", "an array is expected");
  for (const doc of docs) {
    if (!isDocument(doc)) {
      throw new CommandError(
        "Location40228",
        `'newRoot' expression must evaluate to an object, but resulting value was: ${JSON.stringify(doc)}`,
      );
    }
  }
  return docs as Document[];
}

/** Takes up to `count` documents from `pos`, keeping the reply under the BSON size limit. */
function takeBatch(docs: Document[], pos: number, count: number): Document[] {
  const out: Document[] = [];
  let bytes = 0;
  for (let i = pos; i < docs.length && out.length < count; i++) {
    const size = calculateObjectSize(docs[i]);
    if (out.length > 0 && bytes + size > MAX_BSON_SIZE - 16 * 1024) break;
    bytes += size;
    out.push(docs[i]);
  }
  return out;
}
