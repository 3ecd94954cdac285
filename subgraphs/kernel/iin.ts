import { badInput } from "./errors.js";

// Kazakhstan's individual identification number (IIN): YYMMDD birth date, a digit for
// the century of birth and sex, a 4-digit serial and a check digit.
//
// The 7th digit must be 1–6 (1/2: born 1800s, 3/4: 1900s, 5/6: 2000s; odd male, even
// female). 0 and 7–9 are refused: some older descriptions give 0 to foreigners, but the
// register issues foreigners the same 1–6 codes, a 0 carries no century so the birth date
// could not be checked, and legal entities have BINs, which are not IINs and not people.

const CENTURY: Readonly<Record<string, number>> = { 1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000 };

// The latest calendar date anywhere is UTC+14: a birth date is "in the future" only if it
// is after that, so a baby registered just after local midnight east of UTC is not refused.
const LATEST_OFFSET_MS = 14 * 3_600_000;

/**
 * The official IIN check digit of the first 11 digits: weights 1..11 mod 11; if that is
 * 10, weights 3..11,1,2 mod 11; if that is 10 again, no IIN has these 11 digits (null).
 */
export function iinCheckDigit(first11: string): number | null {
  if (!/^\d{11}$/.test(first11)) throw new RangeError("iinCheckDigit needs exactly 11 digits");
  const digits = [...first11].map(Number);
  const weighted = (weight: (i: number) => number) => digits.reduce((sum, d, i) => sum + d * weight(i), 0) % 11;
  let check = weighted((i) => i + 1);
  if (check === 10) check = weighted((i) => ((i + 2) % 11) + 1);
  return check === 10 ? null : check;
}

/**
 * The IIN of someone born on `birth` (its UTC date) with the 7th digit `sexCentury` (1–6,
 * matching the birth century) and the 4-digit `serial` (0–9999), or null when these 11
 * digits have no check digit (some serials give none for a date): for demo data and tests.
 */
export function composeIin(birth: Date, sexCentury: number, serial: number): string | null {
  const year = birth.getUTCFullYear();
  if (CENTURY[sexCentury] !== year - (year % 100)) throw new RangeError(`century/sex digit ${sexCentury} does not fit a birth in ${year}`);
  if (!Number.isInteger(serial) || serial < 0 || serial > 9999) throw new RangeError(`serial ${serial} is not 0–9999`);
  const two = (n: number) => String(n).padStart(2, "0");
  const first11 = `${two(year % 100)}${two(birth.getUTCMonth() + 1)}${two(birth.getUTCDate())}${sexCentury}${String(serial).padStart(4, "0")}`;
  const check = iinCheckDigit(first11);
  return check === null ? null : `${first11}${check}`;
}

/**
 * A national ID number checked as an IIN: exactly 12 ASCII digits once surrounding
 * whitespace is trimmed, century digit 1–6, a birth date that exists and is not in the
 * future, and the right check digit. Returns the 12 digits. The error names `field` and
 * the reason but never the value: it is personal data.
 */
export function normalizeIin(raw: string, field: string, now: Date = new Date()): string {
  const refuse = (reason: string) => badInput(`${field}: not a valid IIN (${reason})`, { field });
  const iin = raw.trim();
  if (!/^\d{12}$/.test(iin)) throw refuse("must be exactly 12 digits");
  const century = CENTURY[iin[6]];
  if (century === undefined) throw refuse("the 7th digit, century and sex, must be 1 to 6");
  const year = century + Number(iin.slice(0, 2));
  const month = Number(iin.slice(2, 4));
  const day = Number(iin.slice(4, 6));
  const birth = new Date(Date.UTC(year, month - 1, day));
  if (birth.getUTCFullYear() !== year || birth.getUTCMonth() !== month - 1 || birth.getUTCDate() !== day) {
    throw refuse("digits 1 to 6 are not a real birth date");
  }
  if (birth.getTime() > now.getTime() + LATEST_OFFSET_MS) throw refuse("the birth date is in the future");
  if (iinCheckDigit(iin.slice(0, 11)) !== Number(iin[11])) throw refuse("the check digit does not match");
  return iin;
}
