// The audit trail: who read personal data or changed records about people, when, in which
// operation, which records. Append-only by construction: this module only inserts, and
// nothing in the project updates or deletes audit entries.
import { ObjectId } from "bson";
import type { Collection, Db } from "mongodb";
import type { Access } from "./auth.js";
import { isDuplicateKey, type IndexPlan } from "./mongo.js";

export interface AuditDoc {
  _id: ObjectId;
  at: Date;
  /** The caller's `sub` and role; never names or phones. */
  actor: string;
  role: string;
  /**
   * COMPARE: a household's national match token compared with another region's (`peer`).
   * SEARCH_PERSONAL: records searched by what they hold about people (a name, a phone): the
   * records returned, none included; never the search text, which is itself personal.
   */
  action: "READ_PERSONAL" | "WRITE" | "COMPARE" | "SEARCH_PERSONAL";
  /** The GraphQL operation (or mutation field) it happened in. */
  operation: string;
  entity: string;
  ids: string[];
  requestId: string | null;
  /** COMPARE: the other regions, and what each comparison found. */
  compared?: Comparison[];
}

/**
 * MATCH / NO_MATCH: the other region answered; INCOMPLETE: no match among the households it
 * could compare, but it has some it cannot; UNREACHABLE: asked, but no (valid) answer in time.
 */
export type ComparisonOutcome = "MATCH" | "NO_MATCH" | "INCOMPLETE" | "UNREACHABLE";

export interface Comparison {
  region: string;
  outcome: ComparisonOutcome;
  /** The message's id: the same in both regions' entries. */
  message: string;
}

/**
 * Records that another region compared a token with this region's records (it has no
 * caller of this region: the region itself is the actor).
 */
export async function recordComparison(
  db: Db,
  peer: string,
  operation: string,
  entity: string,
  ids: string[],
  outcome: ComparisonOutcome,
  message: string,
) {
  const who = { actor: peer, role: "REGION", requestId: null };
  await auditOf(db).insertOne({ ...entry(who, "COMPARE", operation, entity, ids), compared: [{ region: peer, outcome, message }] });
}

/** An entry for `who` did `action` in `operation` on `entity` records `ids`, now. */
function entry(
  who: Pick<AuditDoc, "actor" | "role" | "requestId">,
  action: AuditDoc["action"],
  operation: string,
  entity: string,
  ids: string[],
): AuditDoc {
  return { _id: new ObjectId(), at: new Date(), ...who, action, operation, entity, ids };
}

const AUDIT = "audit_log";
export const auditIndexes: IndexPlan = { [AUDIT]: [{ key: { at: -1, _id: -1 }, name: "newest_first" }] };
export const auditOf = (db: Db): Collection<AuditDoc> => db.collection<AuditDoc>(AUDIT);

/** Inserts an entry; with `once`, under that id, recorded once however often it is inserted. */
async function insertEntry(db: Db, entry: AuditDoc, once?: ObjectId): Promise<void> {
  try {
    await auditOf(db).insertOne(once ? { ...entry, _id: once } : entry);
  } catch (err) {
    if (!(once && isDuplicateKey(err))) throw err;
  }
}

/**
 * Records, once per `once`, a write made for `actor` (`ROLE:subject`, as operations store it)
 * that may be finished outside its request (a stock operation a crash interrupted).
 */
export async function recordWrite(db: Db, actor: string, operation: string, entity: string, ids: string[], once: ObjectId): Promise<void> {
  const split = actor.indexOf(":");
  const who = { actor: split < 0 ? actor : actor.slice(split + 1), role: split < 0 ? "UNKNOWN" : actor.slice(0, split), requestId: null };
  await insertEntry(db, entry(who, "WRITE", operation, entity, ids), once);
}

/** One request's audit: writes are recorded as they happen, reads collected and flushed at the end. */
export class AuditTrail {
  private readonly reads = new Map<string, Set<string>>();

  constructor(
    private readonly db: Db,
    private readonly access: Access,
    private readonly requestId: string | null,
    private operation: string,
  ) {}

  setOperation(name: string | null | undefined): void {
    if (name) this.operation = name;
  }

  private entry(action: AuditDoc["action"], operation: string, entity: string, ids: string[]): AuditDoc {
    const who = { actor: this.access.caller?.sub ?? "anonymous", role: this.access.caller?.role ?? "ANONYMOUS", requestId: this.requestId };
    return entry(who, action, operation, entity, ids);
  }

  /**
   * Records a successful write; awaited, so the change is never reported without its record.
   * `once`: the entry's own id, for a write a repeat may complete again (a keyed create): it is
   * recorded once however often that happens.
   */
  async write(operation: string, entity: string, ids: string[], once?: ObjectId): Promise<void> {
    await insertEntry(this.db, this.entry("WRITE", operation, entity, ids), once);
  }

  /** Records the comparisons of one record's token with other regions: one entry, every region asked in it. */
  async compared(operation: string, entity: string, id: string, compared: Comparison[]): Promise<void> {
    if (compared.length) await auditOf(this.db).insertOne({ ...this.entry("COMPARE", operation, entity, [id]), compared });
  }

  /**
   * Records a search by personal fields, whatever it found: a search tells who is enrolled even
   * when no personal field is read back.
   */
  async searched(entity: string, ids: string[]): Promise<void> {
    await auditOf(this.db).insertOne(this.entry("SEARCH_PERSONAL", this.operation, entity, ids));
  }

  /** Notes that personal fields of a record were read in this request. */
  read(entity: string, id: string): void {
    let ids = this.reads.get(entity);
    if (!ids) this.reads.set(entity, (ids = new Set()));
    ids.add(id);
  }

  /** Writes one entry per entity whose personal fields were read. */
  async flush(): Promise<void> {
    const entries = [...this.reads].map(([entity, ids]) => this.entry("READ_PERSONAL", this.operation, entity, [...ids]));
    this.reads.clear();
    if (entries.length) await auditOf(this.db).insertMany(entries);
  }
}
