import type { SubgraphContext } from "../../kernel/context.js";
import { requireOwn } from "../../kernel/references.js";
import { groupsOf, volunteersOf, type GroupDoc, type VolunteerDoc } from "../data/volunteers.js";

export const requireVolunteer = (ctx: SubgraphContext, id: string, field?: string): Promise<VolunteerDoc> =>
  requireOwn(ctx, volunteersOf(ctx.db), "Volunteer", id, field);

export const requireGroup = (ctx: SubgraphContext, id: string, field?: string): Promise<GroupDoc> =>
  requireOwn(ctx, groupsOf(ctx.db), "VolunteerGroup", id, field);
