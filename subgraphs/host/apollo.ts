// One Apollo Server per subgraph kind, serving every region the host serves: the region
// comes with each request's context. Requests reach it already within the limits.
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import type { SubgraphContext } from "../kernel/context.js";
import { attachNotices, formatError } from "../kernel/errors.js";
import type { QueryLimits } from "../kernel/limits.js";
import type { Logger } from "../kernel/log.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";

export async function startSubgraphServer(
  sub: SubgraphDefinition,
  options: { production?: boolean; limits: QueryLimits; log: Logger },
): Promise<ApolloServer<SubgraphContext>> {
  const server = new ApolloServer<SubgraphContext>({
    // Our own drain (onShutdown) stops everything in order; Apollo's would stop this server
    // and re-raise the signal, killing the process mid-drain (it does so unless NODE_ENV=test).
    stopOnTerminationSignals: false,
    schema: sub.schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    // Requests are bounded before they reach Apollo (see requests.ts); its own parse is bounded too.
    parseOptions: { maxTokens: options.limits.maxTokens },
    // A persisted query would run a text the limits never saw with this request's variables.
    persistedQueries: false,
    formatError: (formatted, error) =>
      formatError(formatted, error, (err) => options.log.error({ err, subgraph: sub.name }, "internal error in resolver")),
    // Clients are the gateway and regional tools, which send JSON.
    csrfPrevention: true,
    plugins: [
      // No per-resolver traces to callers: they cost time and reveal internals.
      ApolloServerPluginInlineTraceDisabled(),
      // No cache hints are declared; the plugin would still wrap every resolver.
      ApolloServerPluginCacheControlDisabled(),
      {
        // Reads of personal data are written to the audit trail once per request; notices go with the answer.
        requestDidStart() {
          return Promise.resolve({
            didResolveOperation({ contextValue, operationName }) {
              contextValue.audit.setOperation(operationName);
              return Promise.resolve();
            },
            async willSendResponse({ contextValue, response }) {
              await contextValue.audit.flush();
              attachNotices(response.body, contextValue.notices);
            },
          });
        },
      },
    ],
  });
  await server.start();
  return server;
}
