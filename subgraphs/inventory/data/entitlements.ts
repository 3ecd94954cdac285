// Entitlement rules, and what each household has received under them.
//
// A rule says how much of an item a household may receive in a rolling period: `quantity`
// per household, or per person (× the household's size). What a household received is kept
// per household and item as grants, one per distribution line. A grant is added by one
// conditional update that holds only while the grants inside the period leave room for it,
// so concurrent distributions to one household cannot together exceed the rule, under any
// interleaving: the same guarantee as stock, which a single conditional update also keeps.
// A grant carries its ledger line's marker: it is given back with the line when the
// operation fails or a crash rolls it back (ledger.ts), and it stays once it completes.
import { ObjectId } from "bson";
import type { Collection, Db } from "mongodb";
import { appError } from "../../kernel/errors.js";
import { isDuplicateKey, type IndexPlan } from "../../kernel/mongo.js";
import { regionRef } from "../../kernel/region-entity.js";
import type { Item } from "../types/enums.js";

/** The longest period a rule may have; grants older than it are dropped. */
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

export interface EntitlementRuleDoc {
  /** One rule per item in a region (the region is the database). */
  _id: Item;
  quantity: number;
  perPerson: boolean;
  periodDays: number;
  setBy: string;
  setAt: Date;
}

interface Grant {
  /** The ledger line's marker, `<operation>:<line>`. */
  key: string;
  quantity: number;
  at: Date;
  override: boolean;
}

interface UsageDoc {
  /** `<beneficiary object id>:<item>` */
  _id: string;
  beneficiaryId: ObjectId;
  item: Item;
  grants?: Grant[];
}

/**
 * What a distribution line must respect, fixed when its operation is recorded. Every
 * distribution line has one, under a rule or not: what a household received counts as soon
 * as a rule for the item is set.
 */
export interface LineEntitlement {
  /** The household's usage document for the item. */
  account: string;
  /** How much the household may receive in the period (per person already multiplied out); null: no rule (still counted). */
  allowed: number | null;
  periodDays: number;
  /** Staff overrode the rule (the reason is on the operation): counted as used, never refused. */
  override: boolean;
}

const RULES = "entitlement_rules";
const USAGE = "entitlement_usage";

export const entitlementIndexes: IndexPlan = {
  [USAGE]: [
    { key: { beneficiaryId: 1 }, name: "beneficiary" },
    // The ledger's sweep finds grants of rolled-back operations.
    { key: { "grants.key": 1 }, name: "grant_keys" },
  ],
};

export const rulesOf = (db: Db): Collection<EntitlementRuleDoc> => db.collection<EntitlementRuleDoc>(RULES);
const usageOf = (db: Db): Collection<UsageDoc> => db.collection<UsageDoc>(USAGE);

export const accountOf = (beneficiary: ObjectId, item: Item) => `${beneficiary.toHexString()}:${item}`;

/** What a rule allows a household of `householdSize` in one period. */
export const allowance = (rule: Pick<EntitlementRuleDoc, "quantity" | "perPerson">, householdSize: number) =>
  rule.perPerson ? rule.quantity * householdSize : rule.quantity;

const periodStart = (at: Date, periodDays: number) => new Date(at.getTime() - periodDays * DAY_MS);

/** The quantity the grants after `since` add up to, as a server-side expression. */
const usedSince = (since: Date) => ({
  $sum: {
    $map: {
      input: { $filter: { input: { $ifNull: ["$grants", []] }, as: "g", cond: { $gt: ["$$g.at", since] } } },
      as: "g",
      in: "$$g.quantity",
    },
  },
});

/** Whether any of these grants' operations is still running (it may yet give its grant back). */
export type StillRunning = (keys: string[]) => Promise<boolean>;

/** How long a line waits, in all, for running operations that may give back what it needs. */
const RETRIES_MS = [10, 20, 40, 80, 160];

/**
 * Grants `quantity` to line `key` at `at` when the household's grants in the period leave room
 * for it; true when it is granted, now or by an earlier attempt. A line under no rule, or
 * overridden, is granted anyway (counted as used; an override that was needed is marked so).
 * A line refused while another operation's grant in the period is still running tries again
 * for a moment: that operation may fail and give its grant back.
 */
export async function grant(
  db: Db,
  key: string,
  entitlement: LineEntitlement,
  quantity: number,
  at: Date,
  stillRunning: StillRunning,
): Promise<boolean> {
  const [hex, item] = entitlement.account.split(":") as [string, Item];
  try {
    // The household's document exists from here on; grants older than any period go.
    await usageOf(db).updateOne(
      { _id: entitlement.account },
      {
        $setOnInsert: { beneficiaryId: new ObjectId(hex), item },
        $pull: { grants: { at: { $lt: periodStart(at, MAX_PERIOD_DAYS) } } },
      },
      { upsert: true },
    );
  } catch (err) {
    // Two first distributions at once: the other one made it.
    if (!isDuplicateKey(err)) throw err;
  }
  const push = async (room: object, override: boolean) =>
    (
      await usageOf(db).updateOne(
        { _id: entitlement.account, "grants.key": { $ne: key }, ...room },
        { $push: { grants: { key, quantity, at, override } } },
      )
    ).modifiedCount === 1;
  if (entitlement.allowed === null) return (await push({}, false)) || isGranted(db, key, entitlement);
  const since = periodStart(at, entitlement.periodDays);
  const room = { $expr: { $lte: [usedSince(since), entitlement.allowed - quantity] } };
  for (let attempt = 0; ; attempt++) {
    if (await push(room, false)) return true;
    // Not pushed: granted already (by an earlier attempt), or no room.
    const grants = (await usageOf(db).findOne({ _id: entitlement.account }, { projection: { grants: 1 } }))?.grants ?? [];
    if (grants.some((g) => g.key === key)) return true;
    if (entitlement.override) return (await push({}, true)) || isGranted(db, key, entitlement);
    const others = grants.filter((g) => g.at.getTime() > since.getTime()).map((g) => g.key);
    if (attempt >= RETRIES_MS.length || !(await stillRunning(others))) return false;
    await new Promise((resolve) => setTimeout(resolve, RETRIES_MS[attempt]));
  }
}

/** Whether any of these lines was granted by an override it needed (its rule alone would have refused it). */
export async function overridden(db: Db, lines: Array<{ key: string; entitlement: LineEntitlement }>): Promise<boolean> {
  if (!lines.length) return false;
  const docs = await usageOf(db)
    .find({ _id: { $in: lines.map((l) => l.entitlement.account) } }, { projection: { grants: 1 } })
    .toArray();
  const keys = new Set(lines.map((l) => l.key));
  return docs.some((d) => (d.grants ?? []).some((g) => g.override && keys.has(g.key)));
}

/** Gives line `key`'s grant back; a no-op when there is none. */
export async function revoke(db: Db, key: string, entitlement: LineEntitlement): Promise<void> {
  await usageOf(db).updateOne({ _id: entitlement.account }, { $pull: { grants: { key } } });
}

/** Gives back any of these grants still held (of operations rolled back); how many were. */
export async function revokeStrays(db: Db, keys: string[]): Promise<number> {
  let n = 0;
  for (const doc of await usageOf(db)
    .find({ "grants.key": { $in: keys } }, { projection: { grants: 1 } })
    .toArray()) {
    const held = (doc.grants ?? []).filter((g) => keys.includes(g.key)).map((g) => g.key);
    await usageOf(db).updateOne({ _id: doc._id }, { $pull: { grants: { key: { $in: held } } } });
    n += held.length;
  }
  return n;
}

/** Whether line `key` holds its grant. */
export async function isGranted(db: Db, key: string, entitlement: LineEntitlement): Promise<boolean> {
  return (await usageOf(db).countDocuments({ _id: entitlement.account, "grants.key": key }, { limit: 1 })) === 1;
}

/** Where a household stands on one item at `at`. */
export interface Standing {
  allowed: number;
  used: number;
  /** Never below 0, even after an override. */
  remaining: number;
  /** When `wanted` more fits in the period: `at` when it fits now, null when it never does. */
  eligibleAt: Date | null;
}

function standing(grants: readonly Grant[], allowed: number, periodDays: number, at: Date, wanted = 1): Standing {
  const since = periodStart(at, periodDays).getTime();
  const live = grants.filter((g) => g.at.getTime() > since).sort((a, b) => a.at.getTime() - b.at.getTime());
  const used = live.reduce((sum, g) => sum + g.quantity, 0);
  let eligibleAt: Date | null = null;
  if (wanted <= allowed) {
    // As the oldest grants leave the period, room comes back.
    let left = used;
    if (allowed - left >= wanted) eligibleAt = at;
    else
      for (const g of live) {
        left -= g.quantity;
        if (allowed - left >= wanted) {
          eligibleAt = new Date(g.at.getTime() + periodDays * DAY_MS);
          break;
        }
      }
  }
  return { allowed, used, remaining: Math.max(0, allowed - used), eligibleAt };
}

/** The grants of one household, per item. */
async function grantsOf(db: Db, beneficiary: ObjectId): Promise<Map<Item, Grant[]>> {
  const docs = await usageOf(db).find({ beneficiaryId: beneficiary }).toArray();
  return new Map(docs.map((d) => [d.item, d.grants ?? []]));
}

/** ENTITLEMENT_EXCEEDED for a refused line (under a rule), naming the item, what remains and when it next fits. */
export async function exceeded(db: Db, item: Item, requested: number, entitlement: LineEntitlement & { allowed: number }, at: Date) {
  const usage = await usageOf(db).findOne({ _id: entitlement.account });
  const s = standing(usage?.grants ?? [], entitlement.allowed, entitlement.periodDays, at, requested);
  const next = s.eligibleAt
    ? `eligible again from ${s.eligibleAt.toISOString()}`
    : `more than the rule allows in ${entitlement.periodDays} days`;
  return appError(
    "ENTITLEMENT_EXCEEDED",
    `entitlement exceeded for ${item}: requested ${requested}, remaining ${s.remaining} of ${s.allowed} in ${entitlement.periodDays} days; ${next}`,
    {
      item,
      requested,
      allowed: s.allowed,
      remaining: s.remaining,
      nextEligibleAt: s.eligibleAt?.toISOString() ?? null,
    },
  );
}

/** A rule as the graph shows it. */
export function toRule(doc: EntitlementRuleDoc, region: string) {
  return {
    region: regionRef(region),
    item: doc._id,
    quantity: doc.quantity,
    perPerson: doc.perPerson,
    periodDays: doc.periodDays,
    setAt: doc.setAt,
    setBy: doc.setBy,
  };
}

/** Where a household of `householdSize` stands on every item its region has a rule for, at `at`. */
export async function entitlementsOf(db: Db, region: string, beneficiary: ObjectId, householdSize: number, at: Date) {
  const [rules, grants] = await Promise.all([rulesOf(db).find().sort({ _id: 1 }).toArray(), grantsOf(db, beneficiary)]);
  return rules.map((rule) => {
    const s = standing(grants.get(rule._id) ?? [], allowance(rule, householdSize), rule.periodDays, at);
    return {
      region,
      item: rule._id,
      periodDays: rule.periodDays,
      allowed: s.allowed,
      used: s.used,
      remaining: s.remaining,
      nextEligibleAt: s.remaining > 0 ? null : s.eligibleAt,
    };
  });
}
