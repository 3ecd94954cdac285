// The console's pages, and which of them each role sees (hash routes: #/hotline).
import type { Role } from "./claims";

export type Page = "overview" | "hotline" | "households" | "stock" | "events" | "me";

export const pagesFor = (role: Role): Page[] =>
  role === "NATIONAL_COORDINATOR"
    ? ["overview"]
    : role === "REGIONAL_STAFF"
      ? ["overview", "hotline", "households", "stock", "events"]
      : ["me"];

export function pageOf(hash: string, allowed: Page[]): Page {
  const wanted = hash.replace(/^#\/?/, "") as Page;
  return allowed.includes(wanted) ? wanted : allowed[0];
}
