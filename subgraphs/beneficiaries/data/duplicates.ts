// Households enrolled in more than one region. Families move, so an enrolment is never
// refused for it; the region enrolling a household asks every other region, at that moment,
// whether it has an active household with the same national match token (pseudonym.ts): a
// keyed hash under the national key, never the ID, a region's own hash of it, a name or a
// record id. A region answers only a signed message from another region (host/link.ts), once
// per message (a replay is refused), at most MAX_CHECKS_PER_MINUTE per asking region, and
// only yes or no (and whether every household it has could be compared); it flags its own
// household too. Both sides audit every comparison under the message's id. A region that
// cannot be asked in time, or cannot compare (no national key, another one, households
// without a token), is listed as missing: the enrolment goes on without it. When a household
// withdraws consent, the regions it was flagged with are told (durably) to drop the flag.
import { randomUUID } from "node:crypto";
import type { ObjectId } from "bson";
import type { Db } from "mongodb";
import { recordComparison, type Comparison, type ComparisonOutcome } from "../../kernel/audit.js";
import type { SubgraphContext } from "../../kernel/context.js";
import { encodeId } from "../../kernel/ids.js";
import { LinkError, type MessageContext } from "../../kernel/messaging.js";
import type { IndexPlan } from "../../kernel/mongo.js";
import { isDuplicateKey } from "../../kernel/mongo.js";
import { MATCH_TOKEN } from "../../kernel/pseudonym.js";
import { BeneficiaryStatus } from "../types/enums.js";
import { beneficiariesOf, type BeneficiaryDoc } from "./beneficiaries.js";

/** "Is this token enrolled with you?", from one region's beneficiaries service to another's. */
export const DUPLICATE_CHECK = "duplicate.check";
/** "The household with this token you flagged with us has withdrawn consent here." */
export const DUPLICATE_WITHDRAWN = "duplicate.withdrawn";
/** Checks a region answers per minute for one asking region: beyond, it is looking people up, not enrolling them. */
export const MAX_CHECKS_PER_MINUTE = 300;

/** Checks answered lately (by digest of the very message): replays and rates. */
interface CheckDoc {
  _id: string;
  from: string;
  at: Date;
}
const CHECKS = "duplicate_checks";
export const duplicateIndexes: IndexPlan = {
  // Longer than a message is valid (link.ts): a replay is always found.
  [CHECKS]: [
    { key: { at: 1 }, name: "expire", expireAfterSeconds: 900 },
    { key: { from: 1, at: 1 }, name: "from_recent" },
  ],
};
const checksOf = (db: Db) => db.collection<CheckDoc>(CHECKS);

/** Which national key a region's tokens are made with (a token of no national ID): tokens under two keys never compare. */
const keyIdOf = (matchToken: (nationalId: string) => string) => matchToken("key-id").slice(0, 16);

/** What became of asking one region: NOT_ASKED when it could not be (no token, no key or address for it). */
type Asked = { outcome: ComparisonOutcome; message: string } | "NOT_ASKED";

const isMissing = (a: Asked) => a === "NOT_ASKED" || a.outcome === "UNREACHABLE" || a.outcome === "INCOMPLETE";

/** Every region of the registry but this one: those a household is compared with. */
export const otherRegions = (ctx: SubgraphContext): string[] =>
  ctx.registry.regions.map((r) => r.code).filter((code) => code !== ctx.region.code);

/** Asks every other region of the registry about `token`, in parallel, until the request's wait ends. */
async function askRegions(ctx: SubgraphContext, token: string | undefined): Promise<Map<string, Asked>> {
  const others = otherRegions(ctx);
  const outcomes = await Promise.all(
    others.map(async (to): Promise<Asked> => {
      if (!token || !ctx.matchToken || ctx.messaging.unreachable(to, "beneficiaries")) return "NOT_ASKED";
      const message = `${DUPLICATE_CHECK}:${randomUUID()}`;
      try {
        const reply = (await ctx.messaging.ask(
          to,
          "beneficiaries",
          DUPLICATE_CHECK,
          { token, key: keyIdOf(ctx.matchToken) },
          ctx.waitUntil,
          message,
        )) as {
          match?: unknown;
          complete?: unknown;
        };
        if (typeof reply?.match !== "boolean") throw new Error(`${to} answered without a match`);
        return { message, outcome: reply.match ? "MATCH" : reply.complete === true ? "NO_MATCH" : "INCOMPLETE" };
      } catch (err) {
        ctx.log.warn(
          { event: "beneficiary.duplicate_check_failed", region: ctx.region.code, to, reason: (err as Error).message },
          "duplicate check not answered",
        );
        return { message, outcome: "UNREACHABLE" };
      }
    }),
  );
  return new Map(others.map((code, i) => [code, outcomes[i]]));
}

/**
 * Checks household `doc` against every other region and records what was found on it. A
 * recheck (`replace`) puts the answers in place of the earlier ones, but a region that could
 * not be asked keeps its earlier flag (not known is not "no"); at enrolment they are added to
 * any flag another region's check put there meanwhile. The household as stored.
 */
export async function checkDuplicates(
  ctx: SubgraphContext,
  doc: BeneficiaryDoc,
  operation: string,
  replace: boolean,
): Promise<BeneficiaryDoc> {
  const asked = await askRegions(ctx, doc.nationalMatchToken);
  const missing = [...asked].filter(([, a]) => isMissing(a)).map(([code]) => code);
  const found = [...asked].filter(([, a]) => a !== "NOT_ASKED" && a.outcome === "MATCH").map(([code]) => code);
  const kept = replace ? (doc.possibleDuplicateRegions ?? []).filter((code) => missing.includes(code)) : [];
  // Every region the token went to (an unanswered one may still have compared it), by message.
  const compared: Comparison[] = [...asked].flatMap(([region, a]) => (a === "NOT_ASKED" ? [] : [{ region, ...a }]));
  await ctx.audit.compared(operation, "Beneficiary", encodeId("Beneficiary", ctx.region.code, doc._id), compared);
  const flags = [...new Set([...found, ...kept])].sort();
  const updated = await beneficiariesOf(ctx.db).findOneAndUpdate(
    { _id: doc._id, status: BeneficiaryStatus.ACTIVE },
    replace
      ? { $set: { possibleDuplicateRegions: flags, duplicateCheckMissing: missing, duplicateCheckedAt: new Date() } }
      : {
          $addToSet: { possibleDuplicateRegions: { $each: flags } },
          $set: { duplicateCheckMissing: missing, duplicateCheckedAt: new Date() },
        },
    { returnDocument: "after" },
  );
  ctx.log.info(
    { event: "beneficiary.duplicates_checked", region: ctx.region.code, flagged: flags.length, missing: missing.length },
    "duplicate check across regions",
  );
  return updated ?? doc;
}

type Received = MessageContext & { from: string; message: { id: string; digest: string } };

/** Audits what a message from another region compared here, under the message's id. */
const recordReceived = (ctx: Received, operation: string, ids: ObjectId[], outcome: ComparisonOutcome) =>
  recordComparison(
    ctx.db,
    ctx.from,
    operation,
    "Beneficiary",
    ids.map((id) => encodeId("Beneficiary", ctx.region.code, id)),
    outcome,
    ctx.message.id,
  );

/** The token of a message from another region that this region can compare; LinkError otherwise. */
function tokenOf(body: unknown, ctx: Received): string {
  const { token, key } = (body ?? {}) as { token?: unknown; key?: unknown };
  if (typeof token !== "string" || !MATCH_TOKEN.test(token))
    throw new LinkError(400, "BAD_REQUEST", "a duplicate check carries one match token");
  // Refused, not "no match": the asking region then lists this one as missing.
  if (!ctx.matchToken || key !== keyIdOf(ctx.matchToken)) {
    throw new LinkError(409, "CONFLICT", `${ctx.region.code} cannot compare: no national key, or another one (NATIONAL_MATCH_KEY)`);
  }
  return token;
}

/** The answer to another region's check: whether an active household here has the token (it is then flagged). */
export async function answerDuplicateCheck(body: unknown, ctx: Received): Promise<{ match: boolean; complete: boolean }> {
  const token = tokenOf(body, ctx);
  const now = new Date();
  try {
    await checksOf(ctx.db).insertOne({ _id: ctx.message.digest, from: ctx.from, at: now });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    throw new LinkError(409, "CONFLICT", "this check was answered already: a replay");
  }
  const recent = await checksOf(ctx.db).countDocuments({ from: ctx.from, at: { $gt: new Date(now.getTime() - 60_000) } });
  if (recent > MAX_CHECKS_PER_MINUTE) {
    ctx.log.warn(
      { event: "beneficiary.duplicate_checks_limited", region: ctx.region.code, from: ctx.from, perMinute: recent },
      "too many duplicate checks",
    );
    throw new LinkError(429, "TOO_MANY_REQUESTS", `more than ${MAX_CHECKS_PER_MINUTE} duplicate checks a minute from ${ctx.from}`);
  }
  const matched = await beneficiariesOf(ctx.db)
    .find({ nationalMatchToken: token, status: BeneficiaryStatus.ACTIVE }, { projection: { _id: 1 } })
    .toArray();
  const ids: ObjectId[] = matched.map((m) => m._id);
  if (ids.length) await beneficiariesOf(ctx.db).updateMany({ _id: { $in: ids } }, { $addToSet: { possibleDuplicateRegions: ctx.from } });
  // Households enrolled before tokens (or without the key) cannot be compared: "no" would not be known.
  const complete =
    ids.length > 0 ||
    (await beneficiariesOf(ctx.db).countDocuments(
      { status: BeneficiaryStatus.ACTIVE, nationalMatchToken: { $exists: false } },
      { limit: 1 },
    )) === 0;
  const outcome: ComparisonOutcome = ids.length ? "MATCH" : complete ? "NO_MATCH" : "INCOMPLETE";
  await recordReceived(ctx, "duplicateCheck", ids, outcome);
  ctx.log.info(
    { event: "beneficiary.duplicate_check_answered", region: ctx.region.code, from: ctx.from, outcome },
    "duplicate check answered",
  );
  return { match: ids.length > 0, complete };
}

/** Tells the regions a withdrawing household was flagged with to drop the flag (durably: the outbox). */
export async function announceWithdrawal(
  ctx: SubgraphContext,
  doc: Pick<BeneficiaryDoc, "nationalMatchToken" | "possibleDuplicateRegions">,
) {
  if (!doc.nationalMatchToken || !ctx.matchToken) return;
  for (const to of doc.possibleDuplicateRegions ?? []) {
    if (ctx.messaging.unreachable(to, "beneficiaries")) continue;
    // A random id: the household's own never leaves the region.
    await ctx.messaging.send({
      id: `${DUPLICATE_WITHDRAWN}:${randomUUID()}`,
      to,
      subgraph: "beneficiaries",
      type: DUPLICATE_WITHDRAWN,
      body: { token: doc.nationalMatchToken, key: keyIdOf(ctx.matchToken) },
    });
  }
}

/** Another region's household withdrew consent: the households here with its token drop that region's flag. */
export async function answerWithdrawal(body: unknown, ctx: Received): Promise<Record<string, never>> {
  const token = tokenOf(body, ctx);
  const matched = await beneficiariesOf(ctx.db)
    .find({ nationalMatchToken: token, possibleDuplicateRegions: ctx.from }, { projection: { _id: 1 } })
    .toArray();
  const ids = matched.map((m) => m._id);
  if (ids.length) await beneficiariesOf(ctx.db).updateMany({ _id: { $in: ids } }, { $pull: { possibleDuplicateRegions: ctx.from } });
  await recordReceived(ctx, "duplicateWithdrawn", ids, ids.length ? "MATCH" : "NO_MATCH");
  return {};
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
