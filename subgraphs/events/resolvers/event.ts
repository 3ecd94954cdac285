import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownId, ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { badInput, conflict, forbidden } from "../../kernel/errors.js";
import { decodeId } from "../../kernel/ids.js";
import { pageSize } from "../../kernel/pagination.js";
import { requireOwn } from "../../kernel/references.js";
import { optionalText, requiredText } from "../../kernel/text.js";
import { createOnce } from "../../kernel/idempotency.js";
import { capturedAt } from "../../kernel/capture.js";
import { CAPTURED_AT_ARGUMENT } from "../../kernel/inputs.js";
import { requireActiveVolunteer, requireOrganisation } from "../../kernel/region-records.js";
import { cancelSignUp, eventsOf, recordAttendance, signUp, toEvent, type EventDoc } from "../data/events.js";
import { EventStatus } from "../types/enums.js";
import { VolunteerRef } from "../types/entities.js";
import { Attendance, DEFAULT_LISTED, Event, MAX_LISTED } from "../types/event.js";
import { CreateEventInput, UpdateEventInput } from "../types/inputs.js";

const MAX_DURATION_MS = 31 * 24 * 3_600_000;

const listed = (first: number) => pageSize(first, MAX_LISTED);

const requireEvent = (ctx: SubgraphContext, id: string, field = "id"): Promise<EventDoc> =>
  requireOwn(ctx, eventsOf(ctx.db), "Event", id, field);

function checkTimes(startsAt: Date, endsAt: Date): void {
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(endsAt.getTime())) throw badInput("startsAt/endsAt: must be valid date-times");
  if (endsAt <= startsAt) throw badInput("input.endsAt: must be after startsAt", { field: "input.endsAt" });
  if (endsAt.getTime() - startsAt.getTime() > MAX_DURATION_MS)
    throw badInput("input.endsAt: an event lasts at most 31 days", { field: "input.endsAt" });
}

function onlineUrl(url: string | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw badInput("input.onlineUrl: must be an https:// link", { field: "input.onlineUrl" });
  }
  if (parsed.protocol !== "https:") throw badInput("input.onlineUrl: must be an https:// link", { field: "input.onlineUrl" });
  return parsed.toString();
}

/**
 * A volunteer id of any region may sign up (volunteers travel to help); one of this
 * region must exist here and be ACTIVE.
 */
async function checkVolunteer(ctx: SubgraphContext, volunteerId: string): Promise<void> {
  const decoded = decodeId(volunteerId, "Volunteer", "volunteerId");
  ctx.registry.require(decoded.region, "volunteerId");
  if (decoded.region !== ctx.region.code) return;
  await requireActiveVolunteer(ctx.db, decoded.objectId, volunteerId, "volunteerId", "sign up");
}

/** Sign-ups: the event region's staff, or the volunteer themself. */
function requireSignUpRight(ctx: SubgraphContext, volunteerId: string): void {
  try {
    ctx.access.requireWriteOrAssignee(ctx.region.code, volunteerId);
  } catch {
    throw forbidden(`sign-ups for ${ctx.region.code} events are made by ${ctx.region.code} staff or by the volunteer themself`);
  }
}

@Resolver(() => Event)
export class EventResolver {
  @Query(() => Event, { nullable: true })
  async event(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Event> {
    return toEvent(await requireEvent(ctx, id), ctx.region.code);
  }

  @FieldResolver(() => [VolunteerRef], { nullable: "items" })
  participants(@Root() event: Event, @Arg("first", () => Int, { defaultValue: DEFAULT_LISTED }) first: number): VolunteerRef[] {
    return event.participants.slice(0, listed(first));
  }

  @FieldResolver(() => [Attendance])
  attendance(
    @Root() event: Event,
    @Arg("first", () => Int, { defaultValue: DEFAULT_LISTED }) first: number,
    @Ctx() ctx: SubgraphContext,
  ): Attendance[] {
    const caller = ctx.access.caller;
    // Attendance itself refuses other volunteers' entries; leaving them out keeps the list whole.
    const entries = caller?.role === "VOLUNTEER" ? event.attendance.filter((a) => a.volunteer.id === caller.sub) : event.attendance;
    return entries.slice(0, listed(first));
  }

  @Mutation(() => Event, { nullable: true })
  async createEvent(@Arg("input") input: CreateEventInput, @Ctx() ctx: SubgraphContext): Promise<Event> {
    const region = ownRegion(ctx, input.region, "input.region").code;
    ctx.access.requireWrite(region);
    checkTimes(input.startsAt, input.endsAt);
    const url = onlineUrl(input.onlineUrl);
    const location = input.location ? requiredText(input.location, "input.location", 300) : null;
    if (!location && !url) throw badInput("input.location: give a location or an onlineUrl", { field: "input.location" });
    const fields = {
      title: requiredText(input.title, "input.title"),
      kind: input.kind,
      description: optionalText(input.description, "input.description", 5000, { multiline: true }),
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      location,
      onlineUrl: url,
      capacity: input.capacity,
      organisationId: await requireOrganisation(ctx.db, input.organisationId, region, "input.organisationId"),
    };
    const { record, repeated } = await createOnce(ctx, {
      mutation: "createEvent",
      key: input.idempotencyKey,
      payload: { ...fields, actor: ctx.access.actor },
      insert: async (_id, keyed) => {
        // Checked when it is made: a repeat of it, later, returns the event as made.
        if (input.endsAt <= new Date()) throw badInput("input.endsAt: the event is over already", { field: "input.endsAt" });
        const now = new Date();
        const doc: EventDoc = {
          _id,
          ...fields,
          ...keyed,
          spotsLeft: input.capacity,
          status: EventStatus.SCHEDULED,
          cancelReason: null,
          participants: [],
          createdAt: now,
          updatedAt: now,
        };
        await eventsOf(ctx.db).insertOne(doc);
        return doc;
      },
      find: (_id) => eventsOf(ctx.db).findOne({ _id }),
    });
    const event = toEvent(record, region);
    if (!repeated) ctx.log.info({ event: "event.created", id: event.id, kind: record.kind, actor: ctx.access.actor }, "event created");
    return event;
  }

  @Mutation(() => Event, { nullable: true, description: "Changes the fields given; capacity never drops below the number signed up." })
  async updateEvent(@Arg("id", () => ID) id: string, @Arg("input") input: UpdateEventInput, @Ctx() ctx: SubgraphContext): Promise<Event> {
    const { objectId } = ownId(ctx, id, "Event");
    ctx.access.requireWrite(ctx.region.code);
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await requireEvent(ctx, id);
      if (current.status === EventStatus.CANCELLED) throw conflict(`event ${id} is cancelled`, { reason: "CANCELLED" });
      const set: Partial<EventDoc> = {};
      if (input.title !== undefined) set.title = requiredText(input.title, "input.title");
      if (input.description !== undefined)
        set.description = optionalText(input.description, "input.description", 5000, { multiline: true });
      if (input.location !== undefined) set.location = input.location ? requiredText(input.location, "input.location", 300) : null;
      if (input.onlineUrl !== undefined) set.onlineUrl = onlineUrl(input.onlineUrl);
      if (input.organisationId !== undefined)
        set.organisationId = await requireOrganisation(ctx.db, input.organisationId, ctx.region.code, "input.organisationId");
      if (input.startsAt) set.startsAt = input.startsAt;
      if (input.endsAt) set.endsAt = input.endsAt;
      checkTimes(set.startsAt ?? current.startsAt, set.endsAt ?? current.endsAt);
      if (!(set.location ?? current.location) && !(set.onlineUrl ?? current.onlineUrl)) {
        throw badInput("input.location: give a location or an onlineUrl", { field: "input.location" });
      }
      const taken = current.capacity - current.spotsLeft;
      const delta = input.capacity === undefined ? 0 : input.capacity - current.capacity;
      if (input.capacity !== undefined && input.capacity < taken) {
        throw conflict(`input.capacity: ${taken} volunteers are signed up already; capacity cannot be ${input.capacity}`, {
          field: "input.capacity",
        });
      }
      if (input.capacity !== undefined) set.capacity = input.capacity;
      // Conditional on the capacity we read: a concurrent sign-up or change makes us re-check.
      const doc = await eventsOf(ctx.db).findOneAndUpdate(
        { _id: objectId, capacity: current.capacity, spotsLeft: { $gte: -delta }, status: EventStatus.SCHEDULED },
        { $set: { ...set, updatedAt: new Date() }, $inc: { spotsLeft: delta } },
        { returnDocument: "after" },
      );
      if (doc) return toEvent(doc, ctx.region.code);
    }
    throw conflict(`event ${id} is being changed by others; try again`);
  }

  @Mutation(() => Event, { nullable: true })
  async cancelEvent(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | undefined,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Event> {
    const { objectId } = ownId(ctx, id, "Event");
    ctx.access.requireWrite(ctx.region.code);
    const doc = await eventsOf(ctx.db).findOneAndUpdate(
      { _id: objectId, status: EventStatus.SCHEDULED },
      {
        $set: {
          status: EventStatus.CANCELLED,
          cancelReason: optionalText(reason, "reason", 500, { multiline: true }),
          updatedAt: new Date(),
        },
      },
      { returnDocument: "after" },
    );
    if (!doc) {
      await requireEvent(ctx, id);
      throw conflict(`event ${id} is cancelled already`, { reason: "CANCELLED" });
    }
    ctx.log.info({ event: "event.cancelled", id, actor: ctx.access.actor }, "event cancelled");
    return toEvent(doc, ctx.region.code);
  }

  @Mutation(() => Event, {
    nullable: true,
    description: "Takes a spot if one is left; full, past or cancelled events and second sign-ups are CONFLICT.",
  })
  async signUpForEvent(
    @Arg("eventId", () => ID) eventId: string,
    @Arg("volunteerId", () => ID) volunteerId: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Event> {
    const { objectId } = ownId(ctx, eventId, "Event", "eventId");
    requireSignUpRight(ctx, volunteerId);
    await checkVolunteer(ctx, volunteerId);
    const doc = await signUp(ctx.db, eventId, objectId, volunteerId);
    ctx.log.info({ event: "event.signup", id: eventId, volunteer: volunteerId, actor: ctx.access.actor }, "volunteer signed up");
    return toEvent(doc, ctx.region.code);
  }

  @Mutation(() => Event, { nullable: true, description: "Gives the spot back, before the event is over." })
  async cancelSignUp(
    @Arg("eventId", () => ID) eventId: string,
    @Arg("volunteerId", () => ID) volunteerId: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Event> {
    const { objectId } = ownId(ctx, eventId, "Event", "eventId");
    decodeId(volunteerId, "Volunteer", "volunteerId");
    requireSignUpRight(ctx, volunteerId);
    return toEvent(await cancelSignUp(ctx.db, eventId, objectId, volunteerId), ctx.region.code);
  }

  @Mutation(() => Event, {
    nullable: true,
    description:
      "Hours a signed-up volunteer served, at most the event's length; once the event has started. " +
      "A correction replaces the hours; hours are as recent as their capture time (or the server's, without one, and never later than it): a recording older than, or as old as, what is stored (a device syncing its day again after staff corrected it) changes nothing and answers with what is stored.",
  })
  async recordAttendance(
    @Arg("eventId", () => ID) eventId: string,
    @Arg("volunteerId", () => ID) volunteerId: string,
    @Arg("hours", () => Float) hours: number,
    @Arg("capturedAt", () => Date, { nullable: true, description: CAPTURED_AT_ARGUMENT }) captured: Date | undefined,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Event> {
    const { objectId } = ownId(ctx, eventId, "Event", "eventId");
    decodeId(volunteerId, "Volunteer", "volunteerId");
    ctx.access.requireWrite(ctx.region.code);
    const at = capturedAt(captured, ctx.region, "capturedAt");
    const event = await requireEvent(ctx, eventId, "eventId");
    if (at && at < event.startsAt) {
      throw badInput(`capturedAt: ${at.toISOString()} is before the event started (${event.startsAt.toISOString()})`, {
        field: "capturedAt",
      });
    }
    const length = (event.endsAt.getTime() - event.startsAt.getTime()) / 3_600_000;
    if (!(hours > 0 && hours <= length)) {
      throw badInput(`hours: must be more than 0 and at most ${Math.round(length * 100) / 100} (the event's length)`, { field: "hours" });
    }
    return toEvent(await recordAttendance(ctx.db, eventId, objectId, volunteerId, hours, at), ctx.region.code);
  }
}
