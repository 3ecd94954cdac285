// Where one subgraph must check a record another subgraph owns (an ACTIVE volunteer before
// an assignment or a sign-up; a household before aid is recorded), it does so here, and
// only here. This relies on one fact of the deployment: a region's subgraphs share that
// region's database (one database per region, served by one region host or by separate
// processes on the same MongoDB). The owning subgraphs keep these collections under the
// names below and these stored values; no subgraph imports another's data layer.
import type { ObjectId } from "bson";
import type { Db } from "mongodb";
import { conflict, notFound } from "./errors.js";

/** The collections of a region's database that another subgraph reads, by owner. */
export const SHARED_COLLECTIONS = { volunteers: "volunteers", beneficiaries: "beneficiaries" } as const;

/** The stored statuses these checks look at (the owners' enums store exactly these). */
const VOLUNTEER_ACTIVE = "ACTIVE";
const CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN";

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
