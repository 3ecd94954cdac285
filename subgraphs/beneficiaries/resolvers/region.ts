import { Arg, Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { auditOf } from "../../kernel/audit.js";
import type { SubgraphContext } from "../../kernel/context.js";
import { forbidden } from "../../kernel/errors.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { Region } from "../types/entities.js";
import { beneficiariesOf, beneficiaryFilter, beneficiaryStats, toBeneficiary } from "../data/beneficiaries.js";
import { duplicateHouseholds } from "../data/duplicates.js";
import { helpRequestFilter, helpRequestsOf, QUEUE_ORDER, toHelpRequest } from "../data/help-requests.js";
import { AuditEntryConnection } from "../types/audit.js";
import { BeneficiaryConnection, BeneficiaryStats, RegionHouseholds } from "../types/beneficiary.js";
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
    ctx.access.forbidVolunteer("Region.beneficiaries");
    // Matching on names or phones would tell anyone else what the records hold, one guess at a time.
    const searching = filter?.search !== undefined && filter.search !== null;
    if (searching && !ctx.access.canSeePersonal(region.code)) {
      throw forbidden(`filter.search: searching households by name or phone is for staff of ${region.code}`);
    }
    const found = await paginate(beneficiariesOf(ctx.db), beneficiaryFilter(filter ?? {}), [["registeredAt", -1, "date"]], page, (d) =>
      toBeneficiary(d, region.code),
    );
    if (searching)
      await ctx.audit.searched(
        "Beneficiary",
        found.nodes.map((b) => b.id),
      );
    return found;
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
    ctx.access.forbidVolunteer("Region.helpRequests");
    return paginate(helpRequestsOf(ctx.db), helpRequestFilter({ status, need, urgency }), QUEUE_ORDER, page, (d) =>
      toHelpRequest(d, region.code),
    );
  }

  @FieldResolver(() => AuditEntryConnection, {
    nullable: true,
    description: "Reads of personal data and changes to beneficiaries and help requests, newest first. The region's staff only.",
  })
  async auditLog(@Root() region: Region, @Args() page: PageArgs, @Ctx() ctx: SubgraphContext): Promise<AuditEntryConnection> {
    const caller = ctx.access.requireCaller();
    if (caller.role !== "REGIONAL_STAFF" || caller.region !== region.code) {
      throw forbidden(`the audit log of ${region.code} is for ${region.code} staff only`);
    }
    return paginate(
      auditOf(ctx.db),
      {},
      [
        ["at", -1, "date"],
        ["_id", -1, "objectId"],
      ],
      page,
      (d) => ({
        id: d._id.toHexString(),
        at: d.at,
        actor: d.actor,
        role: d.role,
        action: d.action,
        operation: d.operation,
        entity: d.entity,
        ids: d.ids,
        compared: d.compared ?? null,
      }),
    );
  }

  @FieldResolver(() => [RegionHouseholds], {
    nullable: true,
    description:
      "Per other region, how many of this region's active households may be enrolled there too: counts only, for coordinators and the region's staff.",
  })
  async duplicateHouseholds(@Root() region: Region, @Ctx() ctx: SubgraphContext): Promise<RegionHouseholds[]> {
    ctx.access.requireCoordinatorOrWrite(region.code);
    return duplicateHouseholds(ctx.db);
  }

  @FieldResolver(() => BeneficiaryStats, { nullable: true })
  async beneficiaryStats(@Ctx() ctx: SubgraphContext): Promise<BeneficiaryStats> {
    ctx.access.forbidVolunteer("Region.beneficiaryStats");
    return beneficiaryStats(ctx.db, ctx.reads);
  }
}
