import { badInput } from "./errors.js";

/**
 * A phone number in strict E.164: a leading `+`, then 8 to 15 digits, the first not 0.
 * Spaces between digit groups (`+7 701 123 45 67`) are dropped; any other character
 * (dashes, brackets, dots, a second `+`, letters) and domestic forms without the `+`
 * (`8 701…`, `7701…`) are refused rather than guessed at, so what is stored is exactly
 * what was meant. The number itself never appears in the error: it is personal data.
 */
export function normalizePhone(raw: string, field = "phone"): string {
  const typed = raw.trim();
  const e164 = /^\+\d+(?: +\d+)*$/.test(typed) ? typed.replace(/ +/g, "") : "";
  if (!/^\+[1-9]\d{7,14}$/.test(e164)) {
    // No example number in the message: it could be the caller's own.
    throw badInput(`${field}: not a valid phone number; use the international E.164 form: + and the country code, then the number`, {
      field,
    });
  }
  return e164;
}
