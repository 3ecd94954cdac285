// The bridge between Apollo Gateway and the regional router: one data source per
// logical subgraph, each fetch handed to the router with the caller's token.
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { SubgraphName } from "../../subgraphs/manifest.js";
import type { GatewayContext } from "../context.js";
import type { RegionalRouter } from "./router.js";

type GatewayResponse = Awaited<ReturnType<GraphQLDataSource["process"]>>;

export class RegionalDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: SubgraphName,
    private readonly router: RegionalRouter,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const { request } = options;
    if (!request.query) throw new Error("a subgraph fetch without a query");
    const context = options.context as Partial<GatewayContext>;
    const response = await this.router.process(
      this.subgraph,
      { query: request.query, variables: request.variables, operationName: request.operationName },
      { authorization: context.authorization, requestId: context.requestId, authorizationFor: context.authorizationFor },
    );
    // Apollo Gateway drops a fetch's extensions; the gateway's response carries the notices.
    if (response.extensions?.notices) context.notices?.push(...response.extensions.notices);
    return response;
  }
}
