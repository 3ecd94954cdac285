// Production sign-in in a real browser against a real OpenID provider (oidc-provider in this
// process): no token box, the organisation's sign-in page, the authorization code with PKCE
// traded from the page (CORS), and the gateway accepting the provider's ES256 access token
// for the graph's audience with the provider's published keys. A token the gateway refuses
// sends the person back to sign-in with a note; a refusal at the provider is shown.
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import type { Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwksConfig } from "../../subgraphs/kernel/auth.js";
import { screenshot, seriousViolations, startConsoleSystem, type ConsoleSystem } from "../support/console.js";
import { startIdentityProvider, type IdentityProvider } from "../support/oidc.js";

const AUDIENCE = "urn:aidgraph:graph";
const CLIENT_ID = "aidgraph-console";
const TOKEN_KEY = "aidgraph.token";
/** A regional staff member of Almaty (KZ-75) at the organisation's provider. */
const STAFF = "staff.almaty";

let idp: IdentityProvider;
let system: ConsoleSystem;

beforeAll(async () => {
  idp = await startIdentityProvider({ audience: AUDIENCE, accounts: { [STAFF]: { role: "REGIONAL_STAFF", region: "KZ-75" } } });
  system = await startConsoleSystem({
    production: true,
    auth: jwksConfig(idp.jwksUri, idp.issuer, AUDIENCE),
    console: { tokenSignIn: false, oidc: { issuer: idp.issuer, clientId: CLIENT_ID, scope: "openid", resource: AUDIENCE } },
  });
  // The client's redirect URI is the gateway's, known only now that it listens.
  await idp.open({ clientId: CLIENT_ID, redirectUri: `${system.origin}/signin-callback` });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await idp?.stop();
});

/** A fresh browser (its own cookies at the provider too) on the console's sign-in page. */
async function signInPage(): Promise<Page> {
  const context = await system.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  // A step that does not happen fails with its locator, well before the test's own timeout.
  page.setDefaultTimeout(10_000);
  // The development login form imports a web font; there is no network to fetch it from.
  await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
  await page.goto(`${system.origin}/`);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  return page;
}

/** At the provider: its login form, then its consent screen (a fresh browser has given none). */
async function logInAtProvider(page: Page, login: string): Promise<void> {
  await page.getByRole("button", { name: "Sign in with your organisation" }).click();
  await page.waitForURL((url) => url.origin === idp.issuer);
  await page.getByPlaceholder("Enter any login").fill(login);
  await page.getByPlaceholder("and password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

const isGraphQL = (origin: string) => (r: Response) => r.url() === `${origin}/graphql` && r.request().method() === "POST";

/** Signs in at the provider; resolves with the page's first answer from the graph. */
async function signIn(page: Page): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ message: string }> } }> {
  const answer = page.waitForResponse(isGraphQL(system.origin));
  await logInAtProvider(page, STAFF);
  // Back at the console: signed in, or told why not.
  await page.getByTestId("who").or(page.getByRole("alert")).first().waitFor();
  expect(await page.getByRole("alert").allInnerTexts()).toEqual([]);
  const response = await answer;
  return { status: response.status(), body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> } };
}

const sessionToken = (page: Page) => page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(TOKEN_KEY)})`);

describe("signing in with the organisation's identity provider", () => {
  it("signs a regional staff member in at the provider, and the graph accepts the provider's token", async () => {
    const page = await signInPage();
    // Production: no pasted tokens, only the organisation's sign-in.
    await expect.poll(() => page.getByLabel("Access token").count()).toBe(0);
    await page.getByRole("button", { name: "Sign in with your organisation" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "sign-in");

    // The page trades the code at the provider's token endpoint itself: a CORS request from the gateway's origin.
    const tokenAnswer = page.waitForResponse((r) => r.url() === `${idp.issuer}/token` && r.request().method() === "POST");
    const graph = await signIn(page);
    expect((await tokenAnswer).headers()["access-control-allow-origin"]).toBe(system.origin);
    expect(graph.status).toBe(200);
    expect(graph.body.errors).toBeUndefined();
    expect(graph.body.data).toBeTruthy();

    const who = page.getByTestId("who");
    await expect.poll(() => who.innerText()).toBe(`Signed in as ${STAFF} · Regional staff · KZ-75`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Hotline" }).waitFor();
    // Figures from the graph: the region names it returns.
    await page.getByRole("main").getByText("Almaty", { exact: true }).first().waitFor();
    // The spent code is gone from the address bar.
    expect(new URL(page.url()).pathname).toBe("/");

    const token = await sessionToken(page);
    expect(token).toBeTruthy();
    expect(decodeProtectedHeader(token!).alg).toBe("ES256");
    expect(decodeJwt(token!)).toMatchObject({ iss: idp.issuer, aud: AUDIENCE, sub: STAFF, role: "REGIONAL_STAFF", region: "KZ-75" });
    // Only the access token is kept: no ID token or other token anywhere else in session storage.
    const others = await page.evaluate<string[]>(
      `Object.keys(sessionStorage).filter((k) => k !== ${JSON.stringify(TOKEN_KEY)}).map((k) => sessionStorage.getItem(k))`,
    );
    expect(others.filter((value) => /eyJ[\w-]+\.[\w-]+\.[\w-]+/.test(value))).toEqual([]);
  });

  it("asks who is there again after signing out: the next person at a shared desk is not signed in as the last", async () => {
    const page = await signInPage();
    await signIn(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You have signed out.").waitFor();
    // The provider still has a session in this browser; the console asks it to log in anyway.
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.getByPlaceholder("Enter any login").waitFor();
    expect(new URL(page.url()).origin).toBe(idp.issuer);
  });

  it("sends the person back to sign-in with a note when the gateway refuses their token", async () => {
    const page = await signInPage();
    await signIn(page);
    await page.getByTestId("who").waitFor();

    // The same claims, unexpired, signed by a key that is not the provider's (under its key id).
    const claims = decodeJwt((await sessionToken(page))!);
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid: "test-es256" }).sign(privateKey);
    await page.evaluate(`sessionStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(forged)})`);

    const refused = page.waitForResponse(isGraphQL(system.origin));
    await page.reload();
    const body = (await (await refused).json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(body.errors?.map((e) => e.extensions?.code)).toContain("UNAUTHENTICATED");

    await page.getByRole("status").getByText("Your session has expired. Please sign in again.").waitFor();
    await page.getByRole("button", { name: "Sign in with your organisation" }).waitFor();
    await expect.poll(() => page.getByTestId("who").count()).toBe(0);
    expect(await sessionToken(page)).toBeNull();
  });

  it("shows the provider's refusal when the person cancels at the provider", async () => {
    const page = await signInPage();
    await page.getByRole("button", { name: "Sign in with your organisation" }).click();
    await page.waitForURL((url) => url.origin === idp.issuer);
    await page.getByRole("link", { name: "[ Cancel ]" }).click();

    await page.getByRole("alert").getByText("Sign-in failed: End-User aborted interaction").waitFor();
    expect(new URL(page.url()).pathname).toBe("/");
    await page.getByRole("button", { name: "Sign in with your organisation" }).waitFor();
    expect(await sessionToken(page)).toBeNull();
  });
});
