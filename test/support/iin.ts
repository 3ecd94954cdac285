// Valid Kazakhstan IINs for tests, so fixtures pass the same check real input does.
import { composeIin } from "../../subgraphs/kernel/iin.js";

/** The IIN of someone born on `birth` with the 7th digit `sexCentury` and the 4-digit `serial`; some serials give no check digit for a date: those throw rather than silently becoming another IIN. */
export function makeIin(birth: Date, sexCentury: number, serial: number): string {
  const iin = composeIin(birth, sexCentury, serial);
  if (iin === null) throw new RangeError(`serial ${serial} gives no IIN check digit for this date; use another`);
  return iin;
}

/** `count` distinct valid IINs for one birth date, skipping serials without a check digit. */
export function makeIins(count: number, birth = new Date(Date.UTC(1990, 0, 1)), sexCentury = 3, firstSerial = 1): string[] {
  const out: string[] = [];
  for (let serial = firstSerial; out.length < count; serial++) {
    const iin = composeIin(birth, sexCentury, serial);
    if (iin !== null) out.push(iin);
  }
  return out;
}

/** An IIN with its check digit swapped for a wrong one, everything else valid. */
export function withWrongCheckDigit(iin: string): string {
  return `${iin.slice(0, 11)}${(Number(iin[11]) + 1) % 10}`;
}
