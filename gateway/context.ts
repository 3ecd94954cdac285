import type { GraphQLFormattedError } from "graphql";
import type { Caller } from "../subgraphs/kernel/auth.js";
import { appError, type Notice } from "../subgraphs/kernel/errors.js";
import type { RegionRegistry } from "../subgraphs/kernel/regions.js";
import type { HealthMonitor } from "./health.js";

/** Per request at the gateway; also what the local regions subgraph resolves with. */
export interface GatewayContext {
  requestId: string;
  /** The caller's Authorization header (forwarded as it is only without a gateway identity). */
  authorization?: string;
  caller: Caller | null;
  /** What the gateway sends each region for the caller (see identity.ts). */
  authorizationFor?: (region: string) => Promise<string | undefined>;
  registry: RegionRegistry;
  health: HealthMonitor;
  /** The regions' notices, for the response's `extensions.notices`. */
  notices: Notice[];
  /** Runs a query of the national graph as this caller (what national aggregates are made from). */
  national?: (
    query: string,
    variables?: Record<string, unknown>,
  ) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] }>;
}

/** What the regions answered to a national `query` of `regions { … }` for `field` (a region that failed: a null, left out). */
export async function readRegions<T>(ctx: GatewayContext, field: string, query: string): Promise<T[]> {
  if (!ctx.national) throw appError("INTERNAL_SERVER_ERROR", "national queries are not available here");
  const result = await ctx.national(query);
  const regions = result.data?.regions as T[] | null | undefined;
  // Not one region's failure (that is a null in its place): the query itself did not run.
  if (!Array.isArray(regions)) throw new Error(`${field}: the national query failed: ${result.errors?.[0]?.message ?? "no data"}`);
  return regions.filter(Boolean);
}
