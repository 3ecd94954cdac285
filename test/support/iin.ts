// Valid Kazakhstan IINs for tests, so fixtures pass the same check real input does.
import { iinCheckDigit } from "../../subgraphs/kernel/iin.js";

const CENTURY_CODES: Readonly<Record<number, readonly number[]>> = { 18: [1, 2], 19: [3, 4], 20: [5, 6] };

/**
 * The IIN of someone born on `birth` (its UTC date) with the 7th digit `sexCentury`
 * (1–6, matching the birth century) and the 4-digit `serial` (0–9999). Some serials give
 * no check digit for a date; those throw rather than silently becoming another IIN.
 */
export function makeIin(birth: Date, sexCentury: number, serial: number): string {
  const iin = iinOrNull(birth, sexCentury, serial);
  if (iin === null) throw new RangeError(`serial ${serial} gives no IIN check digit for this date; use another`);
  return iin;
}

function iinOrNull(birth: Date, sexCentury: number, serial: number): string | null {
  const year = birth.getUTCFullYear();
  if (!CENTURY_CODES[Math.floor(year / 100)]?.includes(sexCentury)) {
    throw new RangeError(`century/sex digit ${sexCentury} does not fit a birth in ${year}`);
  }
  if (!Number.isInteger(serial) || serial < 0 || serial > 9999) throw new RangeError(`serial ${serial} is not 0–9999`);
  const two = (n: number) => String(n).padStart(2, "0");
  const first11 = `${two(year % 100)}${two(birth.getUTCMonth() + 1)}${two(birth.getUTCDate())}${sexCentury}${String(serial).padStart(4, "0")}`;
  const check = iinCheckDigit(first11);
  return check === null ? null : `${first11}${check}`;
}

/** `count` distinct valid IINs for one birth date, skipping serials without a check digit. */
export function makeIins(count: number, birth = new Date(Date.UTC(1990, 0, 1)), sexCentury = 3, firstSerial = 1): string[] {
  const out: string[] = [];
  for (let serial = firstSerial; out.length < count; serial++) {
    const iin = iinOrNull(birth, sexCentury, serial);
    if (iin !== null) out.push(iin);
  }
  return out;
}

/** An IIN with its check digit swapped for a wrong one, everything else valid. */
export function withWrongCheckDigit(iin: string): string {
  return `${iin.slice(0, 11)}${(Number(iin[11]) + 1) % 10}`;
}
