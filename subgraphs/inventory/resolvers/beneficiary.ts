import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../shared/context.js";
import { operationsOf } from "../data/ledger.js";
import { toDistribution, type DistributionView } from "../data/operations.js";
import { BeneficiaryRef } from "../types/entities.js";
import { Distribution } from "../types/warehouse.js";

@Resolver(() => BeneficiaryRef)
export class BeneficiaryDistributionsResolver {
  @FieldResolver(() => [Distribution], { nullable: true, description: "Aid the beneficiary received, newest first (at most 100)." })
  async distributions(@Root() beneficiary: BeneficiaryRef, @Ctx() ctx: SubgraphContext): Promise<DistributionView[]> {
    ctx.access.forbidVolunteer("Beneficiary.distributions");
    const ops = await operationsOf(ctx.db)
      .find({ type: "DISTRIBUTION", status: "COMPLETED", beneficiaryId: beneficiary.id })
      .sort({ createdAt: -1, _id: -1 })
      .limit(100)
      .toArray();
    return ops.map((op) => toDistribution(op, ctx.region.code));
  }
}
