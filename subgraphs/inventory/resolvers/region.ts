import { activityIntervalId, loadActivity, requireReportReader } from "../../kernel/activity.js";
import { DateScalar, periodOf, ReportInterval, splitPeriod } from "../../kernel/periods.js";
import { distributionActivity } from "../data/activity.js";
import { ActivityInterval, Reach } from "../types/activity.js";
import { MAX_REACH_DAYS, regionReach } from "../data/reach.js";
import { Arg, Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../kernel/context.js";
import { badInput } from "../../kernel/errors.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { rulesOf, toRule } from "../data/entitlements.js";
import { distributionStats, MAX_STATS_DAYS } from "../data/operations.js";
import { regionStock, toWarehouse, warehousesOf } from "../data/warehouses.js";
import { Region } from "../types/entities.js";
import { DistributionStats, EntitlementRule } from "../types/entitlement.js";
import { ItemQuantity, WarehouseConnection } from "../types/warehouse.js";

@Resolver(() => Region)
export class RegionInventoryResolver {
  @FieldResolver(() => WarehouseConnection, { nullable: true, description: "The region's warehouses by name." })
  async warehouses(@Root() region: Region, @Args() page: PageArgs, @Ctx() ctx: SubgraphContext): Promise<WarehouseConnection> {
    ctx.access.forbidVolunteer("Region.warehouses");
    return paginate(warehousesOf(ctx.db), {}, [["nameKey", 1, "string"]], page, (d) => toWarehouse(d, region.code));
  }

  @FieldResolver(() => [ItemQuantity], { nullable: true, description: "Stock totals over the region's warehouses, every item listed." })
  async stock(@Ctx() ctx: SubgraphContext): Promise<ItemQuantity[]> {
    ctx.access.forbidVolunteer("Region.stock");
    return regionStock(ctx.db, ctx.reads);
  }

  @FieldResolver(() => [EntitlementRule], { nullable: true, description: "The region's entitlement rules, by item." })
  async entitlementRules(@Root() region: Region, @Ctx() ctx: SubgraphContext): Promise<EntitlementRule[]> {
    ctx.access.forbidVolunteer("Region.entitlementRules");
    const rules = await rulesOf(ctx.db).find().sort({ _id: 1 }).toArray();
    return rules.map((r) => toRule(r, region.code));
  }

  @FieldResolver(() => DistributionStats, {
    nullable: true,
    description: `Distributions from \`from\` (inclusive) to \`to\` (exclusive), at most ${MAX_STATS_DAYS} days: aggregates only, for coordinators and the region's staff.`,
  })
  async distributionStats(@Arg("from") from: Date, @Arg("to") to: Date, @Ctx() ctx: SubgraphContext): Promise<DistributionStats> {
    // Aggregates for the country's coordinators and the region's own staff, not other regions'.
    ctx.access.requireCoordinatorOrWrite(ctx.region.code);
    if (to.getTime() <= from.getTime()) throw badInput("to: must be after from", { field: "to" });
    if (to.getTime() - from.getTime() > MAX_STATS_DAYS * 86_400_000)
      throw badInput(`to: the period is at most ${MAX_STATS_DAYS} days; ask for several`, { field: "to" });
    return { from, to, ...(await distributionStats(ctx.db, from, to)) };
  }

  @FieldResolver(() => [ActivityInterval], {
    nullable: true,
    description:
      "What the region did from `from` to `to` (dates in Asia/Almaty, both inclusive), one entry per day, ISO week or calendar month: counts only, for coordinators and the region's staff.",
  })
  async activity(
    @Root() region: Region,
    @Arg("from", () => DateScalar) from: string,
    @Arg("to", () => DateScalar) to: string,
    @Arg("interval", () => ReportInterval, { defaultValue: ReportInterval.DAY }) interval: ReportInterval,
    @Ctx() ctx: SubgraphContext,
  ): Promise<ActivityInterval[]> {
    requireReportReader(ctx);
    const periods = splitPeriod(from, to, interval);
    // Through the same loader as references, so the intervals are computed once, together.
    const rows = await loadActivity(ctx, distributionActivity).loadMany(periods.map((p) => activityIntervalId(region.code, p)));
    return rows.map((row) => {
      if (row instanceof Error) throw row;
      return row;
    });
  }

  @FieldResolver(() => [Reach], {
    nullable: true,
    description: `Who reached how many households and people in which sector from \`from\` to \`to\` (dates in Asia/Almaty, both inclusive, at most ${MAX_REACH_DAYS} days): the region's rows of a 3W report, for coordinators and the region's staff.`,
  })
  async reach(
    @Arg("from", () => DateScalar) from: string,
    @Arg("to", () => DateScalar) to: string,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Reach[]> {
    requireReportReader(ctx);
    const rows = await regionReach(ctx, periodOf(from, to, MAX_REACH_DAYS));
    return rows.map(({ organisationId, ...row }) => ({ ...row, organisation: organisationId ? { id: organisationId } : null }));
  }
}
