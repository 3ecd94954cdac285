import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { OncePerRequest, type SubgraphContext } from "../../kernel/context.js";
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
    ctx.access.forbidVolunteer("Beneficiary.distributions");
    const ops = await operationsOf(ctx.db)
      .find({ type: "DISTRIBUTION", status: "COMPLETED", beneficiaryId: beneficiary.id })
      .sort({ createdAt: -1, _id: -1 })
      .limit(pageSize(first))
      .toArray();
    return ops.map((op) => toDistribution(op, ctx.region.code));
  }
}
