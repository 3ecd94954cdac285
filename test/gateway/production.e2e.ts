// The gateway with NODE_ENV=production: no introspection, no landing page; and limits on
// what a request may be, whatever the mode.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNational, type National } from "../support/national.js";

let national: National;
let coordinator: string;
beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75"], production: true });
  coordinator = await national.token({ sub: "c", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  await national?.stop();
});

describe("production mode", () => {
  it("refuses introspection", async () => {
    const res = await national.query(`{ __schema { types { name } } }`, {}, coordinator);
    expect(res.errors![0].message).toMatch(/introspection/i);
    expect(res.data ?? null).toBeNull();
  });

  it("serves no landing page to browsers", async () => {
    const res = await fetch(national.url, { headers: { accept: "text/html" } });
    expect(res.headers.get("content-type") ?? "").not.toContain("text/html");
  });

  it("refuses a request body over 1 MB with 413, before parsing it", async () => {
    const res = await fetch(national.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${coordinator}` },
      body: JSON.stringify({ query: `{ regions { code } }`, variables: { pad: "x".repeat(1_100_000) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: Array<{ message: string }> }).errors[0].message).toContain(
      "request body exceeds 1000000 bytes",
    );
  });

  it("still answers ordinary queries", async () => {
    expect((await national.query(`{ regions { code volunteerStats { total } } }`, {}, coordinator)).errors).toBeUndefined();
  });
});
