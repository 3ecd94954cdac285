import { badInput } from "./errors.js";

/**
 * Normalises a phone number to E.164. Accepts the forms people type in Kazakhstan:
 * `+7 701 123-45-67`, `8 (701) 1234567` (domestic trunk prefix 8), `77011234567`.
 * The number itself never appears in the error: it is personal data.
 */
export function normalizePhone(raw: string, field = "phone"): string {
  let digits = raw.trim().replace(/[\s\-().]/g, "");
  if (/^8\d{10}$/.test(digits)) digits = `+7${digits.slice(1)}`;
  else if (/^7\d{10}$/.test(digits)) digits = `+${digits}`;
  if (!/^\+[1-9]\d{7,14}$/.test(digits)) {
    throw badInput(`${field}: not a valid phone number; use international format, e.g. +77011234567`, { field });
  }
  return digits;
}
