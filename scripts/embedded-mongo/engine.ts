// The command layer of the embedded engine: databases of collections, cursors, and one
// handler per MongoDB command. Every handler runs synchronously to completion, so each
// single-document write is atomic exactly as it is in mongod.
import { calculateObjectSize, Long, ObjectId } from "bson";
import { Aggregator, find, Query } from "mingo";
import type { Options as MingoOptions } from "mingo/types";
import { cloneDoc } from "./clone.js";
import { Collection, type IndexSpec } from "./collection.js";
import { asCommandError, CommandError, isUserError } from "./errors.js";
import { isDocument, valueKey, valuesAtPath, type Document } from "./keys.js";
import { plainProjection, runPipeline } from "./pipeline.js";
import { applyUpdate, isOperatorUpdate, upsertDocument, validateUpdate } from "./update.js";

const MAX_BSON_SIZE = 16 * 1024 * 1024;
const DEFAULT_FIRST_BATCH = 101;
const CURSOR_IDLE_MS = 10 * 60_000;
const SERVER_VERSION = "7.0.0";

interface CursorState {
  ns: string;
  docs: Document[];
  pos: number;
  lastUsed: number;
}

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

function validateCollName(db: string, name: unknown): string {
  if (typeof name !== "string" || !name || name.includes("$") || name.includes("\0") || name.startsWith(".")) {
    throw new CommandError("InvalidNamespace", `Invalid namespace specified '${db}.${String(name)}'`);
  }
  return name;
}

export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
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
    };
  }

  /** Runs one command and always returns a reply document (errors in mongod's shape). */
  run(ctx: CommandContext): Document {
    const name = Object.keys(ctx.body)[0] ?? "";
    try {
      if (ctx.body.startTransaction || ctx.body.autocommit === false || /^(commit|abort)Transaction$/.test(name)) {
        // What a standalone mongod answers: the design needs no multi-document transactions.
        throw new CommandError(
          "IllegalOperation",
          "Transaction numbers are only allowed on a replica set member or mongos (the embedded engine runs no transactions)",
        );
      }
      const handler = this.handlers[name.toLowerCase()];
      if (!handler) throw new CommandError("CommandNotFound", `no such command: '${name}'`);
      validateDbName(ctx.db);
      return handler(ctx);
    } catch (err) {
      if (isUserError(err)) return asCommandError(err).toResponse();
      this.log(`internal error in '${name}': ${err instanceof Error ? err.stack : String(err)}`);
      return new CommandError("InternalError", `internal error in '${name}': ${(err as Error).message}`).toResponse();
    }
  }

  /** Drops idle cursors and expired TTL documents; called periodically by the server. */
  sweep(now = Date.now()): void {
    for (const [id, c] of this.cursors) if (now - c.lastUsed > CURSOR_IDLE_MS) this.cursors.delete(id);
    for (const db of this.dbs.values()) for (const coll of db.values()) coll.expire(now);
  }

  // --- namespaces ----------------------------------------------------------------

  private collection(db: string, name: unknown, create: true): Collection;
  private collection(db: string, name: unknown, create?: boolean): Collection | undefined;
  private collection(db: string, name: unknown, create = false): Collection | undefined {
    const collName = validateCollName(db, name);
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

  private checkHint(coll: Collection | undefined, hint: unknown): void {
    if (hint === undefined || hint === null || !coll) return;
    const name = typeof hint === "string" ? hint : coll.indexNameForKey(hint as Document);
    if (!name || !coll.hasIndex(name)) {
      throw new CommandError("BadValue", "hint provided does not correspond to an existing index");
    }
  }

  /** Filter, sort, skip, limit and project, using the _id map or an index when it can. */
  private query(
    coll: Collection | undefined,
    filter: Document | undefined,
    opts: { sort?: Document; skip?: number; limit?: number; projection?: Document; collation?: MingoOptions["collation"] } = {},
  ): Document[] {
    const mingoOpts: Partial<MingoOptions> = opts.collation ? { collation: opts.collation } : {};
    // Compile first: a malformed filter is an error even when the collection is missing.
    const compiled = new Query(filter ?? {}, mingoOpts);
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
    let cursor = compiled.find(candidates, plain ? undefined : projection);
    if (sort) cursor = cursor.sort(sort);
    if (opts.skip) cursor = cursor.skip(opts.skip);
    if (opts.limit) cursor = cursor.limit(opts.limit);
    const docs = cursor.all() as Document[];
    return plain ? plain(docs) : docs;
  }

  /** Builds a cursor reply; documents past the first batch wait for getMore. */
  private cursorReply(ns: string, docs: Document[], batchSize: number, singleBatch: boolean): Document {
    const first = takeBatch(docs, 0, batchSize);
    let id = 0;
    if (!singleBatch && first.length < docs.length) {
      do id = Math.floor(Math.random() * Number.MAX_SAFE_INTEGER);
      while (id === 0 || this.cursors.has(String(id)));
      this.cursors.set(String(id), { ns, docs, pos: first.length, lastUsed: Date.now() });
    }
    return { cursor: { firstBatch: first, id: Long.fromNumber(id), ns }, ok: 1 };
  }

  private find(ctx: CommandContext): Document {
    const { body } = ctx;
    const collName = validateCollName(ctx.db, body.find);
    const coll = this.collection(ctx.db, collName);
    this.checkHint(coll, body.hint);
    const limit = int(body.limit, "limit", 0);
    const docs = this.query(coll, object(body.filter, "filter"), {
      sort: object(body.sort, "sort"),
      skip: int(body.skip, "skip", 0),
      limit: Math.abs(limit),
      projection: object(body.projection, "projection"),
      collation: object(body.collation, "collation") as MingoOptions["collation"],
    });
    const batchSize = body.batchSize === undefined ? DEFAULT_FIRST_BATCH : int(body.batchSize, "batchSize", 0);
    return this.cursorReply(`${ctx.db}.${collName}`, docs, batchSize, Boolean(body.singleBatch) || limit < 0);
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
    if (body.aggregate === 1)
      throw new CommandError("InvalidNamespace", "collection-less aggregation is not supported by the embedded engine");
    const stages = body.pipeline as Document[];
    for (const stage of stages) {
      const name = Object.keys(stage ?? {})[0];
      if (name === "$out" || name === "$merge") {
        throw new CommandError("IllegalOperation", `${name} is not supported by the embedded engine`);
      }
    }
    const collName = validateCollName(ctx.db, body.aggregate);
    const coll = this.collection(ctx.db, collName);
    this.checkHint(coll, body.hint);
    // A leading $match goes through the index-aware query; the rest runs natively where it
    // can (pipeline.ts), in mingo on copies where a stage may write into its input.
    const [head, ...tail] = stages;
    const leadingMatch = head && "$match" in head ? (head.$match as Document) : undefined;
    const matched = leadingMatch ? this.query(coll, leadingMatch) : coll ? [...coll.docs.values()] : [];
    const pipeline = leadingMatch ? tail : stages;
    const opts: Partial<MingoOptions> = {
      collectionResolver: (name: string) => [...(this.collection(ctx.db, name)?.docs.values() ?? [])].map(cloneDoc),
      ...(body.collation ? { collation: body.collation as MingoOptions["collation"] } : {}),
      ...(body.let ? { variables: body.let as Document } : {}),
    };
    const docs = runPipeline(
      matched,
      pipeline,
      (filter) => {
        const query = new Query(filter, opts);
        return (doc) => query.test(doc);
      },
      (input, rest) => new Aggregator(rest, opts).run<Document>(pipelineMutatesInput(rest) ? input.map(cloneDoc) : input),
    );
    const cursorOpts = object(body.cursor, "cursor") ?? {};
    const batchSize = cursorOpts.batchSize === undefined ? DEFAULT_FIRST_BATCH : int(cursorOpts.batchSize, "batchSize", 0);
    return this.cursorReply(`${ctx.db}.${collName}`, docs, batchSize, false);
  }

  private count(ctx: CommandContext): Document {
    const coll = this.collection(ctx.db, ctx.body.count);
    const query = object(ctx.body.query, "query");
    const skip = int(ctx.body.skip, "skip", 0);
    const limit = Math.abs(int(ctx.body.limit, "limit", 0));
    if (!query || !Object.keys(query).length) {
      const n = Math.max(0, (coll?.size ?? 0) - skip);
      return { n: limit ? Math.min(n, limit) : n, ok: 1 };
    }
    return { n: this.query(coll, query, { skip, limit }).length, ok: 1 };
  }

  private distinct(ctx: CommandContext): Document {
    const key = ctx.body.key;
    if (typeof key !== "string" || !key) throw new CommandError("FailedToParse", "distinct requires a 'key' string");
    const coll = this.collection(ctx.db, ctx.body.distinct);
    const seen = new Map<string, unknown>();
    for (const doc of this.query(coll, object(ctx.body.query, "query"))) {
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
    // `sort` on an update statement came with 8.0; a 7.0 server (the version this engine
    // reports) refuses the whole command, as here, rather than updating another document.
    if (Array.isArray(ctx.body.updates) && (ctx.body.updates as unknown[]).some((st) => isDocument(st) && "sort" in st)) {
      throw new CommandError("Location40415", "BSON field 'update.updates.sort' is an unknown field.");
    }
    const coll = this.collection(ctx.db, ctx.body.update, true);
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const writeErrors = this.writeBatch<Document>(ctx.body.updates, "updates", ctx.body.ordered !== false, (st, index) => {
      const filter = object(st.q, "q") ?? {};
      validateUpdate(st.u);
      if (st.multi && !Array.isArray(st.u) && !isOperatorUpdate(st.u)) {
        throw new CommandError("FailedToParse", "multi update is not supported for replacement-style update");
      }
      const arrayFilters = st.arrayFilters as Document[] | undefined;
      this.checkHint(coll, st.hint);
      const matches = this.query(coll, filter, { limit: st.multi ? 0 : 1 });
      if (matches.length === 0 && st.upsert) {
        const doc = upsertDocument(filter, st.u, arrayFilters);
        coll.insert(doc);
        n++;
        upserted.push({ index, _id: doc._id });
        return;
      }
      for (const doc of matches) {
        n++;
        const next = applyUpdate(doc, st.u, { arrayFilters, filter });
        if (next !== doc) {
          coll.replace(valueKey(doc._id), next);
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
    const coll = this.collection(ctx.db, ctx.body.delete);
    let n = 0;
    const writeErrors = this.writeBatch<Document>(ctx.body.deletes, "deletes", ctx.body.ordered !== false, (st) => {
      const limit = int(st.limit, "limit", 0);
      if (limit !== 0 && limit !== 1) throw new CommandError("FailedToParse", "The limit field in delete objects must be 0 or 1");
      this.checkHint(coll, st.hint);
      for (const doc of this.query(coll, object(st.q, "q") ?? {}, { limit })) {
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
    const coll = this.collection(ctx.db, body.findAndModify, Boolean(body.upsert));
    const [doc] = this.query(coll, filter, { sort: object(body.sort, "sort"), limit: 1 });
    if (body.remove) {
      if (doc) coll!.remove(valueKey(doc._id));
      return { lastErrorObject: { n: doc ? 1 : 0 }, value: project(doc ?? null), ok: 1 };
    }
    validateUpdate(body.update);
    const arrayFilters = body.arrayFilters as Document[] | undefined;
    if (doc) {
      const next = applyUpdate(doc, body.update, { arrayFilters, filter });
      if (next !== doc) coll!.replace(valueKey(doc._id), next);
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(body.new ? next : doc), ok: 1 };
    }
    if (body.upsert) {
      const created = upsertDocument(filter, body.update, arrayFilters);
      coll!.insert(created);
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
    const name = validateCollName(ctx.db, ctx.body.create);
    for (const option of ["capped", "viewOn", "timeseries", "validator", "clusteredIndex", "collation"]) {
      if (ctx.body[option] !== undefined && ctx.body[option] !== false) {
        throw new CommandError("InvalidOptions", `the embedded engine does not support the '${option}' option of create`);
      }
    }
    if (this.collection(ctx.db, name)) {
      throw new CommandError("NamespaceExists", `Collection ${ctx.db}.${name} already exists.`);
    }
    this.collection(ctx.db, name, true);
    return { ok: 1 };
  }

  private drop(ctx: CommandContext): Document {
    const name = validateCollName(ctx.db, ctx.body.drop);
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
  if (spec.collation) throw new CommandError("CannotCreateIndex", "the embedded engine does not support index collations");
  const { v: _v, ...rest } = spec;
  return { v: 2, ...rest } as IndexSpec;
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
