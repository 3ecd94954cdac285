// One Apollo Server per subgraph kind, serving every region the host serves: the region
// comes with each request's context. Requests reach it already within the limits. The batch
// endpoint runs most operations without it (direct.ts); both go through the same hooks.
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import type { GraphQLFormattedError } from "graphql";
import type { SubgraphContext } from "../kernel/context.js";
import { attachNotices, formatError } from "../kernel/errors.js";
import type { QueryLimits } from "../kernel/limits.js";
import type { Logger } from "../kernel/log.js";
import type { SubgraphDefinition } from "../kernel/subgraph.js";

/** What every operation goes through around its execution, whichever way it runs. */
export interface OperationHooks {
  /** Once the operation is known: reads of personal data are audited under its name. */
  resolved: (context: SubgraphContext, operationName: string | null) => void;
  /** Before the answer leaves: the audit trail is written (an answer whose entry fails is not sent), notices attached. */
  answering: (context: SubgraphContext, body: Parameters<typeof attachNotices>[0]) => Promise<void>;
  /** Coded errors pass, the rest is masked and logged. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

export function operationHooks(sub: SubgraphDefinition, log: Logger): OperationHooks {
  return {
    resolved: (context, operationName) => context.audit.setOperation(operationName),
    answering: async (context, body) => {
      await context.audit.flush();
      attachNotices(body, context.notices);
    },
    formatError: (formatted, error) =>
      formatError(formatted, error, (err) => log.error({ err, subgraph: sub.name }, "internal error in resolver")),
  };
}

export async function startSubgraphServer(
  sub: SubgraphDefinition,
  options: { production?: boolean; limits: QueryLimits; hooks: OperationHooks },
): Promise<ApolloServer<SubgraphContext>> {
  const { hooks } = options;
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
    formatError: hooks.formatError,
    // Clients are the gateway and regional tools, which send JSON.
    csrfPrevention: true,
    plugins: [
      // No per-resolver traces to callers: they cost time and reveal internals.
      ApolloServerPluginInlineTraceDisabled(),
      // No cache hints are declared; the plugin would still wrap every resolver.
      ApolloServerPluginCacheControlDisabled(),
      {
        requestDidStart() {
          return Promise.resolve({
            didResolveOperation({ contextValue, operationName }) {
              hooks.resolved(contextValue, operationName);
              return Promise.resolve();
            },
            willSendResponse: ({ contextValue, response }) => hooks.answering(contextValue, response.body),
          });
        },
      },
    ],
  });
  await server.start();
  return server;
}
