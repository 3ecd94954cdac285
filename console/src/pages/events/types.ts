// What the events page asks the graph about an event, and the kinds it labels.
export const KINDS = ["BLOOD_DRIVE", "CHARITY_DRIVE", "TRAINING", "SEMINAR", "DISTRIBUTION", "CLEANUP", "CONSULTATION"] as const;

export interface EventRow {
  id: string;
  title: string;
  kind: string;
  startsAt: string;
  endsAt: string;
  location: string | null;
  onlineUrl: string | null;
  capacity: number;
  spotsLeft: number;
  status: string;
}

export interface EventDetailData extends EventRow {
  description: string | null;
  cancelReason: string | null;
  attendance: Array<{ volunteer: { id: string; fullName: string }; signedUpAt: string; hours: number | null }>;
}

/** Upcoming events first (soonest first), then those under way or over (latest first). */
export function upcomingFirst(events: EventRow[], now: number): EventRow[] {
  const start = (e: EventRow) => new Date(e.startsAt).getTime();
  const upcoming = events.filter((e) => start(e) > now).sort((a, b) => start(a) - start(b));
  const started = events.filter((e) => start(e) <= now).sort((a, b) => start(b) - start(a));
  return [...upcoming, ...started];
}
