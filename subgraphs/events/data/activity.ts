// Events per interval of a report. An event counts on the date it started (if it has, and
// was not cancelled), with the hours its volunteers' attendance records; a sign-up counts on
// the date it was made. Read once per batch, only the records of the intervals' dates.
import type { SubgraphContext } from "../../kernel/context.js";
import { coveringRanges, periodIndex, type Period } from "../../kernel/periods.js";
import { EventStatus } from "../types/enums.js";
import { eventsOf } from "./events.js";

export interface EventActivity {
  eventsHeld: number;
  volunteersActive: number;
  hoursServed: number;
  signUps: number;
}

export async function eventActivity(ctx: SubgraphContext, periods: Period[]): Promise<EventActivity[]> {
  const which = periodIndex(periods);
  const acc = periods.map(() => ({ held: 0, volunteers: new Set<string>(), hours: 0, signUps: 0 }));
  const events = eventsOf(ctx.db);
  const now = ctx.now();
  for (const range of coveringRanges(periods)) {
    const held = events
      .find(
        { startsAt: { $gte: range.from, $lt: range.to < now ? range.to : now }, status: { $ne: EventStatus.CANCELLED } },
        { projection: { _id: 0, startsAt: 1, "participants.volunteerId": 1, "participants.hours": 1 } },
      )
      .batchSize(2000);
    for await (const e of held) {
      for (const i of which(e.startsAt)) {
        const a = acc[i];
        a.held++;
        for (const p of e.participants) {
          if (p.hours === null || p.hours === undefined) continue;
          a.volunteers.add(p.volunteerId);
          a.hours += p.hours;
        }
      }
    }
    const signedUp = events
      // One sign-up within both bounds (an index then reads only the period's entries).
      .find(
        { participants: { $elemMatch: { signedUpAt: { $gte: range.from, $lt: range.to } } } },
        { projection: { _id: 0, "participants.signedUpAt": 1 } },
      )
      .batchSize(2000);
    for await (const e of signedUp) {
      for (const p of e.participants) {
        if (p.signedUpAt < range.from || p.signedUpAt >= range.to) continue;
        for (const i of which(p.signedUpAt)) acc[i].signUps++;
      }
    }
  }
  return acc.map((a) => ({
    eventsHeld: a.held,
    volunteersActive: a.volunteers.size,
    hoursServed: Math.round(a.hours * 100) / 100,
    signUps: a.signUps,
  }));
}
