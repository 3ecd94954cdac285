import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownId, ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { conflict } from "../../kernel/errors.js";
import { PageArgs } from "../../kernel/pagination.js";
import { byId } from "../../kernel/references.js";
import { requireOrganisation } from "../../kernel/region-records.js";
import { requiredText } from "../../kernel/text.js";
import { createOnce } from "../../kernel/idempotency.js";
import { groupsOf, insertGroup, pageVolunteers, toGroup, toVolunteer, volunteersOf } from "../data/volunteers.js";
import { organisationsOf, toOrganisation } from "../data/organisations.js";
import { Organisation } from "../types/organisation.js";
import { CreateVolunteerGroupInput } from "../types/inputs.js";
import { Volunteer, VolunteerConnection, VolunteerGroup } from "../types/volunteer.js";
import { requireGroup, requireVolunteer } from "./lookups.js";

@Resolver(() => VolunteerGroup)
export class VolunteerGroupResolver {
  @Query(() => VolunteerGroup, { nullable: true })
  async volunteerGroup(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<VolunteerGroup> {
    ctx.access.forbidVolunteer("Volunteer groups");
    return toGroup(await requireGroup(ctx, id), ctx.region.code);
  }

  @Mutation(() => VolunteerGroup, { nullable: true, description: "A group name is unique within its region." })
  async createVolunteerGroup(@Arg("input") input: CreateVolunteerGroupInput, @Ctx() ctx: SubgraphContext): Promise<VolunteerGroup> {
    const region = ownRegion(ctx, input.region, "input.region").code;
    ctx.access.requireWrite(region);
    const fields = {
      name: requiredText(input.name, "input.name"),
      organisationId: await requireOrganisation(ctx.db, input.organisationId, region, "input.organisationId"),
      leaderId: input.leaderId ? ownId(ctx, input.leaderId, "Volunteer", "input.leaderId").objectId : null,
    };
    const { record, repeated } = await createOnce(ctx, {
      mutation: "createVolunteerGroup",
      key: input.idempotencyKey,
      payload: { ...fields, actor: ctx.access.actor },
      insert: async (_id, keyed) => {
        if (input.leaderId) await requireVolunteer(ctx, input.leaderId, "input.leaderId");
        return insertGroup(ctx.db, region, { ...fields, ...keyed }, _id);
      },
      find: (_id) => groupsOf(ctx.db).findOne({ _id }),
      // The leader joins the group, once: a repeat finds them changed since and leaves them be.
      complete: async (group) => {
        if (group.leaderId) {
          await volunteersOf(ctx.db).updateOne(
            { _id: group.leaderId, updatedAt: { $lte: group.createdAt } },
            { $set: { groupId: group._id, updatedAt: new Date() } },
          );
        }
        return group;
      },
    });
    const group = toGroup(record, region);
    if (!repeated) ctx.log.info({ event: "group.created", id: group.id, actor: ctx.access.actor }, "volunteer group created");
    return group;
  }

  @Mutation(() => VolunteerGroup, { nullable: true, description: "The leader must be a member of the group." })
  async setVolunteerGroupLeader(
    @Arg("groupId", () => ID) groupId: string,
    @Arg("volunteerId", () => ID) volunteerId: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<VolunteerGroup> {
    const group = await requireGroup(ctx, groupId, "groupId");
    ctx.access.requireWrite(ctx.region.code);
    const volunteer = await requireVolunteer(ctx, volunteerId, "volunteerId");
    if (!volunteer.groupId?.equals(group._id)) {
      throw conflict(`volunteerId: volunteer ${volunteerId} is not a member of group ${groupId}`, { field: "volunteerId" });
    }
    const doc = await groupsOf(ctx.db).findOneAndUpdate(
      { _id: group._id },
      { $set: { leaderId: volunteer._id } },
      { returnDocument: "after" },
    );
    return toGroup(doc ?? group, ctx.region.code);
  }

  @Mutation(() => VolunteerGroup, {
    nullable: true,
    description: "Which organisation registered with the region the group works for; null for none.",
  })
  async setVolunteerGroupOrganisation(
    @Arg("groupId", () => ID) groupId: string,
    @Arg("organisationId", () => ID, { nullable: true }) organisationId: string | null,
    @Ctx() ctx: SubgraphContext,
  ): Promise<VolunteerGroup> {
    ctx.access.requireWrite(ctx.region.code);
    const group = await requireGroup(ctx, groupId, "groupId");
    const value = await requireOrganisation(ctx.db, organisationId, ctx.region.code, "organisationId");
    await groupsOf(ctx.db).updateOne({ _id: group._id }, { $set: { organisationId: value } });
    // Whom its volunteers' help counts for from now on: on record.
    ctx.log.info(
      { event: "group.organisation", id: groupId, organisationId: value, actor: ctx.access.actor },
      "volunteer group organisation set",
    );
    return toGroup({ ...group, organisationId: value }, ctx.region.code);
  }

  @FieldResolver(() => Organisation, { nullable: true, description: "The organisation the group works for." })
  async organisation(@Root() group: VolunteerGroup, @Ctx() ctx: SubgraphContext): Promise<Organisation | null> {
    if (!group.organisationId) return null;
    const doc = await byId(ctx, organisationsOf(ctx.db)).load(ownId(ctx, group.organisationId, "Organisation").objectId);
    return doc ? toOrganisation(doc, ctx.region.code) : null;
  }

  @FieldResolver(() => Volunteer, { nullable: true })
  async leader(@Root() group: VolunteerGroup, @Ctx() ctx: SubgraphContext): Promise<Volunteer | null> {
    if (!group.leaderId) return null;
    const doc = await byId(ctx, volunteersOf(ctx.db)).load(ownId(ctx, group.leaderId, "Volunteer").objectId);
    return doc ? toVolunteer(doc, ctx.region.code) : null;
  }

  @FieldResolver(() => Int)
  async memberCount(@Root() group: VolunteerGroup, @Ctx() ctx: SubgraphContext): Promise<number> {
    return volunteersOf(ctx.db).countDocuments({ groupId: ownId(ctx, group.id, "VolunteerGroup").objectId });
  }

  @FieldResolver(() => VolunteerConnection)
  async members(@Root() group: VolunteerGroup, @Args() page: PageArgs, @Ctx() ctx: SubgraphContext): Promise<VolunteerConnection> {
    return pageVolunteers(ctx.db, ctx.region.code, { groupId: ownId(ctx, group.id, "VolunteerGroup").objectId }, page);
  }
}
