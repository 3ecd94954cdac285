// Report periods: dates in Asia/Almaty, calendar intervals, and the ids that carry them.
import { ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { csvCell, publishedCount } from "../../gateway/exports/three-w.js";
import {
  coveringRanges,
  instantsOf,
  intervalCount,
  localDateOf,
  parseLocalDate,
  periodFromObjectId,
  periodIndex,
  periodToObjectId,
  ReportInterval,
  splitPeriod,
  startOfDay,
} from "../../subgraphs/kernel/periods.js";
import { ITEM_SECTORS, NEED_SECTORS } from "../../subgraphs/kernel/sectors.js";
import { Need } from "../../subgraphs/beneficiaries/types/enums.js";
import { Item } from "../../subgraphs/inventory/types/enums.js";

const codeOf = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return (err as { extensions?: Record<string, unknown> }).extensions;
  }
  return undefined;
};

describe("dates in Asia/Almaty", () => {
  it("starts a day at local midnight, across Kazakhstan's move from UTC+6 to UTC+5 (1 March 2024)", () => {
    expect(startOfDay("2026-12-02").toISOString()).toBe("2026-12-01T19:00:00.000Z");
    expect(startOfDay("2024-02-29").toISOString()).toBe("2024-02-28T18:00:00.000Z");
    // Clocks went from 00:00 (+06) back to 23:00 (+05): the 29th is 25 hours long, and 1 March begins an hour later.
    expect(startOfDay("2024-03-01").toISOString()).toBe("2024-02-29T19:00:00.000Z");
    expect(startOfDay("2024-03-02").toISOString()).toBe("2024-03-01T19:00:00.000Z");
    // 19:30 UTC is half past midnight the next day in Almaty.
    expect(localDateOf(new Date("2026-05-10T19:30:00Z"))).toBe("2026-05-11");
    expect(localDateOf(new Date("2026-05-10T18:59:59Z"))).toBe("2026-05-10");
  });

  it("refuses what is not a calendar date, naming the argument", () => {
    for (const bad of ["2026-02-30", "2026-13-01", "2026-1-01", "20260101", "1999-12-31", "2026-01-01T00:00:00Z", 20260101, null]) {
      expect(codeOf(() => parseLocalDate(bad, "from"))).toMatchObject({ code: "BAD_USER_INPUT", field: "from" });
    }
    expect(parseLocalDate("2024-02-29", "from")).toBe("2024-02-29");
  });
});

describe("intervals", () => {
  it("cuts a period into calendar days, ISO weeks and months, the first and last cut at the period's ends", () => {
    expect(splitPeriod("2026-11-28", "2026-11-30", ReportInterval.DAY).map((p) => p.start)).toEqual([
      "2026-11-28",
      "2026-11-29",
      "2026-11-30",
    ]);
    // 2026-11-25 is a Wednesday: its week ends on Sunday the 29th.
    expect(splitPeriod("2026-11-25", "2026-12-08", ReportInterval.WEEK)).toEqual([
      { start: "2026-11-25", end: "2026-11-29" },
      { start: "2026-11-30", end: "2026-12-06" },
      { start: "2026-12-07", end: "2026-12-08" },
    ]);
    expect(splitPeriod("2024-01-15", "2024-03-03", ReportInterval.MONTH)).toEqual([
      { start: "2024-01-15", end: "2024-01-31" },
      { start: "2024-02-01", end: "2024-02-29" },
      { start: "2024-03-01", end: "2024-03-03" },
    ]);
    expect(splitPeriod("2026-01-01", "2026-01-01", ReportInterval.MONTH)).toEqual([{ start: "2026-01-01", end: "2026-01-01" }]);
    // The last dates accepted: their week and the day after them lie past them.
    expect(splitPeriod("2100-12-30", "2100-12-31", ReportInterval.WEEK)).toEqual([{ start: "2100-12-30", end: "2100-12-31" }]);
    expect(instantsOf({ start: "2100-12-31", end: "2100-12-31" }).to.toISOString()).toBe("2100-12-31T19:00:00.000Z");
  });

  it("refuses backwards periods, too many intervals and too long periods, before any work", () => {
    expect(codeOf(() => splitPeriod("2026-02-02", "2026-02-01", ReportInterval.DAY))).toMatchObject({ field: "to" });
    expect(splitPeriod("2025-01-01", "2025-12-31", ReportInterval.DAY)).toHaveLength(365);
    expect(codeOf(() => splitPeriod("2025-01-01", "2026-01-02", ReportInterval.DAY))).toMatchObject({ field: "interval" });
    expect(codeOf(() => splitPeriod("2000-01-01", "2030-01-01", ReportInterval.MONTH))).toMatchObject({ field: "to" });
    expect(intervalCount("2025-01-01", "2025-12-31", "WEEK")).toBe(53);
    expect(intervalCount("2025-01-01", "nope", "WEEK")).toBeUndefined();
  });

  it("carries an interval in an id's 24 hex digits, and refuses ids that carry none", () => {
    const period = { start: "2026-11-30", end: "2026-12-06" };
    expect(periodFromObjectId(periodToObjectId(period))).toEqual(period);
    const hex = periodToObjectId(period).toHexString();
    for (const bad of [hex.slice(0, 23) + "1", hex.slice(8, 16) + hex.slice(0, 8) + "00000000", "ffffffff".repeat(2) + "00000000"]) {
      expect(codeOf(() => periodFromObjectId(ObjectId.createFromHexString(bad)))).toMatchObject({
        code: "BAD_USER_INPUT",
      });
    }
  });

  it("finds every interval an instant falls in, and reads overlapping intervals' dates once", () => {
    const periods = [
      { start: "2026-01-01", end: "2026-01-31" },
      { start: "2026-01-10", end: "2026-01-10" },
      { start: "2026-03-01", end: "2026-03-01" },
    ];
    const which = periodIndex(periods);
    expect(which(new Date("2026-01-10T12:00:00Z")).sort()).toEqual([0, 1]);
    expect(which(new Date("2026-01-31T18:59:59Z"))).toEqual([0]);
    expect(which(new Date("2026-01-31T19:00:00Z"))).toEqual([]);
    expect(which(new Date("2026-03-01T00:00:00Z"))).toEqual([2]);
    expect(coveringRanges(periods)).toEqual([instantsOf(periods[0]), instantsOf(periods[2])]);
  });
});

describe("3W cells", () => {
  it("leaves counts from 1 to the threshold less one empty, and shows 0", () => {
    expect([0, 1, 4, 5, 120].map((n) => publishedCount(n, 5))).toEqual([0, null, null, 5, 120]);
    expect(publishedCount(1, 1)).toBe(1);
  });

  it("quotes what CSV needs quoted and never lets a spreadsheet run a name as a formula", () => {
    expect(csvCell('Fund "Help", Almaty')).toBe('"Fund ""Help"", Almaty"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell("+7 group")).toBe("'+7 group");
    expect(csvCell("@home")).toBe("'@home");
    // Excel set to Russian or Kazakh splits on semicolons: such a cell stays one, quoted.
    expect(csvCell("Aid;=1+1")).toBe('"Aid;=1+1"');
    expect(csvCell("Aid\t=1+1")).toBe('"Aid\t=1+1"');
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
  });

  it("maps every item and need of the graph in the one sector table", () => {
    expect(Object.keys(ITEM_SECTORS).sort()).toEqual(Object.values(Item).sort());
    expect(Object.keys(NEED_SECTORS).sort()).toEqual(Object.values(Need).sort());
  });
});
