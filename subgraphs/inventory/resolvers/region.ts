import { Args, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { SubgraphContext } from "../../kernel/context.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { regionStock, toWarehouse, warehousesOf } from "../data/warehouses.js";
import { Region } from "../types/entities.js";
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
    return regionStock(ctx.db);
  }
}
