// The national overview in a real browser, as a coordinator uses it: every region's figures
// equal to what the graph answers, a region that stops answering shown as unavailable while
// the others stay, nothing personal on the page, in Kazakh with no English left, accessible.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "../../subgraphs/kernel/auth.js";
import common from "../../console/src/locales/common.js";
import overview from "../../console/src/locales/overview.js";
import {
  ALL_REGIONS,
  chooseLanguage,
  englishLeft,
  screenshot,
  seriousViolations,
  signInWithToken,
  startConsoleSystem,
  type ConsoleSystem,
} from "../support/console.js";

interface Figures {
  code: string;
  name: string;
  volunteerStats: { total: number; active: number };
  beneficiaryStats: { beneficiaries: number; openHelpRequests: number; openRequestsByUrgency: Array<{ urgency: string; count: number }> };
}

const FIGURES = `query ($lang: Language!) { regions { code name(lang: $lang) volunteerStats { total active }
  beneficiaryStats { beneficiaries openHelpRequests openRequestsByUrgency { urgency count } } } }`;

let system: ConsoleSystem;
let coordinator: string;

beforeAll(async () => {
  system = await startConsoleSystem();
  coordinator = await system.token({ sub: "coordinator-1", role: "NATIONAL_COORDINATOR" });
}, 120_000);
afterAll(() => system?.stop());

/** The overview's rows as the page shows them: region code → the cells' text. */
async function rows(page: Page): Promise<Map<string, string[]>> {
  const table = page.getByTestId("overview");
  await table.locator("tbody tr").first().waitFor();
  const out = new Map<string, string[]>();
  for (const row of await table.locator("tbody tr").all()) {
    out.set((await row.getAttribute("data-region"))!, [await row.locator("th").innerText(), ...(await row.locator("td").allInnerTexts())]);
  }
  return out;
}

async function signedInOverview(): Promise<Page> {
  const page = await system.newPage();
  await signInWithToken(page, system.origin, coordinator);
  await page.getByRole("heading", { name: "National overview" }).waitFor();
  return page;
}

describe("the national overview", () => {
  it("shows every region with the figures the graph returns for the same query, and a totals row", async () => {
    const page = await signedInOverview();
    const shown = await rows(page);
    const graph = await system.national.query<{ regions: Figures[] }>(FIGURES, { lang: "EN" }, coordinator);
    expect(graph.errors).toBeUndefined();
    expect([...shown.keys()].sort()).toEqual([...ALL_REGIONS].sort());
    for (const region of graph.data!.regions) {
      const [name, status, active, total, households, open, critical, high, normal, low] = shown.get(region.code)!;
      const urgency = Object.fromEntries(region.beneficiaryStats.openRequestsByUrgency.map((u) => [u.urgency, String(u.count)]));
      expect({ name, status, active, total, households, open, critical, high, normal, low }).toEqual({
        name: `${region.name} ${region.code}`,
        status: "Up",
        active: String(region.volunteerStats.active),
        total: String(region.volunteerStats.total),
        households: String(region.beneficiaryStats.beneficiaries),
        open: String(region.beneficiaryStats.openHelpRequests),
        critical: urgency.CRITICAL,
        high: urgency.HIGH,
        normal: urgency.NORMAL,
        low: urgency.LOW,
      });
    }
    const totals = await page.getByTestId("overview").locator("tfoot td").allInnerTexts();
    const households = graph.data!.regions.reduce((n, r) => n + r.beneficiaryStats.beneficiaries, 0);
    expect(totals[0]).toBe("20 of 20 answering");
    expect(totals[3]).toBe(String(households));
    // The chart's figures are there for screen readers too: a table the bars only draw.
    const chartRows = await page.locator("figure.chart table tbody tr").allInnerTexts();
    expect(chartRows).toHaveLength(20);
    expect(await page.locator("figure.chart svg").getAttribute("aria-hidden")).toBe("true");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "overview");
  });

  it("sorts by a column when its header is pressed, and back the other way", async () => {
    const page = await signedInOverview();
    await page.getByRole("button", { name: "Households", exact: true }).click();
    const households = async () => [...(await rows(page)).values()].map((cells) => Number(cells[4]));
    const descending = await households();
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await page.getByRole("button", { name: "Households", exact: true }).click();
    const ascending = await households();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(await page.getByRole("columnheader", { name: "Households" }).getAttribute("aria-sort")).toBe("ascending");
  });

  it("shows a region that stops answering as unavailable, named in a banner, and the 19 others whole", async () => {
    const page = await signedInOverview();
    system.setDown("KZ-11", true);
    try {
      await page.getByRole("button", { name: "Refresh" }).click();
      await expect.poll(() => page.getByTestId("region-unavailable").isVisible(), { timeout: 15_000 }).toBe(true);
      expect(await page.getByTestId("region-unavailable").innerText()).toContain("KZ-11");
      const shown = await rows(page);
      expect(shown.size).toBe(20);
      const [, status, active, total, households] = shown.get("KZ-11")!;
      expect({ status, active, total, households }).toEqual({ status: "Unavailable", active: "—", total: "—", households: "—" });
      for (const [code, cells] of shown) if (code !== "KZ-11") expect(cells.slice(1, 6)).not.toContain("—");
      expect(await page.getByTestId("overview").locator("tfoot td").first().innerText()).toBe("19 of 20 answering");
      await screenshot(page, "overview-region-down");
    } finally {
      system.setDown("KZ-11", false);
    }
  });

  it("never shows a coordinator a personal field: no seeded name or phone anywhere on the page", async () => {
    const personal = new Set<string>();
    for (const code of ALL_REGIONS) {
      const staff = await system.token({ sub: `staff-${code}`, role: "REGIONAL_STAFF", region: code });
      const res = await system.national.query<{
        region: {
          beneficiaries: { nodes: Array<{ fullName: string | null; phone: string | null }> };
          volunteers: { nodes: Array<{ fullName: string; phone: string | null }> };
        };
      }>(
        `query ($code: String!) { region(code: $code) { beneficiaries(first: 100) { nodes { fullName phone } } volunteers(first: 100) { nodes { fullName phone } } } }`,
        { code },
        staff,
      );
      expect(res.errors).toBeUndefined();
      for (const p of [...res.data!.region.beneficiaries.nodes, ...res.data!.region.volunteers.nodes]) {
        if (p.fullName) personal.add(p.fullName);
        if (p.phone) personal.add(p.phone);
      }
    }
    expect(personal.size).toBeGreaterThan(100);
    const page = await signedInOverview();
    await rows(page);
    const text = await page.locator("body").innerText();
    const html = await page.content();
    expect([...personal].filter((value) => text.includes(value) || html.includes(value))).toEqual([]);
  });

  it("switches every label to Kazakh, with the regions' Kazakh names, and remembers the choice", async () => {
    const page = await signedInOverview();
    await chooseLanguage(page, "kk");
    await page.getByRole("heading", { name: overview.kk.title }).waitFor();
    const kazakh = await system.national.query<{ regions: Figures[] }>(FIGURES, { lang: "KK" }, coordinator);
    await expect
      .poll(async () => [...(await rows(page)).values()].map((cells) => cells[0]).sort())
      .toEqual(kazakh.data!.regions.map((r) => `${r.name} ${r.code}`).sort());
    expect(await englishLeft(page, [common, overview])).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "overview-kk");
    await page.reload();
    await page.getByRole("heading", { name: overview.kk.title }).waitFor();
  });

  it("can be used from the keyboard alone: sign in, skip to the content, sort a column", async () => {
    const page = await system.newPage();
    await page.goto(`${system.origin}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    // Tab order: the skip link, the language, then the token box.
    const focused: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Tab");
      focused.push(await page.evaluate<string | null>(`document.activeElement?.tagName.toLowerCase() ?? null`));
    }
    expect(focused).toEqual(["a", "select", "textarea"]);
    await page.keyboard.insertText(coordinator);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByTestId("overview").locator("tbody tr").first().waitFor();
    await page.getByRole("link", { name: "Skip to content" }).focus();
    await page.keyboard.press("Enter");
    expect(await page.evaluate<string | null>(`document.activeElement?.id ?? null`)).toBe("main");
    expect(new URL(page.url()).hash).toBe("");
    await page.getByRole("button", { name: "Households", exact: true }).focus();
    await page.keyboard.press("Enter");
    expect(await page.getByRole("columnheader", { name: "Households" }).getAttribute("aria-sort")).toBe("descending");
  });

  it("sends the person back to sign-in, saying why, when their token runs out while the page is open", async () => {
    const page = await system.newPage();
    const shortLived = await mintToken(system.national.host.auth, { sub: "coordinator-2", role: "NATIONAL_COORDINATOR" }, "3s");
    await signInWithToken(page, system.origin, shortLived);
    await page.getByText("Your session has expired. Please sign in again.").waitFor({ timeout: 10_000 });
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("aidgraph.token")`)).toBeNull();
    expect(await page.getByTestId("who").count()).toBe(0);
  });

  it("the sign-in page is accessible, refuses what is not a token, and signing out returns to it", async () => {
    const page = await system.newPage();
    await page.goto(`${system.origin}/`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.title()).toBe("Sign in · aidgraph");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "sign-in-token");
    await page.getByLabel("Access token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in with token" }).click();
    await page.getByText("This is not a valid access token").waitFor();
    await signInWithToken(page, system.origin, coordinator);
    expect(await page.getByTestId("who").innerText()).toContain("National coordinator");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    expect(await page.evaluate<string | null>(`sessionStorage.getItem("aidgraph.token")`)).toBeNull();
  });
});
