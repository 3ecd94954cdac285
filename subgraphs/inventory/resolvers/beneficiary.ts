import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { OncePerRequest, ownId, type SubgraphContext } from "../../kernel/context.js";
import { forbidden, notFound } from "../../kernel/errors.js";
import { householdSizes } from "../../kernel/region-records.js";
import { entitlementsOf } from "../data/entitlements.js";
import { Entitlement } from "../types/entitlement.js";
import { DEFAULT_PAGE, MAX_PAGE, pageSize } from "../../kernel/pagination.js";
import { operationsOf } from "../data/ledger.js";
import { toDistribution, type DistributionView } from "../data/operations.js";
import { BeneficiaryRef } from "../types/entities.js";
import { Distribution } from "../types/warehouse.js";

@Resolver(() => BeneficiaryRef)
export class BeneficiaryDistributionsResolver {
  @OncePerRequest()
  @FieldResolver(() => [Distribution], {
    nullable: true,
    description: `Aid the beneficiary received, newest first: the first \`first\` (1 to ${MAX_PAGE}).`,
  })
  async distributions(
    @Root() beneficiary: BeneficiaryRef,
    @Arg("first", () => Int, { defaultValue: DEFAULT_PAGE }) first: number,
    @Ctx() ctx: SubgraphContext,
  ): Promise<DistributionView[]> {
    // What one household received: its region's staff only (coordinators have Region.distributionStats).
    if (!ctx.access.canSeePersonal(ctx.region.code))
      throw forbidden(`Beneficiary.distributions: what a household received is for the staff of ${ctx.region.code} only`);
    const ops = await operationsOf(ctx.db)
      .find({ type: "DISTRIBUTION", status: "COMPLETED", beneficiaryId: beneficiary.id })
      .sort({ createdAt: -1, _id: -1 })
      .limit(pageSize(first))
      .toArray();
    return ops.map((op) => toDistribution(op, ctx.region.code));
  }

  @FieldResolver(() => [Entitlement], {
    nullable: true,
    description: "Where the household stands on every item its region has an entitlement rule for, now. The region's staff only.",
  })
  async entitlements(@Root() beneficiary: BeneficiaryRef, @Ctx() ctx: SubgraphContext): Promise<Entitlement[]> {
    const { objectId } = ownId(ctx, beneficiary.id, "Beneficiary");
    const region = ctx.region.code;
    if (!ctx.access.canSeePersonal(region))
      throw forbidden(`Beneficiary.entitlements: a household's entitlements are for the staff of ${region} only`);
    const size = (await householdSizes(ctx.db, [objectId])).get(objectId.toHexString());
    if (size === undefined) throw notFound(`no beneficiary ${beneficiary.id}`, { id: beneficiary.id });
    ctx.audit.read("Beneficiary", beneficiary.id);
    return entitlementsOf(ctx.db, region, objectId, size, ctx.now());
  }
}
