import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { OncePerRequest, type SubgraphContext } from "../../kernel/context.js";
import { DEFAULT_PAGE, MAX_PAGE } from "../../kernel/pagination.js";
import { VolunteerRef } from "../types/entities.js";
import { queueOf } from "../data/help-requests.js";
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
    return queueOf(ctx.db, ctx.region.code, { assignedVolunteerId: volunteer.id }, status, first);
  }
}
