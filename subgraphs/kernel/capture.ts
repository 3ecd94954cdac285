// Offline capture. Field tools record a visit or a call on a device and sync it later, so
// a record has two times: when the person recorded it (`capturedAt`, the device's word)
// and when the server stored it. The device's clock is checked, not trusted blindly.
import { badInput } from "./errors.js";
import type { RegionInfo } from "./regions.js";

/** How far ahead of the server's clock a device's clock may run. */
export const CAPTURE_SKEW_MS = 5 * 60_000;

/** The field on the records: the device's time, beside the server's. */
export const CAPTURED_AT_DESCRIPTION =
  "When the person recorded it, by the device's clock (maybe offline, synced later); null when not given.";

/** The lower bound for a region whose registry entry gives no `established` date. */
const FLOOR = "2000-01-01";

/** The earliest moment of a calendar date anywhere (UTC+14): the region's date, whatever its time zone. */
const firstMomentOf = (date: string) => new Date(`${date}T00:00:00+14:00`);

/** A capture time checked against the server's clock and the region's history; null when not given. */
export function capturedAt(value: Date | null | undefined, region: RegionInfo, field = "input.capturedAt"): Date | null {
  if (value === null || value === undefined) return null;
  if (Number.isNaN(value.getTime())) throw badInput(`${field}: must be a valid date-time`, { field });
  if (value.getTime() > Date.now() + CAPTURE_SKEW_MS) {
    throw badInput(
      `${field}: ${value.toISOString()} is in the future (a device's clock may run at most ${CAPTURE_SKEW_MS / 60_000} minutes ahead)`,
      { field },
    );
  }
  // Without its date in the registry, a region is taken to be no older than the system's era.
  if (value < firstMomentOf(region.established ?? FLOOR)) {
    const why = region.established
      ? `before ${region.code} existed (${region.established})`
      : `before ${FLOOR}, the earliest capture accepted for ${region.code} (its registry entry gives no established date)`;
    throw badInput(`${field}: ${value.toISOString()} is ${why}`, { field });
  }
  return value;
}
