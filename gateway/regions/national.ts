// The country's stock added up exactly. Each region's own figures count a transfer by one
// side, and the two sides hear of each other only through messages: while an answer is lost
// on its way back, their figures can disagree. Here every region's word on its unsettled
// transfers (Region.transferPositions) is merged by transfer id, the destination's winning:
// it decides between receipt and cancellation, and it holds the stock once received. The
// regions are read twice: the same answer both times is a figure of one moment (nothing
// moved while it was read); otherwise the second read is given, marked not consistent.
import { GraphQLError, type GraphQLSchema } from "graphql";
import { forbidden, unauthenticated } from "../../subgraphs/kernel/errors.js";
import { peekId } from "../../subgraphs/kernel/ids.js";
import { DocumentCache, type QueryLimits } from "../../subgraphs/kernel/limits.js";
import { readRegions, type GatewayContext } from "../context.js";
import { DUPLICATES_QUERY } from "./duplicates.js";
import type { NationalStock } from "./types.js";

const QUERY = `query NationalStock {
  regions { code stock { item quantity } transferPositions { id side counterpart inTransit { item quantity } } }
}`;
/** The regions are read twice, and the figure is consistent when both reads agree. */
const READS = 2;

interface Quantity {
  item: string;
  quantity: number;
}
interface Position {
  id: string;
  side: "OUTGOING" | "INCOMING";
  counterpart: string;
  inTransit: Quantity[];
}
export interface RegionWord {
  code: string;
  stock: Quantity[] | null;
  transferPositions: Position[] | null;
}

/**
 * Adds up what the regions said. Each region's stock, and each transfer between regions that
 * both answered, once: by the destination's word when it has one (it decides between receipt
 * and cancellation, and holds the stock once received), else by the source's. A region's word
 * counts only for its own side of a transfer. A transfer touching a region that did not answer
 * is left out with that region, whose stock is not known either.
 */
export function mergeNational(regions: RegionWord[], registry: GatewayContext["registry"]): Omit<NationalStock, "consistent"> {
  const answered = new Map(regions.filter((r) => r.stock && r.transferPositions).map((r) => [r.code, r]));
  const regionsMissing = registry.regions.map((r) => r.code).filter((code) => !answered.has(code));
  const held = new Map<string, number>();
  const words = new Map<string, { outgoing?: Position; incoming?: Position & { region: string } }>();
  for (const [code, region] of answered) {
    for (const { item, quantity } of region.stock!) held.set(item, (held.get(item) ?? 0) + quantity);
    for (const position of region.transferPositions!) {
      const source = peekId(position.id)?.region;
      const word = words.get(position.id) ?? {};
      if (position.side === "OUTGOING" && source === code) word.outgoing = position;
      else if (position.side === "INCOMING" && source === position.counterpart) word.incoming = { ...position, region: code };
      else continue;
      words.set(position.id, word);
    }
  }
  const inTransit = new Map<string, number>();
  for (const [id, { outgoing, incoming }] of words) {
    const source = peekId(id)!.region;
    const destination = outgoing?.counterpart ?? incoming!.region;
    // The destination's word is taken only from the destination the source named.
    const decisive = incoming && incoming.region === destination ? incoming : outgoing;
    if (!decisive || !answered.has(source) || !answered.has(destination)) continue;
    for (const { item, quantity } of decisive.inTransit) inTransit.set(item, (inTransit.get(item) ?? 0) + quantity);
  }
  const items = [...new Set([...held.keys(), ...inTransit.keys()])].map((item) => ({
    item,
    held: held.get(item) ?? 0,
    inTransit: inTransit.get(item) ?? 0,
  }));
  return { items, regionsMissing };
}

export async function nationalStock(ctx: GatewayContext): Promise<NationalStock> {
  // Refused before anything fans out.
  if (!ctx.caller) throw unauthenticated("nationalStock needs authentication");
  if (ctx.caller.role === "VOLUNTEER") throw forbidden("nationalStock: national stock is for coordinators and staff");
  let previous: string | undefined;
  let regions: RegionWord[] = [];
  let consistent = false;
  for (let i = 0; i < READS && !consistent; i++) {
    regions = await readRegions<RegionWord>(ctx, "nationalStock", QUERY);
    const seen = JSON.stringify([...regions].sort((a, b) => a.code.localeCompare(b.code)));
    consistent = seen === previous;
    previous = seen;
  }
  return { ...mergeNational(regions, ctx.registry), consistent };
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
  const documents = new DocumentCache(limits);
  const costOf = (query: string, reads: number) => {
    const measured = documents.check(schema, { query, variables: {} }, options);
    return !measured || measured instanceof GraphQLError ? Number.POSITIVE_INFINITY : reads * measured.cost;
  };
  return new Map([
    ["Query.nationalStock", costOf(QUERY, READS)],
    ["Query.nationalDuplicates", costOf(DUPLICATES_QUERY, 1)],
  ]);
}
