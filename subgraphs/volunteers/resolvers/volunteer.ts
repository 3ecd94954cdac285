import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownId, ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { notFound } from "../../kernel/errors.js";
import { normalizePhone } from "../../kernel/phone.js";
import { distinct, requiredText } from "../../kernel/text.js";
import { asSet, createOnce } from "../../kernel/idempotency.js";
import { insertVolunteer, toGroup, toVolunteer, updateVolunteerDoc, volunteersOf, type VolunteerDoc } from "../data/volunteers.js";
import { VolunteerStatus } from "../types/enums.js";
import { RegisterVolunteerInput, UpdateVolunteerInput } from "../types/inputs.js";
import { Volunteer, VolunteerGroup } from "../types/volunteer.js";
import { requireGroup, requireVolunteer } from "./lookups.js";

@Resolver(() => Volunteer)
export class VolunteerResolver {
  @Query(() => Volunteer, { nullable: true, description: "A volunteer by id (routed to the id's region)." })
  async volunteer(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Volunteer> {
    ctx.access.requireSelfIfVolunteer(id, "profile");
    return toVolunteer(await requireVolunteer(ctx, id), ctx.region.code);
  }

  @Mutation(() => Volunteer, {
    nullable: true,
    description: "Registers an ACTIVE volunteer; a phone already registered in the region is CONFLICT.",
  })
  async registerVolunteer(@Arg("input") input: RegisterVolunteerInput, @Ctx() ctx: SubgraphContext): Promise<Volunteer> {
    const region = ownRegion(ctx, input.region, "input.region").code;
    ctx.access.requireWrite(region);
    const fields = {
      fullName: requiredText(input.fullName, "input.fullName"),
      phone: normalizePhone(input.phone, "input.phone"),
      skills: distinct(input.skills),
      languages: distinct(input.languages),
      status: VolunteerStatus.ACTIVE,
      groupId: input.groupId ? ownId(ctx, input.groupId, "VolunteerGroup", "input.groupId").objectId : null,
    };
    const { record, repeated } = await createOnce(ctx, {
      mutation: "registerVolunteer",
      key: input.idempotencyKey,
      payload: { ...fields, skills: asSet(fields.skills), languages: asSet(fields.languages), actor: ctx.access.actor },
      insert: async (_id, keyed) => {
        if (input.groupId) await requireGroup(ctx, input.groupId, "input.groupId");
        return insertVolunteer(ctx.db, region, { ...fields, ...keyed }, _id);
      },
      find: (_id) => volunteersOf(ctx.db).findOne({ _id }),
    });
    const volunteer = toVolunteer(record, region);
    if (!repeated) ctx.log.info({ event: "volunteer.registered", id: volunteer.id, actor: ctx.access.actor }, "volunteer registered");
    return volunteer;
  }

  @Mutation(() => Volunteer, { nullable: true, description: "Changes the fields given; the phone stays unique in the region." })
  async updateVolunteer(
    @Arg("id", () => ID) id: string,
    @Arg("input") input: UpdateVolunteerInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Volunteer> {
    const { objectId } = ownId(ctx, id, "Volunteer");
    ctx.access.requireWrite(ctx.region.code);
    const set: Partial<VolunteerDoc> = {};
    if (input.fullName !== undefined) set.fullName = requiredText(input.fullName, "input.fullName");
    if (input.phone !== undefined) set.phone = normalizePhone(input.phone, "input.phone");
    if (input.skills) set.skills = distinct(input.skills);
    if (input.languages) set.languages = distinct(input.languages);
    if (input.groupId !== undefined) set.groupId = input.groupId ? (await requireGroup(ctx, input.groupId, "input.groupId"))._id : null;
    const doc = await updateVolunteerDoc(ctx.db, ctx.region.code, objectId, set);
    if (!doc) throw notFound(`id: no volunteer ${id}`, { field: "id", id });
    ctx.log.info({ event: "volunteer.updated", id, fields: Object.keys(set), actor: ctx.access.actor }, "volunteer updated");
    return toVolunteer(doc, ctx.region.code);
  }

  @Mutation(() => Volunteer, { nullable: true })
  async setVolunteerStatus(
    @Arg("id", () => ID) id: string,
    @Arg("status", () => VolunteerStatus) status: VolunteerStatus,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Volunteer> {
    const { objectId } = ownId(ctx, id, "Volunteer");
    ctx.access.requireWrite(ctx.region.code);
    const doc = await updateVolunteerDoc(ctx.db, ctx.region.code, objectId, { status });
    if (!doc) throw notFound(`id: no volunteer ${id}`, { field: "id", id });
    ctx.log.info({ event: "volunteer.status", id, status, actor: ctx.access.actor }, "volunteer status set");
    return toVolunteer(doc, ctx.region.code);
  }

  @FieldResolver(() => VolunteerGroup, { nullable: true })
  async group(@Root() volunteer: Volunteer, @Ctx() ctx: SubgraphContext): Promise<VolunteerGroup | null> {
    if (!volunteer.groupId) return null;
    const doc = await requireGroup(ctx, volunteer.groupId, "groupId").catch(() => null);
    return doc ? toGroup(doc, ctx.region.code) : null;
  }
}
