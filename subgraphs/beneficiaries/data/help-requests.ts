// Help requests as stored, and their lifecycle: every transition is one conditional
// update on the status read just before, so concurrent changes never skip a check and
// the history always records the real previous status.
import type { ObjectId } from "bson";
import type { Collection, Db, Filter } from "mongodb";
import { conflict, notFound } from "../../kernel/errors.js";
import { encodeId } from "../../kernel/ids.js";
import type { IndexPlan } from "../../kernel/mongo.js";
import { pageSize, sortOf, type SortSpec } from "../../kernel/pagination.js";
import { regionRef } from "../../kernel/region-entity.js";
import { HelpChannel, HelpRequestStatus, Need, Urgency } from "../types/enums.js";
import type { HelpRequest } from "../types/help-request.js";
import type { Keyed } from "../../kernel/idempotency.js";

interface StatusChangeDoc {
  from: HelpRequestStatus | null;
  to: HelpRequestStatus;
  at: Date;
  actor: string;
  note: string | null;
}

export interface HelpRequestDoc extends Keyed {
  _id: ObjectId;
  channel: HelpChannel;
  need: Need;
  urgency: Urgency;
  /** Sort key for the queue: CRITICAL first. */
  urgencyRank: number;
  description: string | null;
  contactPhone: string | null;
  beneficiaryId: ObjectId | null;
  /** A volunteer id (`KZ-75:vol:…`), owned by the volunteers subgraph. */
  assignedVolunteerId: string | null;
  /** The assigned volunteer's organisation when assigned (graph id), for 3W reports; absent before. */
  organisationId?: string | null;
  status: HelpRequestStatus;
  history: StatusChangeDoc[];
  /** When it was recorded on a device (absent on requests stored before capture times). */
  capturedAt?: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const HELP_REQUESTS = "help_requests";

export const helpRequestIndexes: IndexPlan = {
  [HELP_REQUESTS]: [
    { key: { status: 1, urgencyRank: 1, createdAt: 1, _id: 1 }, name: "queue" },
    { key: { beneficiaryId: 1 }, name: "beneficiary" },
    { key: { assignedVolunteerId: 1 }, name: "assigned_volunteer" },
    // Reports over a period: recorded, and closed (data/activity.ts).
    { key: { createdAt: 1 }, name: "created" },
    { key: { capturedAt: 1 }, name: "captured" },
    { key: { "history.to": 1, "history.at": 1 }, name: "history_closed" },
  ],
};

export const helpRequestsOf = (db: Db): Collection<HelpRequestDoc> => db.collection<HelpRequestDoc>(HELP_REQUESTS);

/** Which statuses each status may move to. ASSIGNED → ASSIGNED is a reassignment. */
export const TRANSITIONS: Record<HelpRequestStatus, HelpRequestStatus[]> = {
  NEW: [HelpRequestStatus.TRIAGED, HelpRequestStatus.ASSIGNED, HelpRequestStatus.CANCELLED],
  TRIAGED: [HelpRequestStatus.ASSIGNED, HelpRequestStatus.CANCELLED],
  ASSIGNED: [HelpRequestStatus.ASSIGNED, HelpRequestStatus.IN_PROGRESS, HelpRequestStatus.CANCELLED],
  IN_PROGRESS: [HelpRequestStatus.FULFILLED, HelpRequestStatus.CANCELLED],
  FULFILLED: [],
  CANCELLED: [],
};

export function toHelpRequest(doc: HelpRequestDoc, region: string): HelpRequest {
  const id = encodeId("HelpRequest", region, doc._id);
  // Each step carries whose request it is: its note is personal, its actor shown as a role to others.
  const owner = { region, ownerId: doc.assignedVolunteerId, audit: { entity: "HelpRequest", id } };
  return {
    id,
    region: regionRef(region),
    channel: doc.channel,
    need: doc.need,
    urgency: doc.urgency,
    description: doc.description,
    contactPhone: doc.contactPhone,
    status: doc.status,
    history: doc.history.map((step) => ({ ...step, ...owner })),
    capturedAt: doc.capturedAt ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    beneficiaryId: doc.beneficiaryId ? encodeId("Beneficiary", region, doc.beneficiaryId) : null,
    assignedVolunteerId: doc.assignedVolunteerId,
    ownerId: doc.assignedVolunteerId,
  };
}

/**
 * Moves a request to `to` if its current status allows it (CONFLICT naming both
 * statuses otherwise), applying `set` and recording who did it. `check` sees the
 * current document first (e.g. to refuse a volunteer who is not the assignee).
 */
export async function transition(
  db: Db,
  id: string,
  _id: ObjectId,
  to: HelpRequestStatus,
  change: { actor: string; note?: string | null; set?: Partial<HelpRequestDoc>; check?: (current: HelpRequestDoc) => void },
): Promise<HelpRequestDoc> {
  const coll = helpRequestsOf(db);
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await coll.findOne({ _id });
    if (!current) throw notFound(`id: no help request ${id}`, { field: "id", id });
    if (!TRANSITIONS[current.status].includes(to)) {
      throw conflict(`help request ${id} cannot go from ${current.status} to ${to}`, { from: current.status, to });
    }
    change.check?.(current);
    const at = new Date();
    const entry: StatusChangeDoc = { from: current.status, to, at, actor: change.actor, note: change.note ?? null };
    const updated = await coll.findOneAndUpdate(
      { _id, status: current.status, updatedAt: current.updatedAt },
      { $set: { ...change.set, status: to, updatedAt: at }, $push: { history: entry } },
      { returnDocument: "after" },
    );
    if (updated) return updated;
    // Someone changed the request between our read and write: read again and re-check.
  }
  throw conflict(`help request ${id} is being changed by someone else; try again`);
}

export interface HelpRequestQuery {
  status?: HelpRequestStatus;
  need?: Need;
  urgency?: Urgency;
}

export function helpRequestFilter(q: HelpRequestQuery): Filter<HelpRequestDoc> {
  const filter: Filter<HelpRequestDoc> = {};
  if (q.status) filter.status = q.status;
  if (q.need) filter.need = q.need;
  if (q.urgency) filter.urgency = q.urgency;
  return filter;
}

/** The queue order: urgency, then the oldest first. */
export const QUEUE_ORDER: SortSpec = [
  ["urgencyRank", 1, "int"],
  ["createdAt", 1, "date"],
];

/** Requests matching `filter` (one household's, one volunteer's), optionally of one status: the first `first` in queue order. */
export async function queueOf(
  db: Db,
  region: string,
  filter: Filter<HelpRequestDoc>,
  status: HelpRequestStatus | undefined,
  first: number,
): Promise<HelpRequest[]> {
  const docs = await helpRequestsOf(db)
    .find({ ...filter, ...(status ? { status } : {}) })
    .sort(sortOf(QUEUE_ORDER))
    .limit(pageSize(first))
    .toArray();
  return docs.map((d) => toHelpRequest(d, region));
}
