import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { ownRegion, type SubgraphContext } from "../../kernel/context.js";
import { badInput } from "../../kernel/errors.js";
import { createOnce } from "../../kernel/idempotency.js";
import { PageArgs, paginate } from "../../kernel/pagination.js";
import { requireOwn } from "../../kernel/references.js";
import { requiredText } from "../../kernel/text.js";
import { insertOrganisation, organisationsOf, toOrganisation } from "../data/organisations.js";
import { CreateOrganisationInput, Organisation, OrganisationConnection } from "../types/organisation.js";
import { Region } from "../types/region.js";

@Resolver(() => Organisation)
export class OrganisationResolver {
  @Query(() => Organisation, { nullable: true })
  async organisation(@Arg("id", () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<Organisation> {
    return toOrganisation(await requireOwn(ctx, organisationsOf(ctx.db), "Organisation", id), ctx.region.code);
  }

  @Mutation(() => Organisation, {
    nullable: true,
    description: "Registers an organisation with the region (its staff only); its name is unique there.",
  })
  async createOrganisation(@Arg("input") input: CreateOrganisationInput, @Ctx() ctx: SubgraphContext): Promise<Organisation> {
    const region = ownRegion(ctx, input.region, "input.region").code;
    ctx.access.requireWrite(region);
    const others = input.alsoWorksIn.map((code, i) => ctx.registry.require(code, `input.alsoWorksIn.${i}`).code);
    if (new Set(others).size !== others.length)
      throw badInput("input.alsoWorksIn: a region is listed twice", { field: "input.alsoWorksIn" });
    const fields = {
      name: requiredText(input.name, "input.name", 200),
      kind: input.kind,
      regions: [region, ...others.filter((code) => code !== region)],
    };
    const { record, repeated } = await createOnce(ctx, {
      mutation: "createOrganisation",
      key: input.idempotencyKey,
      payload: { ...fields, actor: ctx.access.actor },
      insert: (_id, keyed) => insertOrganisation(ctx.db, region, { ...fields, ...keyed }, _id),
      find: (_id) => organisationsOf(ctx.db).findOne({ _id }),
    });
    const organisation = toOrganisation(record, region);
    if (!repeated) ctx.log.info({ event: "organisation.created", id: organisation.id, actor: ctx.access.actor }, "organisation registered");
    return organisation;
  }
}

@Resolver(() => Region)
export class RegionOrganisationsResolver {
  @FieldResolver(() => OrganisationConnection, { nullable: true, description: "The organisations registered with the region, by name." })
  async organisations(@Root() region: Region, @Args() page: PageArgs, @Ctx() ctx: SubgraphContext): Promise<OrganisationConnection> {
    return paginate(organisationsOf(ctx.db), {}, [["nameKey", 1, "string"]], page, (d) => toOrganisation(d, region.code));
  }
}
