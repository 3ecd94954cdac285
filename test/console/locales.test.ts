// The console's labels: every namespace speaks Kazakh, Russian and English with the same keys,
// the same placeholders, and a translation (not the English left in place) for every label.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../subgraphs/kernel/paths.js";

type Namespace = Record<"en" | "ru" | "kk", Record<string, string>>;
const DIR = projectPath("console", "src", "locales");
const files = readdirSync(DIR).filter((f) => f.endsWith(".ts") && f !== "index.ts");
/** Labels that read the same in every language. */
const SAME = new Set(["aidgraph"]);

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe.each(files)("locales/%s", (file) => {
  it("has the same keys and placeholders in kk, ru and en, each label translated", async () => {
    const ns = ((await import(`${DIR}/${file}`)) as { default: Namespace }).default;
    const keys = Object.keys(ns.en).sort();
    expect(Object.keys(ns.ru).sort()).toEqual(keys);
    expect(Object.keys(ns.kk).sort()).toEqual(keys);
    for (const key of keys) {
      for (const lng of ["ru", "kk"] as const) {
        const text = ns[lng][key];
        expect(text.trim(), `${lng}:${key}`).not.toBe("");
        expect(placeholders(text), `${lng}:${key}`).toEqual(placeholders(ns.en[key]));
        // A label left in English: Latin letters only where the English has them (codes, names).
        if (!SAME.has(ns.en[key]) && /[a-z]{3}/i.test(ns.en[key].replace(/\{\{\s*\w+\s*\}\}/g, "")))
          expect(/[\u0400-\u04FF]/.test(text), `${lng}:${key} is "${text}"`).toBe(true);
      }
    }
  });
});
