// Every namespace of labels, in the three languages the console speaks.
import common from "./common";
import events from "./events";
import households from "./households";
import hotline from "./hotline";
import overview from "./overview";
import stock from "./stock";
import volunteer from "./volunteer";

export const LANGUAGES = ["kk", "ru", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each namespace in every language (a unit test checks the keys match across them). */
const namespaces: Record<string, Record<Language, Record<string, string>>> = {
  common,
  overview,
  hotline,
  households,
  stock,
  events,
  volunteer,
};

export const resources = Object.fromEntries(
  LANGUAGES.map((lng) => [lng, Object.fromEntries(Object.entries(namespaces).map(([ns, m]) => [ns, m[lng]]))]),
) as Record<Language, Record<string, Record<string, string>>>;
