import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { OncePerRequest, ownId, ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { badInput, conflict, forbidden } from "../../kernel/errors.js";
import { normalizeIin } from "../../kernel/iin.js";
import { normalizePhone } from "../../kernel/phone.js";
import { DEFAULT_PAGE, MAX_PAGE } from "../../kernel/pagination.js";
import { requireOwn } from "../../kernel/references.js";
import { distinct, requiredText } from "../../kernel/text.js";
import { capturedAt } from "../../kernel/capture.js";
import { asSet, createOnce } from "../../kernel/idempotency.js";
import { encodeId } from "../../kernel/ids.js";
import {
  beneficiariesOf,
  eraseBeneficiary,
  insertBeneficiary,
  NATIONAL_ID_PURPOSE,
  toBeneficiary,
  type BeneficiaryDoc,
} from "../data/beneficiaries.js";
import { announceWithdrawal, checkDuplicates, otherRegions } from "../data/duplicates.js";
import { queueOf } from "../data/help-requests.js";
import { Beneficiary } from "../types/beneficiary.js";
import { BeneficiaryStatus, HelpRequestStatus } from "../types/enums.js";
import { HelpRequest } from "../types/help-request.js";
import { EnrollBeneficiaryInput, UpdateBeneficiaryInput } from "../types/inputs.js";

/**
 * National ID numbers are Kazakhstan IINs, checked (format, birth date, check digit)
 * before they are hashed, so a typo is refused instead of enrolling a second "person".
 */
function normalizeNationalId(raw: string): string {
  return normalizeIin(raw, "input.nationalId");
}

const requireBeneficiary = (ctx: SubgraphContext, id: string, field?: string): Promise<BeneficiaryDoc> =>
  requireOwn(ctx, beneficiariesOf(ctx.db), "Beneficiary", id, field);

@Resolver(() => Beneficiary)
export class BeneficiaryResolver {
  @Query(() => Beneficiary, { nullable: true })
  async beneficiary(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Beneficiary> {
    ctx.access.forbidVolunteer("Beneficiaries");
    return toBeneficiary(await requireBeneficiary(ctx, id), ctx.region.code);
  }

  @Mutation(() => Beneficiary, {
    nullable: true,
    description: "Needs consent.given: true (else nothing is stored). The same national ID twice in a region is CONFLICT.",
  })
  async enrollBeneficiary(@Arg("input") input: EnrollBeneficiaryInput, @Ctx() ctx: SubgraphContext): Promise<Beneficiary> {
    const regionInfo = ownRegion(ctx, input.region, "input.region");
    const region = regionInfo.code;
    const caller = ctx.access.requireWrite(region);
    if (input.consent.given !== true) {
      throw badInput("input.consent.given: consent must be given (true) before anything is stored", { field: "input.consent.given" });
    }
    const nationalId = normalizeNationalId(input.nationalId);
    const fields = {
      fullName: requiredText(input.fullName, "input.fullName"),
      phone: input.phone ? normalizePhone(input.phone, "input.phone") : null,
      address: input.address ? requiredText(input.address, "input.address", 300) : null,
      nationalIdHash: ctx.keyedHash(NATIONAL_ID_PURPOSE, nationalId),
      householdSize: input.householdSize,
      vulnerabilities: distinct(input.vulnerabilities),
      needs: distinct(input.needs),
      purpose: requiredText(input.consent.purpose, "input.consent.purpose"),
      capturedAt: capturedAt(input.capturedAt, regionInfo),
    };
    const { purpose, ...kept } = fields;
    const { record, repeated } = await createOnce(ctx, {
      mutation: "enrollBeneficiary",
      key: input.idempotencyKey,
      payload: { ...fields, vulnerabilities: asSet(fields.vulnerabilities), needs: asSet(fields.needs), actor: ctx.access.actor },
      insert: async (_id, keyed) => {
        const now = new Date();
        const doc: BeneficiaryDoc = {
          _id,
          ...kept,
          ...keyed,
          ...(ctx.matchToken ? { nationalMatchToken: ctx.matchToken(nationalId) } : {}),
          // Until the other regions have answered (a crash in between leaves it so: recheckDuplicates).
          possibleDuplicateRegions: [],
          duplicateCheckMissing: otherRegions(ctx),
          consent: { given: true, purpose, recordedAt: now, recordedBy: caller.sub, withdrawnAt: null },
          status: BeneficiaryStatus.ACTIVE,
          registeredAt: now,
          updatedAt: now,
        };
        return insertBeneficiary(ctx.db, region, doc);
      },
      find: (_id) => beneficiariesOf(ctx.db).findOne({ _id }),
      complete: async (doc, _id) => {
        await ctx.audit.write("enrollBeneficiary", "Beneficiary", [encodeId("Beneficiary", region, _id)], _id);
        return doc;
      },
    });
    // A repeat returns the household as stored, compared once (a first attempt cut off before comparing is finished).
    const checked =
      repeated && (record.duplicateCheckedAt || record.status !== BeneficiaryStatus.ACTIVE)
        ? record
        : await checkDuplicates(ctx, record, "enrollBeneficiary", false);
    const beneficiary = toBeneficiary(checked, region);
    if (!repeated) ctx.log.info({ event: "beneficiary.enrolled", id: beneficiary.id, actor: ctx.access.actor }, "beneficiary enrolled");
    return beneficiary;
  }

  @Mutation(() => Beneficiary, {
    nullable: true,
    description:
      "Asks every other region again whether it has this household enrolled (by its national match token), and replaces possibleDuplicateRegions and duplicateCheckMissing with the answers. Staff of the region; audited in both regions.",
  })
  async recheckDuplicates(
    @Arg("id", () => ID) id: string,
    @Arg("nationalId", () => String, {
      nullable: true,
      description:
        "Only for a household enrolled before these checks (no national ID is kept): checked against the one it was enrolled with.",
    })
    nationalId: string | null | undefined,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Beneficiary> {
    ownId(ctx, id, "Beneficiary");
    ctx.access.requireWrite(ctx.region.code);
    let doc = await requireBeneficiary(ctx, id);
    if (doc.status !== BeneficiaryStatus.ACTIVE) throw conflict(`beneficiary ${id} has withdrawn consent; there is nothing to compare`);
    if (!doc.nationalMatchToken && ctx.matchToken) {
      if (!nationalId) {
        throw badInput(`nationalId: beneficiary ${id} was enrolled before cross-region checks; give its national ID to compare it`, {
          field: "nationalId",
        });
      }
      const iin = normalizeIin(nationalId, "nationalId");
      if (ctx.keyedHash(NATIONAL_ID_PURPOSE, iin) !== doc.nationalIdHash) {
        throw badInput(`nationalId: not the national ID beneficiary ${id} was enrolled with`, { field: "nationalId" });
      }
      doc =
        (await beneficiariesOf(ctx.db).findOneAndUpdate(
          { _id: doc._id, status: BeneficiaryStatus.ACTIVE },
          { $set: { nationalMatchToken: ctx.matchToken(iin) } },
          { returnDocument: "after" },
        )) ?? doc;
    }
    return toBeneficiary(await checkDuplicates(ctx, doc, "recheckDuplicates", true), ctx.region.code);
  }

  @FieldResolver(() => [String])
  duplicateCheckMissing(@Root() beneficiary: Beneficiary, @Ctx() ctx: SubgraphContext): string[] {
    const region = beneficiary.region.code;
    if (!ctx.access.canSeePersonal(region)) {
      throw forbidden(`Beneficiary.duplicateCheckMissing is personal data: visible to ${region} staff`);
    }
    if (beneficiary.status !== BeneficiaryStatus.ACTIVE) return [];
    // Never compared (enrolled before the checks): no other region was asked.
    return beneficiary.duplicateCheckMissing ?? otherRegions(ctx);
  }

  @Mutation(() => Beneficiary, { nullable: true, description: "Changes the fields given. Not possible once consent is withdrawn." })
  async updateBeneficiary(
    @Arg("id", () => ID) id: string,
    @Arg("input") input: UpdateBeneficiaryInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Beneficiary> {
    const { objectId } = ownId(ctx, id, "Beneficiary");
    ctx.access.requireWrite(ctx.region.code);
    const set: Partial<BeneficiaryDoc> = {};
    if (input.fullName !== undefined) set.fullName = requiredText(input.fullName, "input.fullName");
    if (input.householdSize !== undefined) set.householdSize = input.householdSize;
    if (input.phone !== undefined) set.phone = input.phone ? normalizePhone(input.phone, "input.phone") : null;
    if (input.address !== undefined) set.address = input.address ? requiredText(input.address, "input.address", 300) : null;
    if (input.vulnerabilities) set.vulnerabilities = distinct(input.vulnerabilities);
    if (input.needs) set.needs = distinct(input.needs);
    const doc = await beneficiariesOf(ctx.db).findOneAndUpdate(
      { _id: objectId, status: BeneficiaryStatus.ACTIVE },
      { $set: { ...set, updatedAt: new Date() } },
      { returnDocument: "after" },
    );
    if (!doc) {
      await requireBeneficiary(ctx, id);
      throw conflict(`beneficiary ${id} has withdrawn consent; their record can no longer be changed`);
    }
    await ctx.audit.write("updateBeneficiary", "Beneficiary", [id]);
    ctx.log.info({ event: "beneficiary.updated", id, fields: Object.keys(set), actor: ctx.access.actor }, "beneficiary updated");
    return toBeneficiary(doc, ctx.region.code);
  }

  @Mutation(() => Beneficiary, {
    nullable: true,
    description:
      "Erases the personal fields (and the national ID hash) of the beneficiary and of their help requests; aggregates keep counting them.",
  })
  async withdrawConsent(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Beneficiary> {
    const { objectId } = ownId(ctx, id, "Beneficiary");
    ctx.access.requireWrite(ctx.region.code);
    const flagged = await beneficiariesOf(ctx.db).findOne(
      { _id: objectId, status: BeneficiaryStatus.ACTIVE },
      { projection: { nationalMatchToken: 1, possibleDuplicateRegions: 1 } },
    );
    const doc = await eraseBeneficiary(ctx.db, objectId, ctx.access.actor);
    if (!doc) {
      await requireBeneficiary(ctx, id);
      throw conflict(`beneficiary ${id} has already withdrawn consent`);
    }
    await ctx.audit.write("withdrawConsent", "Beneficiary", [id]);
    // The regions it was flagged with drop the flag: it is no longer enrolled here.
    if (flagged) await announceWithdrawal(ctx, flagged);
    ctx.log.info({ event: "beneficiary.consent_withdrawn", id, actor: ctx.access.actor }, "consent withdrawn, personal data erased");
    return toBeneficiary(doc, ctx.region.code);
  }

  @OncePerRequest()
  @FieldResolver(() => [HelpRequest], {
    description: `The beneficiary's help requests, most urgent and oldest first: the first \`first\` (1 to ${MAX_PAGE}).`,
  })
  async helpRequests(
    @Root() beneficiary: Beneficiary,
    @Arg("status", () => HelpRequestStatus, { nullable: true }) status: HelpRequestStatus | undefined,
    @Arg("first", () => Int, { defaultValue: DEFAULT_PAGE }) first: number,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest[]> {
    const _id = ownId(ctx, beneficiary.id, "Beneficiary").objectId;
    return queueOf(ctx.db, ctx.region.code, { beneficiaryId: _id }, status, first);
  }
}
