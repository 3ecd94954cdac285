import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { OncePerRequest, type SubgraphContext } from "../../kernel/context.js";
import { DEFAULT_PAGE, MAX_PAGE, pageSize, sortOf } from "../../kernel/pagination.js";
import { VolunteerRef } from "../types/entities.js";
import { helpRequestsOf, QUEUE_ORDER, toHelpRequest } from "../data/help-requests.js";
import { HelpRequestStatus } from "../types/enums.js";
import { HelpRequest } from "../types/help-request.js";

@Resolver(() => VolunteerRef)
export class VolunteerHelpRequestsResolver {
  @OncePerRequest()
  @FieldResolver(() => [HelpRequest], {
    nullable: true,
    description: `Help requests assigned to the volunteer, most urgent first: the first \`first\` (1 to ${MAX_PAGE}).`,
  })
  async assignedHelpRequests(
    @Root() volunteer: VolunteerRef,
    @Arg("status", () => HelpRequestStatus, { nullable: true }) status: HelpRequestStatus | undefined,
    @Arg("first", () => Int, { defaultValue: DEFAULT_PAGE }) first: number,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequest[]> {
    ctx.access.requireSelfIfVolunteer(volunteer.id, "assigned help requests");
    const docs = await helpRequestsOf(ctx.db)
      .find({ assignedVolunteerId: volunteer.id, ...(status ? { status } : {}) })
      .sort(sortOf(QUEUE_ORDER))
      .limit(pageSize(first))
      .toArray();
    return docs.map((d) => toHelpRequest(d, ctx.region.code));
  }
}
