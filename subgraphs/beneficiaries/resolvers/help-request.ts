import { ObjectId } from "bson";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownId, ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { VolunteerRef } from "../types/entities.js";
import { forbidden } from "../../kernel/errors.js";
import { normalizePhone } from "../../kernel/phone.js";
import { byId, requireOwn } from "../../kernel/references.js";
import { optionalText, requiredText } from "../../kernel/text.js";
import { organisationOfVolunteer, requireActiveVolunteer, requireConsentingBeneficiary } from "../../kernel/region-records.js";
import { capturedAt } from "../../kernel/capture.js";
import { createOnce } from "../../kernel/idempotency.js";
import { encodeId } from "../../kernel/ids.js";
import { beneficiariesOf, forgetIfWithdrawn, toBeneficiary } from "../data/beneficiaries.js";
import { helpRequestsOf, toHelpRequest, transition, type HelpRequestDoc } from "../data/help-requests.js";
import { Beneficiary } from "../types/beneficiary.js";
import { HelpRequestStatus, Need, Urgency, URGENCY_RANK } from "../types/enums.js";
import { HelpRequest } from "../types/help-request.js";
import { OpenHelpRequestInput } from "../types/inputs.js";

/** Notes and reasons: free text that may run over several lines. */
const NOTE = { multiline: true };
const optionalNote = (note: string | undefined | null) => optionalText(note, "note", 2000, NOTE);

@Resolver(() => HelpRequest)
export class HelpRequestResolver {
  @Query(() => HelpRequest, { nullable: true })
  async helpRequest(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<HelpRequest> {
    const doc = await requireOwn(ctx, helpRequestsOf(ctx.db), "HelpRequest", id);
    // Volunteers see the requests assigned to them.
    if (ctx.access.caller?.role === "VOLUNTEER" && doc.assignedVolunteerId !== ctx.access.caller.sub) {
      throw forbidden(`help request ${id} is not assigned to you`);
    }
    return toHelpRequest(doc, ctx.region.code);
  }

  @Mutation(() => HelpRequest, {
    nullable: true,
    description: "A new request (status NEW) from a call, a visit, a form, a referral or outreach.",
  })
  async openHelpRequest(@Arg("input") input: OpenHelpRequestInput, @Ctx() ctx: SubgraphContext): Promise<HelpRequest> {
    const regionInfo = ownRegion(ctx, input.region, "input.region");
    const region = regionInfo.code;
    ctx.access.requireWrite(region);
    const beneficiary = input.beneficiaryId ? ownId(ctx, input.beneficiaryId, "Beneficiary", "input.beneficiaryId") : null;
    const fields = {
      channel: input.channel,
      need: input.need,
      urgency: input.urgency,
      urgencyRank: URGENCY_RANK[input.urgency],
      description: optionalText(input.description, "input.description", 2000, NOTE),
      contactPhone: input.contactPhone ? normalizePhone(input.contactPhone, "input.contactPhone") : null,
      beneficiaryId: beneficiary?.objectId ?? null,
      capturedAt: capturedAt(input.capturedAt, regionInfo),
    };
    const { record, repeated } = await createOnce(ctx, {
      mutation: "openHelpRequest",
      key: input.idempotencyKey,
      payload: { ...fields, actor: ctx.access.actor },
      insert: async (_id, keyed) => {
        if (beneficiary) await requireConsentingBeneficiary(ctx.db, beneficiary.objectId, input.beneficiaryId!, "input.beneficiaryId");
        const now = new Date();
        const doc: HelpRequestDoc = {
          _id,
          ...fields,
          ...keyed,
          assignedVolunteerId: null,
          status: HelpRequestStatus.NEW,
          history: [{ from: null, to: HelpRequestStatus.NEW, at: now, actor: ctx.access.actor, note: null }],
          createdAt: now,
          updatedAt: now,
        };
        await helpRequestsOf(ctx.db).insertOne(doc);
        return doc;
      },
      find: (_id) => helpRequestsOf(ctx.db).findOne({ _id }),
      complete: async (doc, _id) => {
        // Consent withdrawn as the request was opened: nothing personal stays about the household.
        const kept = await forgetIfWithdrawn(ctx.db, doc, ctx.access.actor);
        await ctx.audit.write("openHelpRequest", "HelpRequest", [encodeId("HelpRequest", region, _id)], _id);
        return kept;
      },
    });
    const request = toHelpRequest(record, region);
    if (!repeated) {
      ctx.log.info(
        { event: "help_request.opened", id: request.id, need: record.need, urgency: record.urgency, actor: ctx.access.actor },
        "help request opened",
      );
    }
    return request;
  }

  @Mutation(() => HelpRequest, { nullable: true, description: "NEW → TRIAGED, optionally correcting urgency and need." })
  async triageHelpRequest(
    @Arg("id", () => ID) id: string,
    @Arg("urgency", () => Urgency, { nullable: true }) urgency: Urgency | undefined,
    @Arg("need", () => Need, { nullable: true }) need: Need | undefined,
    @Arg("note", () => String, { nullable: true }) note: string | undefined,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest> {
    const { objectId } = ownId(ctx, id, "HelpRequest");
    ctx.access.requireWrite(ctx.region.code);
    const set: Partial<HelpRequestDoc> = {};
    if (urgency) Object.assign(set, { urgency, urgencyRank: URGENCY_RANK[urgency] });
    if (need) set.need = need;
    return this.move(ctx, "triageHelpRequest", id, objectId, HelpRequestStatus.TRIAGED, { note: optionalNote(note), set });
  }

  @Mutation(() => HelpRequest, {
    nullable: true,
    description: "Assigns an ACTIVE volunteer of the region, from NEW (triage is optional), TRIAGED or ASSIGNED (reassignment).",
  })
  async assignHelpRequest(
    @Arg("id", () => ID) id: string,
    @Arg("volunteerId", () => ID) volunteerId: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest> {
    const { objectId } = ownId(ctx, id, "HelpRequest");
    const volunteer = ownId(ctx, volunteerId, "Volunteer", "volunteerId");
    ctx.access.requireWrite(ctx.region.code);
    await requireActiveVolunteer(ctx.db, volunteer.objectId, volunteerId, "volunteerId", "be assigned");
    // The organisation the volunteer works for (their group's) is whom the help counts for in 3W reports.
    const organisationId = await organisationOfVolunteer(ctx.db, volunteer.objectId);
    return this.move(ctx, "assignHelpRequest", id, objectId, HelpRequestStatus.ASSIGNED, {
      set: { assignedVolunteerId: volunteerId, organisationId },
    });
  }

  @Mutation(() => HelpRequest, { nullable: true, description: "ASSIGNED → IN_PROGRESS, by staff or the assigned volunteer." })
  async startHelpRequest(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<HelpRequest> {
    const { objectId } = ownId(ctx, id, "HelpRequest");
    return this.move(ctx, "startHelpRequest", id, objectId, HelpRequestStatus.IN_PROGRESS, { byAssignee: true });
  }

  @Mutation(() => HelpRequest, { nullable: true, description: "IN_PROGRESS → FULFILLED, by staff or the assigned volunteer." })
  async fulfilHelpRequest(
    @Arg("id", () => ID) id: string,
    @Arg("note", () => String, { nullable: true }) note: string | undefined,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest> {
    const { objectId } = ownId(ctx, id, "HelpRequest");
    return this.move(ctx, "fulfilHelpRequest", id, objectId, HelpRequestStatus.FULFILLED, { byAssignee: true, note: optionalNote(note) });
  }

  @Mutation(() => HelpRequest, { nullable: true, description: "Any open status → CANCELLED, with the reason." })
  async cancelHelpRequest(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String) reason: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest> {
    const { objectId } = ownId(ctx, id, "HelpRequest");
    ctx.access.requireWrite(ctx.region.code);
    return this.move(ctx, "cancelHelpRequest", id, objectId, HelpRequestStatus.CANCELLED, {
      note: requiredText(reason, "reason", 2000, NOTE),
    });
  }

  private async move(
    ctx: SubgraphContext,
    operation: string,
    id: string,
    objectId: ObjectId,
    to: HelpRequestStatus,
    opts: { note?: string | null; set?: Partial<HelpRequestDoc>; byAssignee?: boolean },
  ): Promise<HelpRequest> {
    if (!opts.byAssignee) ctx.access.requireWrite(ctx.region.code);
    const doc = await transition(ctx.db, id, objectId, to, {
      actor: ctx.access.actor,
      note: opts.note,
      set: opts.set,
      check: opts.byAssignee
        ? (current) => {
            try {
              ctx.access.requireWriteOrAssignee(ctx.region.code, current.assignedVolunteerId);
            } catch {
              throw forbidden(`help request ${id} can be moved to ${to} by ${ctx.region.code} staff or its assigned volunteer only`);
            }
          }
        : undefined,
    });
    await ctx.audit.write(operation, "HelpRequest", [id]);
    ctx.log.info({ event: "help_request.transition", id, to, actor: ctx.access.actor }, "help request status changed");
    return toHelpRequest(opts.note ? await forgetIfWithdrawn(ctx.db, doc, ctx.access.actor) : doc, ctx.region.code);
  }

  @FieldResolver(() => Beneficiary, { nullable: true })
  async beneficiary(@Root() request: HelpRequest, @Ctx() ctx: SubgraphContext): Promise<Beneficiary | null> {
    if (!request.beneficiaryId) return null;
    const doc = await byId(ctx, beneficiariesOf(ctx.db)).load(ownId(ctx, request.beneficiaryId, "Beneficiary").objectId);
    return doc ? toBeneficiary(doc, ctx.region.code) : null;
  }

  @FieldResolver(() => VolunteerRef, { nullable: true, description: "Resolved by the volunteers subgraph." })
  assignedVolunteer(@Root() request: HelpRequest): VolunteerRef | null {
    return request.assignedVolunteerId ? { id: request.assignedVolunteerId } : null;
  }
}
