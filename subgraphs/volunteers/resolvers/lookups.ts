// Loading one of this region's records by id for a resolver: wrong type or region is
// BAD_USER_INPUT, a missing record NOT_FOUND. Lookups share the request's DataLoader.
import type { SubgraphContext } from "../../shared/context.js";
import { ownId } from "../../shared/context.js";
import { notFound } from "../../shared/errors.js";
import { byId } from "../../shared/references.js";
import { groupsOf, volunteersOf, type GroupDoc, type VolunteerDoc } from "../data/volunteers.js";

export async function requireVolunteer(ctx: SubgraphContext, id: string, field = "id"): Promise<VolunteerDoc> {
  const { objectId } = ownId(ctx, id, "Volunteer", field);
  const doc = await byId(ctx, volunteersOf(ctx.db)).load(objectId);
  if (!doc) throw notFound(`${field}: no volunteer ${id}`, { field, id });
  return doc;
}

export async function requireGroup(ctx: SubgraphContext, id: string, field = "id"): Promise<GroupDoc> {
  const { objectId } = ownId(ctx, id, "VolunteerGroup", field);
  const doc = await byId(ctx, groupsOf(ctx.db)).load(objectId);
  if (!doc) throw notFound(`${field}: no volunteer group ${id}`, { field, id });
  return doc;
}
