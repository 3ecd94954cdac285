// The one GraphQL endpoint, through urql: every request carries the session's token, nothing is
// cached (stock and queues change under the page), and a refused token ends the session.
import { Client, fetchExchange, mapExchange, type CombinedError } from "urql";

export interface GraphError {
  message: string;
  code?: string;
  region?: string;
  path?: ReadonlyArray<string | number>;
}

export function makeClient(token: string, onUnauthenticated: () => void): Client {
  return new Client({
    url: "/graphql",
    requestPolicy: "network-only",
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
    exchanges: [
      mapExchange({
        onResult(result) {
          if (result.error && isUnauthenticated(result.error)) onUnauthenticated();
          return result;
        },
      }),
      fetchExchange,
    ],
  });
}

/** The errors of a result, as people read them: message, code and the region named. */
export function graphErrors(error: CombinedError | undefined): GraphError[] {
  if (!error) return [];
  if (error.networkError && !error.graphQLErrors.length) return [{ message: error.networkError.message, code: "NETWORK" }];
  return error.graphQLErrors.map((e) => ({
    message: e.message,
    code: typeof e.extensions?.code === "string" ? e.extensions.code : undefined,
    region: typeof e.extensions?.region === "string" ? e.extensions.region : undefined,
    path: e.path,
  }));
}

function isUnauthenticated(error: CombinedError): boolean {
  return (
    (error.response as Response | undefined)?.status === 401 || error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")
  );
}

/** Regions that did not answer (REGION_UNAVAILABLE): named in a banner, the rest of the page goes on. */
export const unavailableRegions = (errors: GraphError[]): string[] => [
  ...new Set(errors.filter((e) => e.code === "REGION_UNAVAILABLE" && e.region).map((e) => e.region!)),
];

/**
 * Which form field an error belongs to: the graph names the argument in its messages
 * (`input.contactPhone`, `volunteerId`); anything else belongs to the action itself.
 */
export function fieldOf(error: GraphError, fields: readonly string[]): string | undefined {
  // The graph's messages start with the argument they are about (`input.endsAt: must be after startsAt`).
  const leading = /^(?:input\.)?([A-Za-z]+)/.exec(error.message)?.[1];
  if (leading && fields.includes(leading)) return leading;
  const named = fields.filter((f) => new RegExp(`(^|[^A-Za-z])(input\\.)?${f}([^A-Za-z]|$)`).test(error.message));
  return named.sort((a, b) => b.length - a.length)[0];
}
