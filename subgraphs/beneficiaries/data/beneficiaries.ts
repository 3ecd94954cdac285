// Beneficiaries as stored: the national ID only as a keyed hash (unique per region), the
// one place where documents become graph objects, and the aggregates.
import { ObjectId } from "bson";
import type { Collection, Db, Filter } from "mongodb";
import { conflict } from "../../kernel/errors.js";
import { escapeRegex, requiredText } from "../../kernel/text.js";
import { encodeId } from "../../kernel/ids.js";
import { eraseClaims } from "../../kernel/idempotency.js";
import { isDuplicateKey, type IndexPlan } from "../../kernel/mongo.js";
import { regionRef } from "../../kernel/region-entity.js";
import { SHARED_COLLECTIONS } from "../../kernel/region-records.js";
import type { Beneficiary, BeneficiaryStats, NeedCount, UrgencyCount } from "../types/beneficiary.js";
import { BeneficiaryStatus, Need, OPEN_STATUSES, Urgency, URGENCY_RANK, type Vulnerability } from "../types/enums.js";
import { helpRequestsOf, type HelpRequestDoc } from "./help-requests.js";
import type { Keyed } from "../../kernel/idempotency.js";
import type { CombinedReads } from "../../kernel/reads.js";

export interface BeneficiaryDoc extends Keyed {
  _id: ObjectId;
  /** Personal fields: absent once consent is withdrawn. */
  fullName?: string;
  phone?: string | null;
  address?: string | null;
  /** HMAC of the national ID number; absent once consent is withdrawn. */
  nationalIdHash?: string;
  /** The national match token (duplicates.ts); absent without a national key, and once consent is withdrawn. */
  nationalMatchToken?: string;
  /** Other regions where the same national ID may be enrolled too (personal; erased with consent). */
  possibleDuplicateRegions?: string[];
  /** Other regions that could not be asked at the last check. */
  duplicateCheckMissing?: string[];
  /** When the other regions were last asked (absent: never, e.g. enrolled before the checks). */
  duplicateCheckedAt?: Date;
  householdSize: number;
  vulnerabilities: Vulnerability[];
  needs: Need[];
  consent: { given: boolean; purpose: string | null; recordedAt: Date; recordedBy: string; withdrawnAt: Date | null };
  status: BeneficiaryStatus;
  /** When it was recorded on a device (absent on records stored before capture times). */
  capturedAt?: Date | null;
  registeredAt: Date;
  updatedAt: Date;
}

// Other subgraphs check households through kernel/region-records.ts, by this name.
const BENEFICIARIES = SHARED_COLLECTIONS.beneficiaries;

export const beneficiaryIndexes: IndexPlan = {
  // sparse: records whose consent was withdrawn no longer carry the hash
  [BENEFICIARIES]: [
    { key: { nationalIdHash: 1 }, name: "national_id_unique", unique: true, sparse: true },
    { key: { needs: 1 }, name: "needs" },
    // Other regions' duplicate checks find a household by its token; the coordinators' counts by flag.
    // Not sparse: households without a token (enrolled before them) are found too.
    { key: { nationalMatchToken: 1 }, name: "national_match" },
    { key: { possibleDuplicateRegions: 1 }, name: "duplicate_regions", sparse: true },
  ],
};

export const beneficiariesOf = (db: Db): Collection<BeneficiaryDoc> => db.collection<BeneficiaryDoc>(BENEFICIARIES);

export const NATIONAL_ID_PURPOSE = "national-id";

export function toBeneficiary(doc: BeneficiaryDoc, region: string): Beneficiary {
  const id = encodeId("Beneficiary", region, doc._id);
  return {
    id,
    region: regionRef(region),
    fullName: doc.fullName ?? null,
    householdSize: doc.householdSize,
    phone: doc.phone ?? null,
    address: doc.address ?? null,
    vulnerabilities: doc.vulnerabilities,
    needs: doc.needs,
    // A read of its purpose is a read of the household's personal data.
    consent: { ...doc.consent, region, audit: { entity: "Beneficiary", id } },
    status: doc.status,
    possibleDuplicateRegions: doc.possibleDuplicateRegions ?? [],
    // Never checked: every other region (the field's resolver knows them).
    duplicateCheckMissing: doc.duplicateCheckMissing ?? null,
    capturedAt: doc.capturedAt ?? null,
    registeredAt: doc.registeredAt,
  };
}

/** Inserts a new beneficiary; the same national ID in the region is CONFLICT carrying the existing id. */
export async function insertBeneficiary(db: Db, region: string, doc: BeneficiaryDoc): Promise<BeneficiaryDoc> {
  try {
    await beneficiariesOf(db).insertOne(doc);
    return doc;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const existing = await beneficiariesOf(db).findOne({ nationalIdHash: doc.nationalIdHash }, { projection: { _id: 1 } });
    const existingId = existing ? encodeId("Beneficiary", region, existing._id) : undefined;
    throw conflict(`nationalId: this person is already enrolled in ${region}${existingId ? ` as ${existingId}` : ""}`, {
      field: "nationalId",
      existingId,
    });
  }
}

/**
 * Erases the personal fields of a beneficiary and of the help requests about them,
 * keeping what aggregates need (household size, vulnerabilities, needs, dates).
 */
export async function eraseBeneficiary(db: Db, _id: ObjectId, actor: string): Promise<BeneficiaryDoc | null> {
  const now = new Date();
  const doc = await beneficiariesOf(db).findOneAndUpdate(
    { _id, status: BeneficiaryStatus.ACTIVE },
    {
      $unset: {
        fullName: "",
        phone: "",
        address: "",
        nationalIdHash: "",
        nationalMatchToken: "",
        possibleDuplicateRegions: "",
        duplicateCheckMissing: "",
        duplicateCheckedAt: "",
      },
      // The purpose was written about this household too.
      $set: {
        status: BeneficiaryStatus.CONSENT_WITHDRAWN,
        "consent.given": false,
        "consent.purpose": null,
        "consent.withdrawnAt": now,
        updatedAt: now,
      },
    },
    { returnDocument: "after" },
  );
  if (doc) {
    await eraseRequests(db, { beneficiaryId: _id }, actor);
    await eraseClaims(db, [_id]);
  }
  return doc;
}

/** The personal fields of help requests: descriptions, callers' phones, and notes (free text about the household too). */
async function eraseRequests(db: Db, filter: Filter<HelpRequestDoc>, actor: string): Promise<void> {
  await helpRequestsOf(db).updateMany(filter, {
    $set: { description: null, contactPhone: null, "history.$[].note": null, updatedAt: new Date(), erasedBy: actor },
  });
  const erased = await helpRequestsOf(db)
    .find(filter, { projection: { _id: 1 } })
    .toArray();
  await eraseClaims(
    db,
    erased.map((r) => r._id),
  );
}

/**
 * A help request about a household that has withdrawn consent keeps nothing personal: a
 * note written after the withdrawal (or as it happened) is erased at once. The request as stored.
 */
export async function forgetIfWithdrawn(db: Db, request: HelpRequestDoc, actor: string): Promise<HelpRequestDoc> {
  if (!request.beneficiaryId) return request;
  const withdrawn = await beneficiariesOf(db).countDocuments(
    { _id: request.beneficiaryId, status: BeneficiaryStatus.CONSENT_WITHDRAWN },
    { limit: 1 },
  );
  if (!withdrawn) return request;
  await eraseRequests(db, { _id: request._id }, actor);
  return (await helpRequestsOf(db).findOne({ _id: request._id })) ?? request;
}

export interface BeneficiaryQuery {
  need?: Need;
  vulnerability?: Vulnerability;
  status?: BeneficiaryStatus;
  search?: string | null;
}

/** Search text: what a person types into a search box, never a pattern. */
const MAX_SEARCH = 100;

export function beneficiaryFilter(q: BeneficiaryQuery): Filter<BeneficiaryDoc> {
  const filter: Filter<BeneficiaryDoc> = {};
  if (q.need) filter.needs = q.need;
  if (q.vulnerability) filter.vulnerabilities = q.vulnerability;
  if (q.status) filter.status = q.status;
  if (q.search !== undefined && q.search !== null) {
    // Cleaned as names are stored (NFC, one space), so what was typed matches what was enrolled.
    const text = requiredText(q.search, "filter.search", MAX_SEARCH);
    // Names any case; phones as typed with or without spaces. A withdrawn household has neither.
    const digits = text.replace(/[\s()-]/g, "");
    filter.$or = [
      { fullName: { $regex: escapeRegex(text), $options: "i" } },
      ...(/^\+?\d{3,}$/.test(digits) ? [{ phone: { $regex: escapeRegex(digits) } }] : []),
    ];
  }
  return filter;
}

function everyNeed(counts: Array<{ _id: Need; count: number }>): NeedCount[] {
  const byNeed = new Map(counts.map((c) => [c._id, c.count]));
  return Object.values(Need)
    .map((need) => ({ need, count: byNeed.get(need) ?? 0 }))
    .sort((a, b) => b.count - a.count || a.need.localeCompare(b.need));
}

function everyUrgency(counts: Array<{ _id: Urgency; count: number }>): UrgencyCount[] {
  const byUrgency = new Map(counts.map((c) => [c._id, c.count]));
  return Object.values(Urgency)
    .sort((a, b) => URGENCY_RANK[a] - URGENCY_RANK[b])
    .map((urgency) => ({ urgency, count: byUrgency.get(urgency) ?? 0 }));
}

export async function beneficiaryStats(db: Db, reads: CombinedReads): Promise<BeneficiaryStats> {
  const [[households], [requests]] = await Promise.all([
    reads.aggregate<{ totals: Array<{ n: number; people: number }>; byNeed: Array<{ _id: Need; count: number }> }, BeneficiaryDoc>(
      beneficiariesOf(db),
      [
        {
          $facet: {
            totals: [{ $group: { _id: null, n: { $sum: 1 }, people: { $sum: "$householdSize" } } }],
            byNeed: [{ $project: { _id: 0, needs: 1 } }, { $unwind: "$needs" }, { $group: { _id: "$needs", count: { $sum: 1 } } }],
          },
        },
      ],
    ),
    reads.aggregate<
      { open: Array<{ n: number }>; byNeed: Array<{ _id: Need; count: number }>; byUrgency: Array<{ _id: Urgency; count: number }> },
      HelpRequestDoc
    >(helpRequestsOf(db), [
      { $match: { status: { $in: OPEN_STATUSES } } },
      {
        $facet: {
          open: [{ $count: "n" }],
          byNeed: [{ $group: { _id: "$need", count: { $sum: 1 } } }],
          byUrgency: [{ $group: { _id: "$urgency", count: { $sum: 1 } } }],
        },
      },
    ]),
  ]);
  return {
    beneficiaries: households?.totals[0]?.n ?? 0,
    people: households?.totals[0]?.people ?? 0,
    openHelpRequests: requests?.open[0]?.n ?? 0,
    byNeed: everyNeed(households?.byNeed ?? []),
    openRequestsByNeed: everyNeed(requests?.byNeed ?? []),
    openRequestsByUrgency: everyUrgency(requests?.byUrgency ?? []),
  };
}
