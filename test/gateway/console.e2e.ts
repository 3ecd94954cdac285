// The console's files as the gateway serves them: from memory, on the same origin as /graphql,
// with a content security policy, never a file outside the build, and off with CONSOLE=off.
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleFromEnv } from "../../gateway/console.js";
import { gatewayEnv } from "../../gateway/config.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";
import { startNational, type National } from "../support/national.js";

const DIR = projectPath("dist", "console");
const ISSUER = "https://id.example.kz/realms/aid";
let withConsole: National;
let without: National;
let base: string;

beforeAll(async () => {
  withConsole = await startNational({
    healthy: ["KZ-75"],
    console: { dir: DIR, tokenSignIn: false, oidc: { issuer: ISSUER, clientId: "console", scope: "openid", resource: "aidgraph" } },
  });
  without = await startNational({ healthy: ["KZ-75"] });
  base = withConsole.url.replace(/\/graphql$/, "");
});
afterAll(async () => {
  await withConsole?.stop();
  await without?.stop();
});

describe("the console at /", () => {
  it("serves the page with a policy allowing scripts from this origin only, and talk to the graph and the identity provider", async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toContain('<div id="root">');
    const policy = res.headers.get("content-security-policy")!;
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("connect-src 'self' https://id.example.kz");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers the page's own routes with the page, its built assets as immutable, and a missing asset with 404", async () => {
    expect((await fetch(`${base}/signin-callback?code=abc&state=def`)).status).toBe(200);
    const script = readdirSync(`${DIR}/assets`).find((f) => f.endsWith(".js"))!;
    const asset = await fetch(`${base}/assets/${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const missing = await fetch(`${base}/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe("NOT_FOUND");
  });

  it("never reads a file outside the build, however the path is written", async () => {
    for (const path of [
      "/../package.json",
      "/%2e%2e/package.json",
      "/assets/..%2f..%2fpackage.json",
      "/..%5cpackage.json",
      "/package.json",
    ]) {
      const res = await fetch(`${base}${path}`);
      expect(await res.text()).not.toContain('"name": "aidgraph"');
    }
  });

  it("tells the page how people sign in: the provider, never a secret", async () => {
    const res = await fetch(`${base}/console.json`);
    expect(await res.json()).toEqual({
      tokenSignIn: false,
      oidc: { issuer: ISSUER, clientId: "console", scope: "openid", resource: "aidgraph" },
    });
  });

  it("serves only GET and HEAD, and leaves /graphql, /health and unknown API paths as they were", async () => {
    expect((await fetch(`${base}/`, { method: "POST", body: "x" })).status).toBe(404);
    const head = await fetch(`${base}/`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const token = await withConsole.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
    const res = await withConsole.query<{ regions: Array<{ code: string }> }>("{ regions { code } }", {}, token);
    expect(res.data!.regions).toEqual([{ code: "KZ-75" }]);
  });

  it("is not served when the console is off", async () => {
    const res = await fetch(`${without.url.replace(/\/graphql$/, "")}/`);
    expect(res.status).toBe(404);
  });
});

describe("the console's configuration", () => {
  const env = { REGISTRY: "r.json", JWT_SECRET: "s".repeat(40) };
  it("is on by default with token sign-in in development, off with CONSOLE=off, and never takes pasted tokens in production", () => {
    expect(consoleFromEnv(gatewayEnv.parse(env))).toMatchObject({ tokenSignIn: true, oidc: undefined });
    expect(consoleFromEnv(gatewayEnv.parse({ ...env, CONSOLE: "off" }))).toBeUndefined();
    const production = gatewayEnv.parse({
      NODE_ENV: "production",
      REGISTRY: "r.json",
      GATEWAY_KEY: "gateway.key",
      JWKS_URL: "https://id.example.kz/jwks",
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: "aidgraph",
      OIDC_ISSUER: ISSUER,
      OIDC_CLIENT_ID: "console",
    });
    expect(consoleFromEnv(production)).toMatchObject({
      tokenSignIn: false,
      oidc: { issuer: ISSUER, clientId: "console", scope: "openid", resource: "aidgraph" },
    });
  });

  it("refuses an identity provider without its client id, without JWKS_URL, or over http in production", () => {
    const issues = (input: Record<string, string>) => gatewayEnv.safeParse({ ...env, ...input }).error?.issues.map((i) => i.message);
    expect(issues({ OIDC_ISSUER: ISSUER })).toContain("OIDC_ISSUER needs OIDC_CLIENT_ID");
    expect(issues({ OIDC_CLIENT_ID: "console" })).toContain("OIDC_CLIENT_ID needs OIDC_ISSUER");
    expect(issues({ OIDC_ISSUER: ISSUER, OIDC_CLIENT_ID: "console" })).toContain("OIDC_ISSUER needs JWKS_URL (the provider's keys)");
    expect(issues({ CONSOLE: "maybe" })?.length).toBe(1);
    expect(
      issues({
        NODE_ENV: "production",
        JWKS_URL: "https://id.example.kz/jwks",
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: "aidgraph",
        OIDC_ISSUER: "http://id.example.kz",
        OIDC_CLIENT_ID: "console",
      }),
    ).toContain("must be an https:// URL with NODE_ENV=production");
  });
});
