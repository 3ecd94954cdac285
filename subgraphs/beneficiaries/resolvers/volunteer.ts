import { Arg, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../shared/context.js";
import { sortOf } from "../../shared/pagination.js";
import { VolunteerRef } from "../types/entities.js";
import { helpRequestsOf, QUEUE_ORDER, toHelpRequest } from "../data/help-requests.js";
import { HelpRequestStatus } from "../types/enums.js";
import { HelpRequest } from "../types/help-request.js";

@Resolver(() => VolunteerRef)
export class VolunteerHelpRequestsResolver {
  @FieldResolver(() => [HelpRequest], { nullable: true, description: "Help requests assigned to the volunteer, most urgent first (at most 100)." })
  async assignedHelpRequests(
    @Root() volunteer: VolunteerRef,
    @Arg("status", () => HelpRequestStatus, { nullable: true }) status: HelpRequestStatus | undefined,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest[]> {
    ctx.access.requireSelfIfVolunteer(volunteer.id, "assigned help requests");
    const docs = await helpRequestsOf(ctx.db)
      .find({ assignedVolunteerId: volunteer.id, ...(status ? { status } : {}) })
      .sort(sortOf(QUEUE_ORDER))
      .limit(100)
      .toArray();
    return docs.map((d) => toHelpRequest(d, ctx.region.code));
  }
}
