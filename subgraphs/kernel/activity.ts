// A region's activity over a period (ActivityInterval) is one entity in the graph with its
// figures from three subgraphs: inventory lists the intervals (Region.activity) and adds
// distributions, beneficiaries help requests, events events and volunteers' hours. Its id
// carries the region and the interval's dates, so every subgraph reads the same interval
// from the id alone; this module is how each of them does.
import { Directive, ObjectType } from "type-graphql";
import type { SubgraphContext } from "./context.js";
import { ownId } from "./context.js";
import { encodeId } from "./ids.js";
import { periodFromObjectId, periodToObjectId, type Period } from "./periods.js";
import { coordinatorsAndRegionStaff, ReadableBy } from "./visibility.js";

/**
 * A subgraph's ActivityInterval class: an entity by id whose every field but the id is for
 * coordinators and the region's staff (a rule on the type: `_entities` sent straight to a
 * region host is refused too).
 */
export function ActivityIntervalType(description?: string): ClassDecorator {
  return (target) => {
    ObjectType("ActivityInterval", description ? { description } : {})(target);
    ReadableBy(coordinatorsAndRegionStaff("Activity reports"))(target);
    Directive('@key(fields: "id")')(target);
  };
}

export const activityIntervalId = (region: string, period: Period): string =>
  encodeId("ActivityInterval", region, periodToObjectId(period));

/** The interval an id of this region names; BAD_USER_INPUT naming `field` otherwise. */
function intervalOf(ctx: SubgraphContext, id: unknown, field = "id"): Period {
  return periodFromObjectId(ownId(ctx, id, "ActivityInterval", field).objectId, field);
}

/** Reports are for the country's coordinators and the region's own staff; refused before any work. */
export function requireReportReader(ctx: SubgraphContext): void {
  ctx.access.requireCoordinatorOrWrite(ctx.region.code);
}

/**
 * One subgraph's figures for intervals, by id: every interval asked for in a request (a
 * national report asks for dozens per region) is computed together, by one `compute` over
 * the records of their dates only.
 */
export function loadActivity<T>(ctx: SubgraphContext, compute: (ctx: SubgraphContext, periods: Period[]) => Promise<T[]>) {
  const some = async (ids: readonly string[]) => {
    const periods = ids.map((id) => intervalOf(ctx, id));
    const rows = await compute(ctx, periods);
    return rows.map((row, i) => ({ ...row, ...periods[i], id: ids[i] }));
  };
  return ctx.loaders.get<string, T & Period & { id: string }>(`activity:${ctx.subgraph}`, async (ids) => {
    try {
      return await some(ids);
    } catch {
      // An interval that cannot be counted fails its own slot, not the batch's others.
      // (DataLoader takes an Error in a key's place as that key's rejection.)
      const each = await Promise.all(
        ids.map((id) =>
          some([id]).then(
            ([row]) => row,
            (err: unknown) => err as Error,
          ),
        ),
      );
      return each as Array<T & Period & { id: string }>;
    }
  });
}

/** `__resolveReference` for a subgraph's share of ActivityInterval. Async: a refusal fails only its slot. */
export function activityReference<T>(compute: (ctx: SubgraphContext, periods: Period[]) => Promise<T[]>) {
  return async (ref: { id: string }, ctx: SubgraphContext): Promise<(T & Period & { id: string }) | null> => {
    intervalOf(ctx, ref.id);
    requireReportReader(ctx);
    return loadActivity(ctx, compute).load(ref.id);
  };
}
