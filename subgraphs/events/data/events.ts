// Events as stored. Capacity is guarded in the event document itself: a sign-up is one
// conditional update that takes a spot only while one is left and the volunteer is not
// already in, so concurrent sign-ups can never overfill an event.
import type { ObjectId } from "bson";
import type { GraphQLResolveInfo } from "graphql";
import type { Collection, Db } from "mongodb";
import { conflict, notFound } from "../../kernel/errors.js";
import { encodeId } from "../../kernel/ids.js";
import type { IndexPlan } from "../../kernel/mongo.js";
import { regionRef } from "../../kernel/region-entity.js";
import { selectsAny } from "../../kernel/selection.js";
import { EventKind, EventStatus } from "../types/enums.js";
import type { Event } from "../types/event.js";
import type { Keyed } from "../../kernel/idempotency.js";

interface ParticipantDoc {
  /** A volunteer id of any region (`KZ-43:vol:…`). */
  volunteerId: string;
  signedUpAt: Date;
  hours: number | null;
  attendedAt: Date | null;
  /** When the attendance was recorded on a device (absent when not given). */
  capturedAt?: Date | null;
  /** How recent the hours are: the capture time, never later than when the server stored them. */
  asOf?: Date;
}

export interface EventDoc extends Keyed {
  _id: ObjectId;
  title: string;
  kind: EventKind;
  description: string | null;
  startsAt: Date;
  endsAt: Date;
  location: string | null;
  onlineUrl: string | null;
  capacity: number;
  spotsLeft: number;
  /** An Organisation of this region (its graph id). */
  organisationId: string | null;
  /** SCHEDULED or CANCELLED; COMPLETED is derived from endsAt. */
  status: EventStatus.SCHEDULED | EventStatus.CANCELLED;
  cancelReason: string | null;
  participants: ParticipantDoc[];
  createdAt: Date;
  updatedAt: Date;
}

const EVENTS = "events";

export const eventIndexes: IndexPlan = {
  [EVENTS]: [
    { key: { startsAt: 1, _id: 1 }, name: "starts_at" },
    { key: { "participants.volunteerId": 1 }, name: "participants" },
    // Sign-ups over a period (data/activity.ts).
    { key: { "participants.signedUpAt": 1 }, name: "sign_ups" },
  ],
};

export const eventsOf = (db: Db): Collection<EventDoc> => db.collection<EventDoc>(EVENTS);

function statusOf(doc: EventDoc, now = new Date()): EventStatus {
  if (doc.status === EventStatus.CANCELLED) return EventStatus.CANCELLED;
  return doc.endsAt <= now ? EventStatus.COMPLETED : EventStatus.SCHEDULED;
}

/** The fields of Event read from its sign-ups: a list that selects none of them reads events without (WITHOUT_SIGN_UPS). */
const FROM_SIGN_UPS = ["participants", "attendance"] as const;
export const WITHOUT_SIGN_UPS = { participants: 0 } as const;
export const readsSignUps = (info: GraphQLResolveInfo, path: string[] = []): boolean => selectsAny(info, FROM_SIGN_UPS, path);

/** An event as the graph shows it; one read without its sign-ups (WITHOUT_SIGN_UPS) shows none. */
export function toEvent(doc: EventDoc, region: string): Event {
  const signUps = doc.participants ?? [];
  return {
    id: encodeId("Event", region, doc._id),
    region: regionRef(region),
    title: doc.title,
    kind: doc.kind,
    description: doc.description,
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    location: doc.location,
    onlineUrl: doc.onlineUrl,
    capacity: doc.capacity,
    spotsLeft: doc.spotsLeft,
    organisation: doc.organisationId ? { id: doc.organisationId } : null,
    status: statusOf(doc),
    cancelReason: doc.cancelReason,
    participants: signUps.map((p) => ({ id: p.volunteerId })),
    attendance: signUps.map((p) => ({
      volunteer: { id: p.volunteerId },
      signedUpAt: p.signedUpAt,
      hours: p.hours,
      attendedAt: p.attendedAt,
      capturedAt: p.capturedAt ?? null,
    })),
  };
}

/** Why a change to an event could not be made, read after the conditional update missed. */
async function explain(db: Db, id: string, _id: ObjectId, volunteerId: string, wanted: "signUp" | "cancel" | "attend"): Promise<Error> {
  const doc = await eventsOf(db).findOne({ _id });
  if (!doc) return notFound(`eventId: no event ${id}`, { field: "eventId", id });
  const now = new Date();
  const status = statusOf(doc, now);
  const signedUp = doc.participants.some((p) => p.volunteerId === volunteerId);
  if (status === EventStatus.CANCELLED) return conflict(`event ${id} is cancelled`, { reason: "CANCELLED" });
  if (wanted === "signUp") {
    if (status === EventStatus.COMPLETED) return conflict(`event ${id} is over (it ended ${doc.endsAt.toISOString()})`, { reason: "PAST" });
    if (signedUp) return conflict(`volunteer ${volunteerId} is already signed up for event ${id}`, { reason: "ALREADY_SIGNED_UP" });
    if (doc.spotsLeft <= 0) return conflict(`event ${id} is full (capacity ${doc.capacity})`, { reason: "FULL" });
  }
  if (!signedUp) return conflict(`volunteer ${volunteerId} is not signed up for event ${id}`, { reason: "NOT_SIGNED_UP" });
  if (wanted === "cancel" && status === EventStatus.COMPLETED)
    return conflict(`event ${id} is over; sign-ups can no longer be cancelled`, { reason: "PAST" });
  if (wanted === "attend" && doc.startsAt > now)
    return conflict(`event ${id} has not started yet; record attendance once it has`, { reason: "NOT_STARTED" });
  return conflict(`event ${id} changed meanwhile; try again`);
}

export async function signUp(db: Db, id: string, _id: ObjectId, volunteerId: string): Promise<EventDoc> {
  const now = new Date();
  const doc = await eventsOf(db).findOneAndUpdate(
    { _id, status: EventStatus.SCHEDULED, endsAt: { $gt: now }, spotsLeft: { $gte: 1 }, "participants.volunteerId": { $ne: volunteerId } },
    {
      $inc: { spotsLeft: -1 },
      $push: { participants: { volunteerId, signedUpAt: now, hours: null, attendedAt: null } },
      $set: { updatedAt: now },
    },
    { returnDocument: "after" },
  );
  if (!doc) throw await explain(db, id, _id, volunteerId, "signUp");
  return doc;
}

export async function cancelSignUp(db: Db, id: string, _id: ObjectId, volunteerId: string): Promise<EventDoc> {
  const now = new Date();
  const doc = await eventsOf(db).findOneAndUpdate(
    { _id, status: EventStatus.SCHEDULED, endsAt: { $gt: now }, "participants.volunteerId": volunteerId },
    { $inc: { spotsLeft: 1 }, $pull: { participants: { volunteerId } }, $set: { updatedAt: now } },
    { returnDocument: "after" },
  );
  if (!doc) throw await explain(db, id, _id, volunteerId, "cancel");
  return doc;
}

/**
 * Records hours (a correction replaces them). Hours are as recent as their capture time, or
 * the server's time without one, and never later than when the server stored them (a device
 * clock running ahead does not make them newer): a recording older than what is stored (a
 * device syncing a day again after staff corrected it), or as old, changes nothing, and
 * neither does the same again.
 */
export async function recordAttendance(
  db: Db,
  id: string,
  _id: ObjectId,
  volunteerId: string,
  hours: number,
  capturedAt: Date | null,
): Promise<EventDoc> {
  const now = new Date();
  const recorded = { volunteerId, hours, capturedAt };
  const asOf = capturedAt && capturedAt < now ? capturedAt : now;
  const doc = await eventsOf(db).findOneAndUpdate(
    {
      _id,
      status: EventStatus.SCHEDULED,
      startsAt: { $lte: now },
      participants: { $elemMatch: { volunteerId, $nor: [recorded], $or: [{ asOf: null }, { asOf: { $lt: asOf } }] } },
    },
    {
      $set: {
        "participants.$.hours": hours,
        "participants.$.capturedAt": capturedAt,
        "participants.$.asOf": asOf,
        "participants.$.attendedAt": now,
        updatedAt: now,
      },
    },
    { returnDocument: "after" },
  );
  if (doc) return doc;
  // Recorded so already, or something as recent is: nothing to change.
  const current = await eventsOf(db).findOne({
    _id,
    participants: { $elemMatch: { volunteerId, $or: [recorded, { asOf: { $gte: asOf } }] } },
  });
  if (current) return current;
  throw await explain(db, id, _id, volunteerId, "attend");
}

/** The events each volunteer signed up for at this region, by start time (at most `limit` each): one query for all. */
export async function eventsOfVolunteers(db: Db, volunteerIds: readonly string[], limit: number): Promise<EventDoc[][]> {
  const byVolunteer = new Map<string, EventDoc[]>(volunteerIds.map((id) => [id, []]));
  const docs = eventsOf(db)
    .find({ "participants.volunteerId": { $in: [...byVolunteer.keys()] } })
    .sort({ startsAt: 1, _id: 1 });
  for await (const doc of docs) {
    for (const p of doc.participants) {
      const list = byVolunteer.get(p.volunteerId);
      if (list && list.length < limit) list.push(doc);
    }
  }
  return volunteerIds.map((id) => byVolunteer.get(id)!);
}

/** Total recorded hours of each volunteer at this region's events that were not cancelled: one aggregate for all. */
export async function hoursOfVolunteers(db: Db, volunteerIds: readonly string[]): Promise<number[]> {
  const ids = [...new Set(volunteerIds)];
  const rows = await eventsOf(db)
    .aggregate<{ _id: string; hours: number }>([
      { $match: { "participants.volunteerId": { $in: ids }, status: EventStatus.SCHEDULED } },
      { $unwind: "$participants" },
      { $match: { "participants.volunteerId": { $in: ids } } },
      { $group: { _id: "$participants.volunteerId", hours: { $sum: { $ifNull: ["$participants.hours", 0] } } } },
    ])
    .toArray();
  const hours = new Map(rows.map((r) => [r._id, r.hours]));
  return volunteerIds.map((id) => hours.get(id) ?? 0);
}
