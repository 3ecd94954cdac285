// Input hygiene for personal and free-text fields: IINs, E.164 phones, and text without
// control characters, NFC-normalised. Every refusal is BAD_USER_INPUT naming the field and
// never echoing the value (it may be personal data). Through a real subgraph: see
// test/subgraphs/beneficiaries.test.ts ("input checks").
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { iinCheckDigit, normalizeIin } from "../../subgraphs/kernel/iin.js";
import { normalizePhone } from "../../subgraphs/kernel/phone.js";
import { optionalText, requiredText } from "../../subgraphs/kernel/text.js";
import { makeIin, makeIins, withWrongCheckDigit } from "../support/iin.js";

const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d));

/** The error `fn` throws, checked to be BAD_USER_INPUT naming `field` without `secret`. */
function refusal(fn: () => unknown, field: string, secret?: string): GraphQLError {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error, "expected a refusal").toBeInstanceOf(GraphQLError);
  const e = error as GraphQLError;
  expect(e.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
  expect(e.message.startsWith(`${field}: `)).toBe(true);
  if (secret) expect(e.message).not.toContain(secret);
  return e;
}

/** 11 digits completed with their own check digit: valid but for what the test varies. */
function withCheck(first11: string): string {
  const check = iinCheckDigit(first11);
  if (check === null) throw new Error(`${first11} has no check digit`);
  return `${first11}${check}`;
}

describe("IIN", () => {
  const FIELD = "input.nationalId";

  it("computes the official check digit, with the second weights when the first give 10", () => {
    // 9·1+1·4+1·6+3·7+1·10+2·11 = 72 ≡ 6 (mod 11)
    expect(iinCheckDigit("90010130012")).toBe(6);
    // first weights: 131 ≡ 10; weights 3..11,1,2: 78 ≡ 1
    expect(iinCheckDigit("90010130081")).toBe(1);
    // first: 120 ≡ 10; second: 76 ≡ 10 — no IIN begins with these 11 digits
    expect(iinCheckDigit("90010130080")).toBeNull();
  });

  it.each([
    ["the contract's example", "900101300126", "900101300126"],
    ["surrounding whitespace", " \t900101300126 \n", "900101300126"],
    ["a check digit from the second weights", "900101300811", "900101300811"],
    ["born 29 Feb 2000 (a leap year)", withCheck("00022950001"), withCheck("00022950001")],
    ["born in the 1800s", withCheck("99123120001"), withCheck("99123120001")],
  ])("accepts %s", (_what, raw, iin) => {
    expect(normalizeIin(raw, FIELD)).toBe(iin);
  });

  it("accepts generated IINs of every century code, and one born today", () => {
    const today = new Date();
    const iins = [
      ...makeIins(10, utc(1990, 1, 1), 3),
      ...makeIins(3, utc(1985, 7, 31), 4),
      ...makeIins(3, utc(2012, 12, 1), 5),
      ...makeIins(3, utc(2003, 2, 28), 6),
      ...makeIins(3, utc(1899, 6, 15), 1),
      ...makeIins(3, utc(1875, 1, 9), 2),
      ...makeIins(2, utc(today.getUTCFullYear(), today.getUTCMonth() + 1, today.getUTCDate()), 5),
    ];
    expect(new Set(iins).size).toBe(iins.length);
    for (const iin of iins) expect(normalizeIin(iin, FIELD)).toBe(iin);
  });

  it("generates the contract's example from its parts, and refuses to generate what cannot exist", () => {
    expect(makeIin(utc(1990, 1, 1), 3, 12)).toBe("900101300126");
    expect(() => makeIin(utc(1990, 1, 1), 3, 80)).toThrow(/no IIN check digit/);
    expect(() => makeIin(utc(1990, 1, 1), 5, 1)).toThrow(/does not fit/);
  });

  it.each([
    ["empty", "", /12 digits/],
    ["too short", "12", /12 digits/],
    ["11 digits", "90010130012", /12 digits/],
    ["13 digits", "9001013001260", /12 digits/],
    ["a letter", "90010130012A", /12 digits/],
    ["dashes", "900101-300126", /12 digits/],
    ["an inner space", "900101 300126", /12 digits/],
    ["a sign", "+900101300126", /12 digits/],
    ["full-width digits", "９００１０１３００１２６", /12 digits/],
    ["Arabic-Indic digits", "٩٠٠١٠١٣٠٠١٢٦", /12 digits/],
    ["a NUL", "900101300126\u0000", /12 digits/],
    ["a wrong check digit", "900101300127", /check digit/],
    ["a wrong check digit on a generated IIN", withWrongCheckDigit(makeIin(utc(1977, 3, 8), 4, 4321)), /check digit/],
    ["30 February", withCheck("90023030001"), /not a real birth date/],
    ["month 13", withCheck("90130130001"), /not a real birth date/],
    ["month 00", withCheck("90000130001"), /not a real birth date/],
    ["day 00", withCheck("90010030001"), /not a real birth date/],
    ["31 April", withCheck("90043130001"), /not a real birth date/],
    ["29 Feb 2001 (not a leap year)", withCheck("01022950001"), /not a real birth date/],
    ["29 Feb 1900 (not a leap year)", withCheck("00022930001"), /not a real birth date/],
    ["born in 2099", withCheck("99123150001"), /in the future/],
    ["century digit 0", withCheck("90010100001"), /7th digit/],
    ["century digit 7", withCheck("90010170001"), /7th digit/],
    ["century digit 8", withCheck("90010180001"), /7th digit/],
    ["century digit 9", withCheck("90010190001"), /7th digit/],
  ])("refuses %s", (_what, raw, reason) => {
    const e = refusal(() => normalizeIin(raw, FIELD), FIELD, raw.trim().length >= 6 ? raw.trim().slice(0, 6) : undefined);
    expect(e.message).toMatch(/^input\.nationalId: not a valid IIN \(/);
    expect(e.message).toMatch(reason);
  });

  it("refuses every completion of 11 digits that have no check digit", () => {
    for (let d = 0; d <= 9; d++) refusal(() => normalizeIin(`90010130080${d}`, FIELD), FIELD, "9001013008");
  });

  it("refuses a birth date after today anywhere on Earth, and accepts one that is today somewhere", () => {
    const born = withCheck("25060250001"); // 2 June 2025
    // 09:00 UTC on 1 June: 23:00 at UTC+14, still 1 June everywhere
    expect(refusal(() => normalizeIin(born, FIELD, new Date("2025-06-01T09:00:00Z")), FIELD).message).toMatch(/in the future/);
    // 10:00 UTC on 1 June: already 2 June at UTC+14 (and at UTC+5, Kazakhstan, from 19:00)
    expect(normalizeIin(born, FIELD, new Date("2025-06-01T10:00:00Z"))).toBe(born);
    expect(normalizeIin(born, FIELD, new Date("2025-06-02T00:00:00Z"))).toBe(born);
  });

  it("names the field it is given", () => {
    refusal(() => normalizeIin("1", "input.members.3.nationalId"), "input.members.3.nationalId");
  });
});

describe("E.164 phone numbers", () => {
  const FIELD = "input.phone";

  it.each([
    ["+77011234567", "+77011234567"],
    ["+7 701 123 45 67", "+77011234567"],
    ["  +7 701  1234567  ", "+77011234567"],
    ["+49 30 1234567", "+49301234567"],
    ["+12025550123", "+12025550123"],
    ["+12345678", "+12345678"],
    ["+123456789012345", "+123456789012345"],
  ])("accepts %j as %s", (raw, e164) => {
    expect(normalizePhone(raw, FIELD)).toBe(e164);
  });

  it.each([
    ["the domestic trunk prefix", "87011234567"],
    ["the domestic trunk prefix, spaced", "8 701 123 45 67"],
    ["the domestic form with brackets and dashes", "8 (701) 123-45-67"],
    ["no leading +", "77011234567"],
    ["brackets", "+7 (701) 1234567"],
    ["dashes", "+7-701-123-45-67"],
    ["dots", "+7.701.123.45.67"],
    ["a second +", "++77011234567"],
    ["a + inside", "+7701+1234567"],
    ["a letter", "+7701123456a"],
    ["a space after the +", "+ 77011234567"],
    ["a tab between groups", "+7\t7011234567"],
    ["a no-break space between groups", "+7\u00a07011234567"],
    ["full-width digits", "+７７０１１２３４５６７"],
    ["a NUL", "+77011234567\u0000"],
    ["a newline inside", "+7701\n1234567"],
    ["only +", "+"],
    ["empty", ""],
    ["a leading 0 country code", "+07011234567"],
    ["7 digits", "+1234567"],
    ["16 digits", "+1234567890123456"],
  ])("refuses %s", (_what, raw) => {
    refusal(() => normalizePhone(raw, FIELD), FIELD, raw.replace(/\D/g, "").slice(0, 7) || undefined);
  });

  it("does not echo the number in its message", () => {
    const e = refusal(() => normalizePhone("+7 (701) 555-12-34", FIELD), FIELD);
    expect(e.message).not.toMatch(/555|701|12-34/);
  });
});

describe("free text", () => {
  const FIELD = "input.fullName";
  // Each is refused in a single-line field and in a multiline one.
  const CONTROLS: Array<[string, string]> = [
    ["NUL", "Raikhan\u0000 secret"],
    ["BEL", "Raikhan\u0007 secret"],
    ["ESC (a terminal escape)", "Raikhan\u001b[2J secret"],
    ["DEL", "Raikhan\u007f secret"],
    ["NEL (C1)", "Raikhan\u0085 secret"],
    ["CSI (C1)", "Raikhan\u009b secret"],
    ["a tab", "Raikhan\t secret"],
    ["a lone CR", "Raikhan\r secret"],
    ["a lone high surrogate", "Raikhan\ud800 secret"],
    ["a lone low surrogate", "\udc00Raikhan secret"],
    ["a reversed surrogate pair", "Raikhan \ude00\ud83d secret"],
    ["a right-to-left override (display spoofing)", "Raikhan\u202egnp.exe secret"],
    ["a left-to-right isolate", "Raikhan\u2066x\u2069 secret"],
    ["a zero-width space", "Rai\u200bkhan secret"],
    ["a byte order mark inside", "Raikhan\ufeff secret"],
    ["a tag character", "Raikhan\u{E0041} secret"],
    ["a noncharacter", "Raikhan\uffff secret"],
    ["an Arabic-block noncharacter", "Raikhan\ufdd0 secret"],
    ["a Hangul filler", "A\u3164\u3164B secret"],
    ["a braille blank", "Raikhan\u2800 secret"],
    ["a combining grapheme joiner", "Raikhan\u034f secret"],
    ["a private-use character", "Raikhan\ue000 secret"],
    ["an unassigned code point", "Raikhan\u0378 secret"],
    ["a zero-width joiner outside a word", "\u200d Raikhan secret"],
  ];

  it.each([
    ["combining marks alone", "\u0301\u0301"],
    ["a variation selector alone", "\ufe0f"],
  ])("refuses text that shows nothing: %s", (_what, raw) => {
    expect(refusal(() => requiredText(raw, FIELD), FIELD, raw).message).toMatch(/must contain visible characters/);
  });

  it.each(CONTROLS)("refuses %s in a single-line field", (_what, raw) => {
    refusal(() => requiredText(raw, FIELD), FIELD, "secret");
    refusal(() => optionalText(raw, FIELD), FIELD, "secret");
  });

  it.each(CONTROLS)("refuses %s in a multiline field", (_what, raw) => {
    refusal(() => requiredText(raw, "input.note", 2000, { multiline: true }), "input.note", "secret");
    refusal(() => optionalText(raw, "input.note", 2000, { multiline: true }), "input.note", "secret");
  });

  it.each([
    ["a line break", "Raikhan\nsecret"],
    ["a CRLF", "Raikhan\r\nsecret"],
    ["a trailing newline", "Raikhan secret\n"],
    ["a vertical tab", "Raikhan\u000bsecret"],
  ])("refuses %s in a single-line field", (_what, raw) => {
    expect(refusal(() => requiredText(raw, FIELD), FIELD, "secret").message).toMatch(/control or invisible formatting characters/);
  });

  it.each([
    ["combining acute", "Rene\u0301", "René"],
    ["Cyrillic short i, decomposed", "Раи\u0306хан", "Райхан"],
    ["Kazakh letters", "Әлия Нұрғалиқызы", "Әлия Нұрғалиқызы"],
    ["an emoji (a valid surrogate pair)", "Aid 😀 team", "Aid 😀 team"],
    ["runs of spaces and no-break spaces", "  Raikhan \u00a0  family  ", "Raikhan family"],
    ["a zero-width joiner some scripts need", "क्\u200dष", "क्\u200dष"],
  ])("normalises %s in a single-line field", (_what, raw, expected) => {
    expect(requiredText(raw, FIELD)).toBe(expected);
    expect(requiredText(raw, FIELD).normalize("NFC")).toBe(requiredText(raw, FIELD));
  });

  it("measures length after NFC", () => {
    expect(requiredText("e\u0301", FIELD, 1)).toBe("é");
    expect(refusal(() => requiredText("ab", FIELD, 1), FIELD).message).toMatch(/at most 1 characters/);
  });

  it.each([
    ["LF kept", "first line\nsecond line", "first line\nsecond line"],
    ["CRLF becomes LF", "first\r\nsecond\r\n\r\nthird", "first\nsecond\n\nthird"],
    ["spaces collapsed within lines, line ends trimmed", "  a   b  \n\u00a0 c  d ", "a b\nc d"],
    ["blank lines around the text dropped", "\n\n  note \n \n", "note"],
    ["NFC applied", "Rene\u0301\ncafe\u0301", "René\ncafé"],
  ])("multiline: %s", (_what, raw, expected) => {
    expect(requiredText(raw, "input.note", 2000, { multiline: true })).toBe(expected);
    expect(optionalText(raw, "input.note", 2000, { multiline: true })).toBe(expected);
  });

  it("keeps the old positional signature and its rules", () => {
    expect(requiredText("  Almaly   district ", "input.address", 300)).toBe("Almaly district");
    expect(refusal(() => requiredText("   ", "input.address", 300), "input.address").message).toMatch(/must not be empty/);
    expect(refusal(() => requiredText("x".repeat(301), "input.address", 300), "input.address").message).toMatch(/at most 300/);
    expect(requiredText("x".repeat(200), "f")).toHaveLength(200);
    refusal(() => requiredText("x".repeat(201), "f"), "f");
    refusal(() => requiredText(" \n ", "input.note", 2000, { multiline: true }), "input.note");
  });

  it("optionalText: null for nothing, the same checks for something", () => {
    expect(optionalText(null, FIELD)).toBeNull();
    expect(optionalText(undefined, FIELD)).toBeNull();
    expect(optionalText("", FIELD)).toBeNull();
    expect(optionalText("  \u00a0 ", FIELD)).toBeNull();
    expect(optionalText("  Almaly  ", FIELD)).toBe("Almaly");
    refusal(() => optionalText("\u0000", FIELD), FIELD);
    refusal(() => optionalText(" \n ", FIELD), FIELD);
    refusal(() => optionalText("xy", FIELD, 1), FIELD);
  });
});
