// Periods for reports. A report's period is a range of calendar dates in the country's
// time zone (Asia/Almaty; both ends inclusive), because that is how an office counts "what
// we did on Monday": a distribution at 23:30 local time on the 31st belongs to the 31st,
// whatever UTC says. Every subgraph turns dates into instants here, and nowhere else, so
// the activity report, the 3W export and the records agree at every boundary.
import { ObjectId } from "bson";
import { GraphQLScalarType, Kind } from "graphql";
import { registerEnumType } from "type-graphql";
import { badInput } from "./errors.js";

/** The zone reports count days in (Kazakhstan has had one zone, UTC+5, since March 2024). */
export const REPORT_TIME_ZONE = "Asia/Almaty";

/** A calendar date, YYYY-MM-DD. */
export type LocalDate = string;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;
/** Dates outside these years are refused: far enough for any record, near enough to mean a typo. */
const FIRST_YEAR = 2000;
const LAST_YEAR = 2100;

/** Days since 1970-01-01 of a valid date, or undefined. */
function dayNumber(date: string): number | undefined {
  const m = DATE_PATTERN.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < FIRST_YEAR || y > LAST_YEAR) return undefined;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // 2026-02-30 rolls over to March: not a date.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

const fromDayNumber = (n: number): LocalDate => new Date(n * DAY_MS).toISOString().slice(0, 10);

/** A date argument, checked: BAD_USER_INPUT naming `field` unless it is a real YYYY-MM-DD date. */
export function parseLocalDate(value: unknown, field: string): LocalDate {
  if (typeof value !== "string" || dayNumber(value) === undefined) {
    const shown = JSON.stringify(typeof value === "string" ? value.slice(0, 40) : value);
    throw badInput(`${field}: ${shown} is not a date; expected YYYY-MM-DD between ${FIRST_YEAR} and ${LAST_YEAR}`, { field });
  }
  return value;
}

/** The `Date` scalar: a calendar date, YYYY-MM-DD, no time or zone. */
export const DateScalar = new GraphQLScalarType<LocalDate, LocalDate>({
  name: "Date",
  description: `A calendar date, YYYY-MM-DD, in the country's time zone (${REPORT_TIME_ZONE}) where it bounds a period.`,
  serialize: (value) => parseLocalDate(value, "Date"),
  parseValue: (value) => parseLocalDate(value, "Date"),
  parseLiteral: (ast) => parseLocalDate(ast.kind === Kind.STRING ? ast.value : undefined, "Date"),
});

const zoneParts = new Intl.DateTimeFormat("en-US", {
  timeZone: REPORT_TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
});

/** The zone's offset from UTC at `ms`, in ms. */
function offsetAt(ms: number): number {
  const p = Object.fromEntries(zoneParts.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  const local = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return local - Math.floor(ms / 1000) * 1000;
}

/** The instant a date begins in the report zone (its midnight; exact across offset changes). */
export function startOfDay(date: LocalDate): Date {
  return startOfDayNumber(dayNumber(date)!);
}

/** As startOfDay, by day number: the day after a period's last may be past the dates accepted (2101-01-01). */
function startOfDayNumber(day: number): Date {
  let instant = midnights.get(day);
  if (instant === undefined) {
    const utcMidnight = day * DAY_MS;
    instant = utcMidnight - offsetAt(utcMidnight);
    // A second look settles dates whose midnight falls on the other side of an offset change.
    instant = utcMidnight - offsetAt(instant);
    midnights.set(day, instant);
  }
  return new Date(instant);
}

/** Midnights already worked out (the zone's rules do not change while the process runs; ~37,000 days at most). */
const midnights = new Map<number, number>();

/** The date an instant falls on in the report zone. */
export function localDateOf(at: Date): LocalDate {
  return fromDayNumber(Math.floor((at.getTime() + offsetAt(at.getTime())) / DAY_MS));
}

export enum ReportInterval {
  DAY = "DAY",
  WEEK = "WEEK",
  MONTH = "MONTH",
}
registerEnumType(ReportInterval, {
  name: "ReportInterval",
  description: "Calendar days, ISO weeks (Monday to Sunday) or calendar months; the first and last are cut at the period's ends.",
});

/** A period of whole dates, both ends inclusive. */
export interface Period {
  start: LocalDate;
  end: LocalDate;
}

/** Intervals of one report, at most: a year by day. */
const MAX_INTERVALS = 366;
/** A period's span, at most (ten years by month). */
const MAX_PERIOD_DAYS = 3660;

/** The last date of the interval that contains `date`. */
function intervalEnd(date: LocalDate, interval: ReportInterval): number {
  // By day number: the week of 2100-12-31 ends in 2101, past the dates a caller may give.
  const n = dayNumber(date)!;
  if (interval === ReportInterval.DAY) return n;
  if (interval === ReportInterval.WEEK) {
    const weekday = (new Date(n * DAY_MS).getUTCDay() + 6) % 7; // Monday 0
    return n + 6 - weekday;
  }
  const d = new Date(n * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0) / DAY_MS;
}

/** One period `from`..`to` (dates, inclusive) of at most `maxDays`; BAD_USER_INPUT naming the argument otherwise. */
export function periodOf(from: LocalDate, to: LocalDate, maxDays: number): Period {
  const a = dayNumber(parseLocalDate(from, "from"))!;
  const b = dayNumber(parseLocalDate(to, "to"))!;
  if (b < a) throw badInput(`to: ${to} is before from (${from}); both dates are inclusive`, { field: "to" });
  if (b - a + 1 > maxDays) throw badInput(`to: a period is at most ${maxDays} days; ask for several`, { field: "to" });
  return { start: from, end: to };
}

/**
 * The intervals of `from`..`to` (dates, inclusive) by calendar `interval`; BAD_USER_INPUT
 * naming the argument when the period is backwards, too long or has too many intervals.
 */
export function splitPeriod(from: LocalDate, to: LocalDate, interval: ReportInterval): Period[] {
  const b = dayNumber(periodOf(from, to, MAX_PERIOD_DAYS).end)!;
  const periods: Period[] = [];
  for (let start = from; dayNumber(start)! <= b;) {
    const endN = Math.min(intervalEnd(start, interval), b);
    periods.push({ start, end: fromDayNumber(endN) });
    if (periods.length > MAX_INTERVALS) {
      throw badInput(
        `interval: ${from}..${to} by ${interval} is more than ${MAX_INTERVALS} intervals; choose a longer interval or a shorter period`,
        {
          field: "interval",
        },
      );
    }
    start = fromDayNumber(endN + 1);
  }
  return periods;
}

/** How many intervals a report's arguments make, for the cost estimate; undefined when they are invalid (execution refuses them). */
export function intervalCount(from: unknown, to: unknown, interval: unknown): number | undefined {
  if (typeof from !== "string" || typeof to !== "string" || !Object.values<unknown>(ReportInterval).includes(interval)) return undefined;
  try {
    return splitPeriod(from, to, interval as ReportInterval).length;
  } catch {
    return undefined;
  }
}

/** The instants a period covers: [start of its first day, start of the day after its last). */
export function instantsOf(period: Period): { from: Date; to: Date } {
  return { from: startOfDay(period.start), to: startOfDayNumber(dayNumber(period.end)! + 1) };
}

/**
 * A period as the 24 hex digits of an entity id (an ActivityInterval is keyed by its
 * region and dates, and the ID codec carries the region): first day, last day, zeros.
 */
export function periodToObjectId(period: Period): ObjectId {
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return new ObjectId(hex(dayNumber(period.start)!) + hex(dayNumber(period.end)!) + "00000000");
}

/** The period an ActivityInterval id's ObjectId holds; BAD_USER_INPUT naming `field` if none. */
export function periodFromObjectId(objectId: ObjectId, field = "id"): Period {
  const hex = objectId.toHexString();
  const [a, b] = [parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8, 16), 16)];
  const [first, last] = [dayNumber(`${FIRST_YEAR}-01-01`)!, dayNumber(`${LAST_YEAR}-12-31`)!];
  // An interval is a day, a week or a month at most.
  const valid = hex.endsWith("00000000") && first <= a && a <= b && b <= last && b - a < 31;
  if (!valid) throw badInput(`${field}: not the id of an activity interval`, { field });
  return { start: fromDayNumber(a), end: fromDayNumber(b) };
}

/**
 * Disjoint ranges of instants covering these periods (overlapping or adjacent ones merged),
 * so a batch reads each record once, and only records of its periods.
 */
export function coveringRanges(periods: Period[]): Array<{ from: Date; to: Date }> {
  const sorted = [...periods].sort((p, q) => dayNumber(p.start)! - dayNumber(q.start)!);
  const ranges: Array<{ start: number; end: number }> = [];
  for (const p of sorted) {
    const [s, e] = [dayNumber(p.start)!, dayNumber(p.end)!];
    const last = ranges.at(-1);
    if (last && s <= last.end + 1) last.end = Math.max(last.end, e);
    else ranges.push({ start: s, end: e });
  }
  return ranges.map((r) => instantsOf({ start: fromDayNumber(r.start), end: fromDayNumber(r.end) }));
}

/** Which of `periods` (by index) an instant falls in: a period may overlap another. */
export function periodIndex(periods: Period[]): (at: Date) => number[] {
  const bounds = periods
    .map((p, i) => ({ i, ...instantsOf(p) }))
    .map(({ i, from, to }) => ({ i, a: from.getTime(), b: to.getTime() }))
    .sort((x, y) => x.a - y.a);
  const longest = Math.max(0, ...bounds.map((x) => x.b - x.a));
  return (at) => {
    const t = at.getTime();
    // Binary search for the last period starting at or before t, then back over any that may still cover it.
    let [lo, hi] = [0, bounds.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bounds[mid].a <= t) lo = mid + 1;
      else hi = mid;
    }
    const hits: number[] = [];
    for (let k = lo - 1; k >= 0 && bounds[k].a > t - longest - 1; k--) if (t < bounds[k].b) hits.push(bounds[k].i);
    return hits;
  };
}
