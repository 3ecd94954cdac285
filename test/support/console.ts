// The console in a real browser against the real system: every demo region seeded, served by
// one region host behind a front that can take any region off the network, a gateway serving
// the built console (dist/console, from `npm run build`), and headless Chromium from
// @sparticuz/chromium driven by playwright-core. Nothing of the project is mocked.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import chromium from "@sparticuz/chromium";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { keyedHasher, matchTokener } from "../../subgraphs/kernel/pseudonym.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import type { AuthConfig, Caller } from "../../subgraphs/kernel/auth.js";
import { seedRegion } from "../../scripts/seed/seed.js";
import type { ConsoleOptions } from "../../gateway/console.js";
import { TEST_NATIONAL_MATCH_KEY, TEST_PSEUDONYM_KEY } from "./host.js";
import { startNational, type National } from "./national.js";

export const ALL_REGIONS = RegionRegistry.load().regions.map((r) => r.code);

/** Where browser tests leave their screenshots (not checked in). */
const SCREENSHOTS = projectPath("test-output", "console");

export interface ConsoleSystem {
  national: National;
  /** The gateway's origin: the console is at `/`, the graph at `/graphql`. */
  origin: string;
  browser: Browser;
  /** Takes a region off the network (its requests are cut) or puts it back. */
  setDown(code: string, down: boolean): void;
  token(caller: Caller): Promise<string>;
  /** A fresh browser context (its own storage) with one page. */
  newPage(): Promise<Page>;
  stop(): Promise<void>;
}

export interface ConsoleSystemOptions {
  regions?: string[];
  /** Token verification (default: HS256 with the test secret). */
  auth?: AuthConfig;
  console?: Partial<ConsoleOptions>;
  production?: boolean;
}

/**
 * @sparticuz/chromium's flags are for a serverless function: one process, no same-origin
 * policy. These tests need the browser people use: each context with its own storage, CORS and
 * mixed-content rules enforced (a console that worked only without them would not work at all).
 */
const UNSAFE_FLAGS = new Set([
  "--single-process",
  "--no-zygote",
  "--disable-web-security",
  "--allow-running-insecure-content",
  "--disable-site-isolation-trials",
]);

async function launchBrowser(): Promise<Browser> {
  const args = chromium.args.filter((flag) => !UNSAFE_FLAGS.has(flag) && !flag.startsWith("--disable-features="));
  return playwright.launch({ executablePath: await chromium.executablePath(), args, headless: true });
}

export async function startConsoleSystem(options: ConsoleSystemOptions = {}): Promise<ConsoleSystem> {
  const regions = options.regions ?? ALL_REGIONS;
  const down = new Set<string>();
  const national = await startNational({
    healthy: regions,
    auth: options.auth,
    production: options.production,
    // A region taken down: its connections are cut, as when its host stops.
    front: (req, res, host) => {
      const region = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\//.exec(req.url ?? "")?.[1];
      if (region && down.has(region)) return void req.socket.destroy();
      host(req, res);
    },
    console: { dir: projectPath("dist", "console"), tokenSignIn: true, ...options.console },
  });
  const registry = RegionRegistry.load();
  const hash = keyedHasher(TEST_PSEUDONYM_KEY);
  const matchToken = matchTokener(TEST_NATIONAL_MATCH_KEY);
  for (const code of regions) await seedRegion(national.host.db(code), registry.require(code), hash, { matchToken });
  const browser = await launchBrowser();
  const origin = national.url.replace(/\/graphql$/, "");
  return {
    national,
    origin,
    browser,
    setDown: (code, isDown) => void (isDown ? down.add(code) : down.delete(code)),
    token: (caller) => national.token(caller),
    newPage: async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
      return context.newPage();
    },
    stop: async () => {
      await browser.close();
      await national.stop();
    },
  };
}

/** Signs in by pasting a token, as a developer does with the ones `npm start` prints. */
export async function signInWithToken(page: Page, origin: string, token: string): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in with token" }).click();
  await page.getByTestId("who").waitFor();
}

/** Serious and critical accessibility violations axe finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact!, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}

/** Saves a full-page screenshot under test-output/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Switches the page's language with the switch in its header (whatever language it shows now). */
export async function chooseLanguage(page: Page, lng: "kk" | "ru" | "en"): Promise<void> {
  await page.locator("header .language select").selectOption(lng);
  // Page code as text: these tests compile without the DOM's types.
  await page.waitForFunction(`document.documentElement.lang === ${JSON.stringify(lng)}`);
}

type Namespace = { en: Record<string, string>; ru: Record<string, string>; kk: Record<string, string> };

/**
 * English labels of `namespaces` still on the page (its visible text and its inputs' labels
 * and placeholders): after switching to Kazakh there must be none. Labels that read the same in
 * Kazakh (the product's name), with placeholders, or shorter than 3 letters are not looked for.
 */
export async function englishLeft(page: Page, namespaces: Namespace[]): Promise<string[]> {
  // The language switch's options name each language in its own tongue ("English" among them) on purpose.
  const text = await page.evaluate<string>(`[
    (() => {
      const options = document.querySelector("header .language select");
      if (options) options.style.display = "none";
      const text = document.body.innerText;
      if (options) options.style.display = "";
      return text;
    })(),
    document.title,
    ...[...document.querySelectorAll("[aria-label],[placeholder],[title],[alt]")].flatMap((el) =>
      ["aria-label", "placeholder", "title", "alt"].map((a) => el.getAttribute(a) ?? ""),
    ),
  ].join("\\n")`);
  const english = namespaces.flatMap((ns) =>
    Object.entries(ns.en)
      .filter(([key, value]) => value !== ns.kk[key] && !value.includes("{{") && value.length >= 3)
      .map(([, value]) => value),
  );
  return [...new Set(english)].filter((value) => text.includes(value));
}
