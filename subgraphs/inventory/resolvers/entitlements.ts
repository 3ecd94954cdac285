import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { rulesOf, toRule } from "../data/entitlements.js";
import { EntitlementRule } from "../types/entitlement.js";
import { Item } from "../types/enums.js";
import { SetEntitlementRuleInput } from "../types/inputs.js";

@Resolver(() => EntitlementRule)
export class EntitlementRuleResolver {
  @Mutation(() => EntitlementRule, {
    nullable: true,
    description:
      "Sets the region's rule for an item (replacing the one there was): distributeAid then refuses, with ENTITLEMENT_EXCEEDED, what would give a household more in the rolling period. Staff of the region; audited.",
  })
  async setEntitlementRule(@Arg("input") input: SetEntitlementRuleInput, @Ctx() ctx: SubgraphContext): Promise<EntitlementRule> {
    const region = ownRegion(ctx, input.region, "input.region").code;
    ctx.access.requireWrite(region);
    const doc = {
      quantity: input.quantity,
      perPerson: input.perPerson,
      periodDays: input.periodDays,
      setBy: ctx.access.actor,
      setAt: ctx.now(),
    };
    await rulesOf(ctx.db).updateOne({ _id: input.item }, { $set: doc }, { upsert: true });
    await ctx.audit.write("setEntitlementRule", "EntitlementRule", [`${region}:${input.item}`]);
    ctx.log.info({ event: "entitlement.rule_set", region, item: input.item, actor: ctx.access.actor }, "entitlement rule set");
    return toRule({ _id: input.item, ...doc }, region);
  }

  @Mutation(() => Boolean, {
    description: "Removes the region's rule for the item: true when there was one. Staff of the region; audited.",
  })
  async removeEntitlementRule(
    @Arg("region") regionCode: string,
    @Arg("item", () => Item) item: Item,
    @Ctx() ctx: SubgraphContext,
  ): Promise<boolean> {
    const region = ownRegion(ctx, regionCode, "region").code;
    ctx.access.requireWrite(region);
    const { deletedCount } = await rulesOf(ctx.db).deleteOne({ _id: item });
    if (!deletedCount) return false;
    await ctx.audit.write("removeEntitlementRule", "EntitlementRule", [`${region}:${item}`]);
    ctx.log.info({ event: "entitlement.rule_removed", region, item, actor: ctx.access.actor }, "entitlement rule removed");
    return true;
  }
}
