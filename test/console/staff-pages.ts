// What the browser tests of the region staff's pages (hotline, households, stock, events) share:
// one seeded system per test file and the graph as the staff member reads it; the GraphQL
// requests a page sends (which households it reads, the idempotency key a submission carries);
// and a reply that comes too late.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { Caller } from "../../subgraphs/kernel/auth.js";
import { signInWithToken, startConsoleSystem, type ConsoleSystem } from "../support/console.js";

export interface StaffSuite {
  /** Started before the file's tests, stopped after them. */
  system: ConsoleSystem;
  /** The staff member's token. */
  token: string;
  /** What the graph answers the staff member (with no error). */
  graph: <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  /**
   * A new page signed in as the staff member, on the page its nav link `link` opens once its
   * heading `ready` shows; `watch` sees the page before anything is sent.
   */
  open: (link: string, ready: string, watch?: (page: Page) => void) => Promise<Page>;
}

/** One system for the test file, signed into as `staff`. */
export function staffSuite(staff: Caller): StaffSuite {
  const suite: StaffSuite = {
    system: undefined as unknown as ConsoleSystem,
    token: "",
    graph: async <T>(query: string, variables: Record<string, unknown> = {}) => {
      const result = await suite.system.national.query<T>(query, variables, suite.token);
      expect(result.errors).toBeUndefined();
      return result.data!;
    },
    open: async (link, ready, watch) => {
      const page = await suite.system.newPage();
      watch?.(page);
      await signInWithToken(page, suite.system.origin, suite.token);
      await page.getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("heading", { name: ready, exact: true }).waitFor();
      return page;
    },
  };
  beforeAll(async () => {
    suite.system = await startConsoleSystem();
    suite.token = await suite.system.token(staff);
  }, 120_000);
  afterAll(() => suite.system?.stop());
  return suite;
}

export interface GraphRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** Every GraphQL request the page sends from now on, in order (the list fills as it sends). */
export function graphRequests(page: Page): GraphRequest[] {
  const requests: GraphRequest[] = [];
  page.on("request", (request) => {
    if (request.method() !== "POST" || !request.url().endsWith("/graphql")) return;
    const { query, variables } = request.postDataJSON() as { query: string; variables?: Record<string, unknown> };
    requests.push({ query, variables: variables ?? {} });
  });
  return requests;
}

/**
 * Each list of households the requests read: how many (`first`; a list without a literal one
 * counts as unbounded) and the search sent with it. A page that finds households by searching
 * the graph never reads a region's register in bulk.
 */
export const householdReads = (requests: GraphRequest[]): Array<{ first: number; search: unknown }> =>
  requests.flatMap(({ query, variables }) =>
    [...query.matchAll(/beneficiaries\(([^)]*)\)/g)].map((list) => {
      const first = /first:\s*(\d+)/.exec(list[1]);
      return { first: first ? Number(first[1]) : Infinity, search: variables.search };
    }),
  );

/** The idempotency keys the page's `mutation`s carried, in the order sent. */
export const keysSent = (requests: GraphRequest[], mutation: string): string[] =>
  requests
    .filter((r) => r.query.includes(`mutation ${mutation}(`))
    .map((r) => (r.variables.input as { idempotencyKey: string }).idempotencyKey);

/**
 * The page's next `mutation` reaches the graph, which stores it, but the page is told what the
 * gateway says of a region slower than its timeout: REGION_UNAVAILABLE, nothing returned.
 * Resolves once the graph has answered that request (its real answer, which the page never sees).
 */
export async function answerLate(page: Page, mutation: string, region: string): Promise<() => Promise<unknown>> {
  let answered: Promise<unknown> | undefined;
  await page.route("**/graphql", async (route) => {
    const body = route.request().postDataJSON() as { query?: string } | null;
    if (answered || !body?.query?.includes(`mutation ${mutation}(`)) return route.fallback();
    answered = route.fetch().then((res) => res.json());
    await answered;
    await route.fulfill({
      status: 200,
      json: {
        data: null,
        errors: [
          { message: `region ${region} is unavailable (no answer within 5000 ms)`, extensions: { code: "REGION_UNAVAILABLE", region } },
        ],
      },
    });
  });
  return async () => {
    await expect.poll(() => answered !== undefined).toBe(true);
    return answered;
  };
}
