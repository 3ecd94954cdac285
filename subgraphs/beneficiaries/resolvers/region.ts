import { Arg, Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../shared/context.js";
import { PageArgs, paginate } from "../../shared/pagination.js";
import { Region } from "../types/entities.js";
import { beneficiariesOf, beneficiaryFilter, beneficiaryStats, toBeneficiary } from "../data/beneficiaries.js";
import { helpRequestFilter, helpRequestsOf, QUEUE_ORDER, toHelpRequest } from "../data/help-requests.js";
import { BeneficiaryConnection, BeneficiaryStats } from "../types/beneficiary.js";
import { HelpRequestStatus, Need, Urgency } from "../types/enums.js";
import { HelpRequestConnection } from "../types/help-request.js";
import { BeneficiaryFilter } from "../types/inputs.js";

@Resolver(() => Region)
export class RegionBeneficiariesResolver {
  @FieldResolver(() => BeneficiaryConnection, { nullable: true, description: "Newest first." })
  async beneficiaries(
    @Root() region: Region,
    @Arg("filter", () => BeneficiaryFilter, { nullable: true }) filter: BeneficiaryFilter | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
  ): Promise<BeneficiaryConnection> {
    return paginate(beneficiariesOf(ctx.db), beneficiaryFilter(filter ?? {}), [["registeredAt", -1]], page, (d) => toBeneficiary(d, region.code));
  }

  @FieldResolver(() => HelpRequestConnection, { nullable: true, description: "The request queue: most urgent first, then oldest first." })
  async helpRequests(
    @Root() region: Region,
    @Arg("status", () => HelpRequestStatus, { nullable: true }) status: HelpRequestStatus | undefined,
    @Arg("need", () => Need, { nullable: true }) need: Need | undefined,
    @Arg("urgency", () => Urgency, { nullable: true }) urgency: Urgency | undefined,
    @Args() page: PageArgs,
    @Ctx() ctx: SubgraphContext,
  ): Promise<HelpRequestConnection> {
    return paginate(helpRequestsOf(ctx.db), helpRequestFilter({ status, need, urgency }), QUEUE_ORDER, page, (d) => toHelpRequest(d, region.code));
  }

  @FieldResolver(() => BeneficiaryStats, { nullable: true })
  async beneficiaryStats(@Ctx() ctx: SubgraphContext): Promise<BeneficiaryStats> {
    return beneficiaryStats(ctx.db);
  }
}
