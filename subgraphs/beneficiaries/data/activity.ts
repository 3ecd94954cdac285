// Help requests per interval of a report: opened (captured on a device, else recorded by
// the region), fulfilled and cancelled (the history entry that closed them), and the median
// time from opened to fulfilled. Read once per batch, only the records of the intervals' dates.
import type { SubgraphContext } from "../../kernel/context.js";
import { coveringRanges, periodIndex, type Period } from "../../kernel/periods.js";
import { HelpRequestStatus } from "../types/enums.js";
import { helpRequestsOf } from "./help-requests.js";

export interface HelpRequestActivity {
  helpRequestsOpened: number;
  helpRequestsFulfilled: number;
  helpRequestsCancelled: number;
  medianHoursToFulfil: number | null;
}

const CLOSED = [HelpRequestStatus.FULFILLED, HelpRequestStatus.CANCELLED];

/** When a request was opened: captured on a device, else recorded by the region. */
const openedAt = (r: { createdAt: Date; capturedAt?: Date | null }): Date => r.capturedAt ?? r.createdAt;

/** The middle value (the mean of the two middle ones), to a hundredth of an hour; null for none. */
function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const value = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(value * 100) / 100;
}

export async function helpRequestActivity(ctx: SubgraphContext, periods: Period[]): Promise<HelpRequestActivity[]> {
  const which = periodIndex(periods);
  const acc = periods.map(() => ({ opened: 0, fulfilled: 0, cancelled: 0, hours: [] as number[] }));
  const requests = helpRequestsOf(ctx.db);
  for (const range of coveringRanges(periods)) {
    // Opened when it was captured (a device offline at 23:50 syncs the next morning), else when recorded.
    const seen = new Set<string>();
    for (const field of ["capturedAt", "createdAt"] as const) {
      const opened = requests
        .find({ [field]: { $gte: range.from, $lt: range.to } }, { projection: { _id: 1, createdAt: 1, capturedAt: 1 } })
        .batchSize(5000);
      for await (const r of opened) {
        const at = openedAt(r);
        // Found by the other time, or already by this one: counted where it was opened, once.
        if (at < range.from || at >= range.to || seen.has(r._id.toHexString())) continue;
        seen.add(r._id.toHexString());
        for (const i of which(at)) acc[i].opened++;
      }
    }
    const closed = requests
      .find(
        { history: { $elemMatch: { to: { $in: CLOSED }, at: { $gte: range.from, $lt: range.to } } } },
        { projection: { _id: 0, createdAt: 1, capturedAt: 1, "history.to": 1, "history.at": 1 } },
      )
      .batchSize(5000);
    for await (const r of closed) {
      // A request closes once (both are final); the entry that closed it says when and how.
      const last = r.history.find((h) => CLOSED.includes(h.to));
      if (!last || last.at < range.from || last.at >= range.to) continue;
      for (const i of which(last.at)) {
        const a = acc[i];
        if (last.to === HelpRequestStatus.CANCELLED) a.cancelled++;
        else {
          a.fulfilled++;
          a.hours.push((last.at.getTime() - openedAt(r).getTime()) / 3_600_000);
        }
      }
    }
  }
  return acc.map((a) => ({
    helpRequestsOpened: a.opened,
    helpRequestsFulfilled: a.fulfilled,
    helpRequestsCancelled: a.cancelled,
    medianHoursToFulfil: median(a.hours),
  }));
}
