// Households enrolled in more than one region. Families move, so an enrolment is never
// refused for it; the region enrolling a household asks every other region, at that moment,
// whether it has an active household with the same national match token (pseudonym.ts): a
// keyed hash under the national key, never the ID, a region's own hash of it, a name or a
// record id. A region answers only a signed message from another region (host/link.ts), and
// only yes or no; it flags its own household too. Both sides audit every comparison. A region
// that cannot be asked in time is listed as missing: the enrolment goes on without it.
import type { ObjectId } from "bson";
import type { Db } from "mongodb";
import { recordComparison, type ComparisonOutcome } from "../../kernel/audit.js";
import type { SubgraphContext } from "../../kernel/context.js";
import { encodeId } from "../../kernel/ids.js";
import { LinkError, type MessageContext } from "../../kernel/messaging.js";
import { MATCH_TOKEN } from "../../kernel/pseudonym.js";
import { BeneficiaryStatus } from "../types/enums.js";
import { beneficiariesOf, type BeneficiaryDoc } from "./beneficiaries.js";

/** The message one region's beneficiaries service sends another's: "is this token enrolled with you?" */
export const DUPLICATE_CHECK = "duplicate.check";

/** What became of asking one region: NOT_ASKED when it could not be (no token, no key or address for it). */
type Asked = ComparisonOutcome | "NOT_ASKED";

/** Asks every other region of the registry about `token`, in parallel, until the request's wait ends. */
async function askRegions(ctx: SubgraphContext, token: string | undefined): Promise<Map<string, Asked>> {
  const others = ctx.registry.regions.map((r) => r.code).filter((code) => code !== ctx.region.code);
  const outcomes = await Promise.all(
    others.map(async (code): Promise<Asked> => {
      if (!token || ctx.messaging.unreachable(code, "beneficiaries")) return "NOT_ASKED";
      try {
        const reply = (await ctx.messaging.ask(code, "beneficiaries", DUPLICATE_CHECK, { token }, ctx.waitUntil)) as { match?: unknown };
        if (typeof reply?.match !== "boolean") return "UNREACHABLE";
        return reply.match ? "MATCH" : "NO_MATCH";
      } catch {
        return "UNREACHABLE";
      }
    }),
  );
  return new Map(others.map((code, i) => [code, outcomes[i]]));
}

/**
 * Checks household `doc` against every other region and records what was found on it:
 * `replace` (a recheck) puts the answers in place of the earlier ones; at enrolment they are
 * added to any another region's check has flagged meanwhile. The household as stored.
 */
export async function checkDuplicates(
  ctx: SubgraphContext,
  doc: BeneficiaryDoc,
  operation: string,
  replace: boolean,
): Promise<BeneficiaryDoc> {
  const outcomes = await askRegions(ctx, doc.nationalMatchToken);
  const found = [...outcomes].filter(([, o]) => o === "MATCH").map(([code]) => code);
  const missing = [...outcomes].filter(([, o]) => o === "UNREACHABLE" || o === "NOT_ASKED").map(([code]) => code);
  // Every region the token went to (an unanswered one may still have compared it).
  const compared = [...outcomes].flatMap(([region, outcome]) => (outcome === "NOT_ASKED" ? [] : [{ region, outcome }]));
  await ctx.audit.compared(operation, "Beneficiary", encodeId("Beneficiary", ctx.region.code, doc._id), compared);
  const updated = await beneficiariesOf(ctx.db).findOneAndUpdate(
    { _id: doc._id, status: BeneficiaryStatus.ACTIVE },
    replace
      ? { $set: { possibleDuplicateRegions: found, duplicateCheckMissing: missing } }
      : { $addToSet: { possibleDuplicateRegions: { $each: found } }, $set: { duplicateCheckMissing: missing } },
    { returnDocument: "after" },
  );
  ctx.log.info(
    { event: "beneficiary.duplicates_checked", region: ctx.region.code, flagged: found.length, missing: missing.length },
    "duplicate check across regions",
  );
  return updated ?? doc;
}

/** The answer to another region's check: whether an active household here has the token (and it is flagged). */
export async function answerDuplicateCheck(body: unknown, ctx: MessageContext & { from: string }): Promise<{ match: boolean }> {
  const token = (body as { token?: unknown } | null)?.token;
  if (typeof token !== "string" || !MATCH_TOKEN.test(token))
    throw new LinkError(400, "BAD_REQUEST", "a duplicate check carries one match token");
  const matched = await beneficiariesOf(ctx.db)
    .find({ nationalMatchToken: token, status: BeneficiaryStatus.ACTIVE }, { projection: { _id: 1 } })
    .toArray();
  const ids: ObjectId[] = matched.map((m) => m._id);
  if (ids.length) await beneficiariesOf(ctx.db).updateMany({ _id: { $in: ids } }, { $addToSet: { possibleDuplicateRegions: ctx.from } });
  await recordComparison(
    ctx.db,
    ctx.from,
    "duplicateCheck",
    "Beneficiary",
    ids.map((id) => encodeId("Beneficiary", ctx.region.code, id)),
    ids.length ? "MATCH" : "NO_MATCH",
  );
  ctx.log.info(
    { event: "beneficiary.duplicate_check_answered", region: ctx.region.code, from: ctx.from, match: ids.length > 0 },
    "duplicate check answered",
  );
  return { match: ids.length > 0 };
}

/** Per other region, how many of this region's active households it may also have enrolled. */
export async function duplicateHouseholds(db: Db): Promise<Array<{ region: string; households: number }>> {
  const counts = await beneficiariesOf(db)
    .aggregate<{ _id: string; households: number }>([
      { $match: { status: BeneficiaryStatus.ACTIVE, "possibleDuplicateRegions.0": { $exists: true } } },
      { $unwind: "$possibleDuplicateRegions" },
      { $group: { _id: "$possibleDuplicateRegions", households: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ])
    .toArray();
  return counts.map((c) => ({ region: c._id, households: c.households }));
}
