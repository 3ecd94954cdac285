// The volunteers data layer: stored shapes, indexes, and the one place where stored
// documents become graph objects (_id ↔ id).
import { ObjectId } from "bson";
import type { Collection, Db, Filter } from "mongodb";
import { conflict } from "../../kernel/errors.js";
import { encodeId } from "../../kernel/ids.js";
import { insertNamed, isDuplicateKey, type IndexPlan } from "../../kernel/mongo.js";
import { paginate, type Page } from "../../kernel/pagination.js";
import { regionRef } from "../../kernel/region-entity.js";
import { SHARED_COLLECTIONS } from "../../kernel/region-records.js";
import { escapeRegex, searchKey } from "../../kernel/text.js";
import { Skill, VolunteerStatus } from "../types/enums.js";
import type { SkillCount, Volunteer, VolunteerGroup, VolunteerStats } from "../types/volunteer.js";
import type { Keyed } from "../../kernel/idempotency.js";
import type { CombinedReads } from "../../kernel/reads.js";

export interface VolunteerDoc extends Keyed {
  _id: ObjectId;
  fullName: string;
  nameKey: string;
  phone: string;
  skills: Skill[];
  languages: string[];
  status: VolunteerStatus;
  groupId: ObjectId | null;
  registeredAt: Date;
  updatedAt: Date;
}

export interface GroupDoc extends Keyed {
  _id: ObjectId;
  name: string;
  nameKey: string;
  /** An Organisation of this region (its graph id). */
  organisationId: string | null;
  leaderId: ObjectId | null;
  createdAt: Date;
}

// Other subgraphs check volunteers through kernel/region-records.ts, by this name.
const VOLUNTEERS = SHARED_COLLECTIONS.volunteers;
const GROUPS = "volunteer_groups";

export const volunteerIndexes: IndexPlan = {
  [VOLUNTEERS]: [
    { key: { phone: 1 }, name: "phone_unique", unique: true },
    { key: { nameKey: 1, _id: 1 }, name: "name_order" },
    { key: { status: 1, skills: 1 }, name: "status_skills" },
    { key: { groupId: 1 }, name: "group" },
  ],
  [GROUPS]: [{ key: { nameKey: 1 }, name: "name_unique", unique: true }],
};

export const volunteersOf = (db: Db): Collection<VolunteerDoc> => db.collection<VolunteerDoc>(VOLUNTEERS);
export const groupsOf = (db: Db): Collection<GroupDoc> => db.collection<GroupDoc>(GROUPS);

export function toVolunteer(doc: VolunteerDoc, region: string): Volunteer {
  const id = encodeId("Volunteer", region, doc._id);
  return {
    id,
    region: regionRef(region),
    fullName: doc.fullName,
    phone: doc.phone,
    skills: doc.skills,
    languages: doc.languages,
    status: doc.status,
    registeredAt: doc.registeredAt,
    updatedAt: doc.updatedAt,
    groupId: doc.groupId ? encodeId("VolunteerGroup", region, doc.groupId) : null,
    ownerId: id,
  };
}

export function toGroup(doc: GroupDoc, region: string): VolunteerGroup {
  return {
    id: encodeId("VolunteerGroup", region, doc._id),
    region: regionRef(region),
    name: doc.name,
    organisationId: doc.organisationId ?? null,
    createdAt: doc.createdAt,
    leaderId: doc.leaderId ? encodeId("Volunteer", region, doc.leaderId) : null,
  };
}

/** A unique phone violation names the volunteer who already has it. */
async function phoneConflict(coll: Collection<VolunteerDoc>, phone: string, region: string): Promise<Error> {
  const existing = await coll.findOne({ phone }, { projection: { _id: 1 } });
  const existingId = existing ? encodeId("Volunteer", region, existing._id) : undefined;
  return conflict(`phone: a volunteer with this phone is already registered in ${region}${existingId ? ` (${existingId})` : ""}`, {
    field: "phone",
    existingId,
  });
}

export async function insertVolunteer(
  db: Db,
  region: string,
  fields: Omit<VolunteerDoc, "_id" | "nameKey" | "registeredAt" | "updatedAt">,
  _id = new ObjectId(),
): Promise<VolunteerDoc> {
  const now = new Date();
  const doc: VolunteerDoc = { _id, ...fields, nameKey: searchKey(fields.fullName), registeredAt: now, updatedAt: now };
  try {
    await volunteersOf(db).insertOne(doc);
  } catch (err) {
    if (isDuplicateKey(err)) throw await phoneConflict(volunteersOf(db), fields.phone, region);
    throw err;
  }
  return doc;
}

/** Applies `set` to one volunteer; null when it does not exist. */
export async function updateVolunteerDoc(
  db: Db,
  region: string,
  _id: ObjectId,
  set: Partial<Omit<VolunteerDoc, "_id" | "registeredAt">>,
): Promise<VolunteerDoc | null> {
  const update = { ...set, ...(set.fullName ? { nameKey: searchKey(set.fullName) } : {}), updatedAt: new Date() };
  try {
    return await volunteersOf(db).findOneAndUpdate({ _id }, { $set: update }, { returnDocument: "after" });
  } catch (err) {
    if (isDuplicateKey(err) && set.phone) throw await phoneConflict(volunteersOf(db), set.phone, region);
    throw err;
  }
}

export interface VolunteerQuery {
  skill?: Skill;
  status?: VolunteerStatus;
  language?: string;
  search?: string;
  groupId?: ObjectId;
}

function volunteerFilter(q: VolunteerQuery): Filter<VolunteerDoc> {
  const filter: Filter<VolunteerDoc> = {};
  if (q.skill) filter.skills = q.skill;
  if (q.status) filter.status = q.status;
  if (q.language) filter.languages = q.language;
  if (q.groupId) filter.groupId = q.groupId;
  if (q.search?.trim()) filter.nameKey = { $regex: escapeRegex(searchKey(q.search.trim())) };
  return filter;
}

export function pageVolunteers(
  db: Db,
  region: string,
  q: VolunteerQuery,
  args: { first?: number | null; after?: string | null },
): Promise<Page<Volunteer>> {
  return paginate(volunteersOf(db), volunteerFilter(q), [["nameKey", 1, "string"]], args, (d) => toVolunteer(d, region));
}

export async function volunteerStats(db: Db, reads: CombinedReads): Promise<VolunteerStats> {
  const [facets] = await reads.aggregate<
    { total: Array<{ n: number }>; active: Array<{ n: number }>; bySkill: Array<{ _id: Skill; count: number }> },
    VolunteerDoc
  >(volunteersOf(db), [
    {
      $facet: {
        total: [{ $count: "n" }],
        active: [{ $match: { status: VolunteerStatus.ACTIVE } }, { $count: "n" }],
        bySkill: [
          { $match: { status: VolunteerStatus.ACTIVE } },
          // Only the skills travel through the rest of the pipeline.
          { $project: { _id: 0, skills: 1 } },
          { $unwind: "$skills" },
          { $group: { _id: "$skills", count: { $sum: 1 } } },
        ],
      },
    },
  ]);
  const counts = new Map((facets?.bySkill ?? []).map((s) => [s._id, s.count]));
  const bySkill: SkillCount[] = Object.values(Skill)
    .map((skill) => ({ skill, count: counts.get(skill) ?? 0 }))
    .sort((a, b) => b.count - a.count || a.skill.localeCompare(b.skill));
  return { total: facets?.total[0]?.n ?? 0, active: facets?.active[0]?.n ?? 0, bySkill };
}

export function insertGroup(
  db: Db,
  region: string,
  fields: Omit<GroupDoc, "_id" | "nameKey" | "createdAt">,
  _id = new ObjectId(),
): Promise<GroupDoc> {
  return insertNamed(groupsOf(db), { _id, ...fields, nameKey: searchKey(fields.name), createdAt: new Date() }, "VolunteerGroup", region);
}
