// Where one subgraph must check a record another subgraph owns (an ACTIVE volunteer before
// an assignment or a sign-up; a household before aid is recorded), it does so here, and
// only here. This relies on one fact of the deployment: a region's subgraphs share that
// region's database (one database per region, served by one region host or by separate
// processes on the same MongoDB). The owning subgraphs keep these collections under the
// names below and these stored values; no subgraph imports another's data layer.
import type { ObjectId } from "bson";
import type { Db } from "mongodb";
import { badInput, conflict, notFound } from "./errors.js";
import { decodeId } from "./ids.js";

/** The collections of a region's database that another subgraph reads, by owner. */
export const SHARED_COLLECTIONS = {
  volunteers: "volunteers",
  volunteerGroups: "volunteer_groups",
  organisations: "organisations",
  beneficiaries: "beneficiaries",
  helpRequests: "help_requests",
} as const;

/** The stored statuses these checks look at (the owners' enums store exactly these). */
const VOLUNTEER_ACTIVE = "ACTIVE";
const CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN";
const HELP_FULFILLED = "FULFILLED";

/** A volunteer of this region who exists and is ACTIVE; NOT_FOUND or CONFLICT naming `field` otherwise. */
export async function requireActiveVolunteer(db: Db, _id: ObjectId, id: string, field: string, forWhat: string): Promise<void> {
  const record = await db
    .collection<{ _id: ObjectId; status: string }>(SHARED_COLLECTIONS.volunteers)
    .findOne({ _id }, { projection: { status: 1 } });
  if (!record) throw notFound(`${field}: no volunteer ${id}`, { field, id });
  if (record.status !== VOLUNTEER_ACTIVE)
    throw conflict(`${field}: volunteer ${id} is ${record.status}; only ACTIVE volunteers can ${forWhat}`, { field });
}

/** A volunteer of this region who exists (in any status); NOT_FOUND naming `field` otherwise. */
export async function requireVolunteer(db: Db, _id: ObjectId, id: string, field: string): Promise<void> {
  const found = await db.collection<{ _id: ObjectId }>(SHARED_COLLECTIONS.volunteers).countDocuments({ _id }, { limit: 1 });
  if (!found) throw notFound(`${field}: no volunteer ${id}`, { field, id });
}

/**
 * A household of this region to record aid to, with its size: NOT_FOUND when there is none,
 * CONFLICT once it has withdrawn consent (recording aid is processing its data).
 */
export async function requireConsentingBeneficiary(db: Db, _id: ObjectId, id: string, field: string): Promise<{ householdSize: number }> {
  const record = await db
    .collection<{ _id: ObjectId; status: string; householdSize: number }>(SHARED_COLLECTIONS.beneficiaries)
    .findOne({ _id }, { projection: { status: 1, householdSize: 1 } });
  if (!record) throw notFound(`${field}: no beneficiary ${id}`, { field, id });
  if (record.status === CONSENT_WITHDRAWN) {
    throw conflict(`${field}: beneficiary ${id} has withdrawn consent; enrol the household again to record aid`, { field });
  }
  return { householdSize: record.householdSize };
}

/** The size of each of these households of this region (those found), for aggregates. */
export async function householdSizes(db: Db, ids: ObjectId[]): Promise<Map<string, number>> {
  const docs = await db
    .collection<{ _id: ObjectId; householdSize: number }>(SHARED_COLLECTIONS.beneficiaries)
    .find({ _id: { $in: ids } }, { projection: { householdSize: 1 } })
    .toArray();
  return new Map(docs.map((d) => [d._id.toHexString(), d.householdSize]));
}

/**
 * An organisation registered with this region, for a record of this region to point at
 * (organisations of other regions register here too if they work here): its id, checked;
 * null when none is given (a record may have none).
 */
export async function requireOrganisation(db: Db, id: string | null | undefined, region: string, field: string): Promise<string | null> {
  if (!id) return null;
  const { region: home, objectId } = decodeId(id, "Organisation", field);
  if (home !== region) {
    throw badInput(
      `${field}: organisation ${id} is registered with ${home}; records of ${region} point at organisations registered with ${region}`,
      {
        field,
      },
    );
  }
  const found = await db.collection<{ _id: ObjectId }>(SHARED_COLLECTIONS.organisations).countDocuments({ _id: objectId }, { limit: 1 });
  if (!found) throw notFound(`${field}: no organisation ${id}`, { field, id });
  return id;
}

/** The organisation a volunteer of this region works for: their group's, if any. */
export async function organisationOfVolunteer(db: Db, _id: ObjectId): Promise<string | null> {
  const volunteer = await db
    .collection<{ _id: ObjectId; groupId: ObjectId | null }>(SHARED_COLLECTIONS.volunteers)
    .findOne({ _id }, { projection: { groupId: 1 } });
  if (!volunteer?.groupId) return null;
  const group = await db
    .collection<{ _id: ObjectId; organisationId?: string | null }>(SHARED_COLLECTIONS.volunteerGroups)
    .findOne({ _id: volunteer.groupId }, { projection: { organisationId: 1 } });
  return group?.organisationId ?? null;
}

/** A help request fulfilled in a period, as a 3W report counts it (no personal field). */
export interface FulfilledHelp {
  need: string;
  /** The household (its _id), or null for a caller not enrolled. */
  beneficiaryId: ObjectId | null;
  organisationId: string | null;
  /** For a caller not enrolled: `callerKey` of their phone (null when they left none). */
  caller: string | null;
  fulfilledAt: Date;
}

/** Help requests of this region fulfilled from `from` to `to` (by the history entry that fulfilled them). */
export async function* helpFulfilledIn(db: Db, from: Date, to: Date, callerKey: (phone: string) => string): AsyncGenerator<FulfilledHelp> {
  const cursor = db
    .collection<{
      need: string;
      beneficiaryId: ObjectId | null;
      organisationId?: string | null;
      contactPhone: string | null;
      history: Array<{ to: string; at: Date }>;
    }>(SHARED_COLLECTIONS.helpRequests)
    .find(
      { history: { $elemMatch: { to: HELP_FULFILLED, at: { $gte: from, $lt: to } } } },
      { projection: { _id: 0, need: 1, beneficiaryId: 1, organisationId: 1, contactPhone: 1, "history.to": 1, "history.at": 1 } },
    )
    .batchSize(5000);
  for await (const r of cursor) {
    const at = r.history.find((h) => h.to === HELP_FULFILLED)?.at;
    if (!at || at < from || at >= to) continue;
    const caller = !r.beneficiaryId && r.contactPhone ? callerKey(r.contactPhone) : null;
    yield { need: r.need, beneficiaryId: r.beneficiaryId, organisationId: r.organisationId ?? null, caller, fulfilledAt: at };
  }
}
