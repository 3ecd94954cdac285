// The country's stock added up exactly. Each region's own figures count a transfer by one
// side, and the two sides hear of each other only through messages: while an answer is lost
// on its way back, their figures can disagree. Here every region's word on its unsettled
// transfers (Region.transferPositions) is merged by transfer id, the destination's winning:
// it decides between receipt and cancellation, and it holds the stock once received.
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { appError, forbidden } from "../../subgraphs/kernel/errors.js";
import { DocumentCache, type QueryLimits } from "../../subgraphs/kernel/limits.js";
import type { GatewayContext } from "../context.js";
import type { NationalStock } from "./types.js";

const QUERY = `query NationalStock {
  regions { code stock { item quantity } transferPositions { id side inTransit { item quantity } } }
}`;

interface Quantity {
  item: string;
  quantity: number;
}
interface RegionWord {
  code: string;
  stock: Quantity[] | null;
  transferPositions: Array<{ id: string; side: "OUTGOING" | "INCOMING"; inTransit: Quantity[] }> | null;
}

function refusal(errors: readonly GraphQLFormattedError[] | undefined): GraphQLFormattedError | undefined {
  return errors?.find((e) => e.extensions?.code === "FORBIDDEN" || e.extensions?.code === "UNAUTHENTICATED");
}

export async function nationalStock(ctx: GatewayContext): Promise<NationalStock> {
  if (!ctx.national) throw appError("INTERNAL_SERVER_ERROR", "national queries are not available here");
  const result = await ctx.national(QUERY);
  const refused = refusal(result.errors);
  if (refused) throw forbidden(`nationalStock: ${refused.message}`);
  const regions = ((result.data?.regions ?? []) as RegionWord[]).filter(Boolean);
  const held = new Map<string, number>();
  const inTransit = new Map<string, number>();
  const words = new Map<string, { side: string; inTransit: Quantity[] }>();
  const regionsMissing: string[] = [];
  for (const region of regions) {
    // A region counts whole or not at all: its stock without its transfers (or the other way) would not add up.
    if (!region.stock || !region.transferPositions) {
      regionsMissing.push(region.code);
      continue;
    }
    for (const { item, quantity } of region.stock) held.set(item, (held.get(item) ?? 0) + quantity);
    for (const position of region.transferPositions) {
      if (!words.has(position.id) || position.side === "INCOMING") words.set(position.id, position);
    }
  }
  for (const { inTransit: lines } of words.values()) {
    for (const { item, quantity } of lines) inTransit.set(item, (inTransit.get(item) ?? 0) + quantity);
  }
  const items = [...new Set([...held.keys(), ...inTransit.keys()])].map((item) => ({
    item,
    held: held.get(item) ?? 0,
    inTransit: inTransit.get(item) ?? 0,
  }));
  return { items, regionsMissing };
}

/**
 * What national aggregates cost behind their field (the query they run, measured as any
 * caller's would be), for the gateway's limits: checked before anything fans out. A query
 * beyond the limits makes the field cost more than any limit.
 */
export function nationalCosts(
  schema: GraphQLSchema,
  limits: QueryLimits,
  options: { regions: number; perRegion?: ReadonlySet<string> },
): Map<string, number> {
  const measured = new DocumentCache(limits).check(schema, { query: QUERY, variables: {} }, options);
  const cost = !measured || measured instanceof GraphQLError ? Number.POSITIVE_INFINITY : measured.cost;
  return new Map([["Query.nationalStock", cost]]);
}
