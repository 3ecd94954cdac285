import { badInput } from "./errors.js";

export interface TextOptions {
  /** Notes and descriptions: keep line breaks (`\n`; `\r\n` becomes `\n`). */
  multiline?: boolean;
}

// Control characters (C0, DEL, C1) hide text, break logs and exports, or end strings early
// in other systems; format characters (bidirectional overrides and isolates, zero-width
// spaces, tags), blank fillers and the combining grapheme joiner make text display as
// something it is not; noncharacters, private-use and unassigned code points are not for
// interchange; lone surrogates are not text at all and fail in other encoders. The
// zero-width (non-)joiners that some scripts and emoji need stay allowed inside a word.
const INVISIBLE =
  "(?![\\u200C\\u200D])\\p{Cf}|\\p{Co}|\\p{Cn}|[\\u115F\\u1160\\u3164\\uFFA0\\u2800]|\\u034F|(?<![\\p{L}\\p{M}\\p{S}])[\\u200C\\u200D]|[\\u200C\\u200D](?![\\p{L}\\p{S}])";
const CONTROL = new RegExp(`\\p{Cc}|${INVISIBLE}`, "u");
const CONTROL_BUT_NEWLINE = new RegExp(`(?!\\n)\\p{Cc}|${INVISIBLE}`, "u");
const LONE_SURROGATE = /\p{Cs}/u;
/** Something a person can see: a letter, digit, punctuation mark or symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** True for text without control or invisible formatting characters: what another region may send. */
export const isPlainText = (value: string): boolean => !LONE_SURROGATE.test(value) && !CONTROL.test(value);

/** Required text must show something: not only spaces, marks or joiners. */
function requireVisible(text: string, field: string): string {
  if (text && !VISIBLE.test(text)) throw badInput(`${field}: must contain visible characters`, { field });
  return text;
}

/** Checks and tidies free text; "" when nothing but whitespace is left. */
function cleanText(value: string, field: string, { multiline = false }: TextOptions): string {
  if (LONE_SURROGATE.test(value)) throw badInput(`${field}: must be well-formed Unicode text`, { field });
  const text = multiline ? value.replace(/\r\n/g, "\n") : value;
  if ((multiline ? CONTROL_BUT_NEWLINE : CONTROL).test(text)) {
    const allowed = multiline ? " (line breaks are allowed)" : "";
    throw badInput(`${field}: must not contain control or invisible formatting characters${allowed}`, { field });
  }
  const normalized = text.normalize("NFC");
  if (!multiline) return normalized.trim().replace(/\s+/g, " ");
  return normalized
    .split("\n")
    .map((line) => line.replace(/\s+/g, " ").trim())
    .join("\n")
    .replace(/^\n+|\n+$/g, "");
}

function checkLength(text: string, field: string, max: number): string {
  if (text.length > max) throw badInput(`${field}: must be at most ${max} characters`, { field });
  return text;
}

/**
 * A required free-text field: well-formed Unicode without control characters (except line
 * breaks when `multiline`), NFC-normalised, runs of whitespace collapsed to one space and
 * the ends trimmed (each line's, when multiline), at most `max` UTF-16 units afterwards.
 * Errors name `field` and never echo the value.
 */
export function requiredText(value: string, field: string, max = 200, options: TextOptions = {}): string {
  const text = cleanText(value, field, options);
  if (!text) throw badInput(`${field}: must not be empty`, { field });
  return checkLength(requireVisible(text, field), field, max);
}

/** As requiredText, but null for null, undefined or nothing but whitespace. */
export function optionalText(value: string | null | undefined, field: string, max = 200, options: TextOptions = {}): string | null {
  if (value === null || value === undefined) return null;
  const text = cleanText(value, field, options);
  return text ? checkLength(requireVisible(text, field), field, max) : null;
}

/** What may name someone or something in records, audit entries and logs (a subject, `ROLE:subject`, a request id): 1 to `max` printable ASCII characters. */
export const printableAscii = (max: number): RegExp => new RegExp(`^[\\x21-\\x7E]{1,${max}}$`);

/** The form used for case-insensitive search and ordering of names. */
export function searchKey(text: string): string {
  return text.normalize("NFC").toLocaleLowerCase("ru");
}

/** A list without repeats, first occurrence kept (skills, needs, languages…). */
export const distinct = <T>(values: T[]): T[] => [...new Set(values)];

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
