import { badInput } from "./errors.js";

/** Trims a required free-text field and checks its length. */
export function requiredText(value: string, field: string, max = 200): string {
  const text = value.normalize("NFC").trim().replace(/\s+/g, " ");
  if (!text) throw badInput(`${field}: must not be empty`, { field });
  if (text.length > max) throw badInput(`${field}: must be at most ${max} characters`, { field });
  return text;
}

/** The form used for case-insensitive search and ordering of names. */
export function searchKey(text: string): string {
  return text.normalize("NFC").toLocaleLowerCase("ru");
}

/** A list without repeats, first occurrence kept (skills, needs, languages…). */
export const distinct = <T>(values: T[]): T[] => [...new Set(values)];

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
