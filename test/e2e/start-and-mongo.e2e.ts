// The runnable entry points as a user starts them: `npm run mongo` and `npm start`.
import { afterEach, describe, expect, it } from "vitest";
import { postGraphQL } from "../support/host.js";
import { connect } from "../support/mongo.js";
import { spawnScript, type Spawned } from "../support/process.js";

let running: Spawned[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  running = [];
});

describe("npm run mongo", () => {
  it("prints a mongodb:// URI that the driver can use, and stops cleanly on SIGINT", async () => {
    const p = spawnScript("mongo", ["--port", "0"]);
    running.push(p);
    const uri = await p.waitFor(/^mongodb:\/\//);
    const client = await connect(uri);
    await client.db("e2e").collection("c").insertOne({ hello: "world" });
    expect(
      await client
        .db("e2e")
        .collection("c")
        .findOne({}, { projection: { _id: 0 } }),
    ).toEqual({ hello: "world" });
    await client.close();
    expect(await p.stop("SIGINT")).toBe(0);
  });

  it("fails fast on a bad port, naming the argument", async () => {
    const p = spawnScript("mongo", ["--port", "not-a-port"]);
    running.push(p);
    await p.waitFor(/invalid argument 'port'/);
    expect(await p.exited).toBe(2);
  });
});

describe("npm start", () => {
  it("serves the seeded national graph on one endpoint, with the dev tokens it prints, and exits 0 on SIGTERM", async () => {
    const p = spawnScript("start", [], { PORT: "0", MONGODB_URI: "", JWT_SECRET: "", LOG_LEVEL: "silent" });
    running.push(p);
    const endpoint = (await p.waitFor(/GraphQL endpoint\s+http:\/\//, 60_000)).trim().split(/\s+/).at(-1)!;
    const token = (await p.waitFor(/NATIONAL_COORDINATOR\s+ey/)).trim().split(/\s+/).at(-1)!;
    const volunteer = (await p.waitFor(/VOLUNTEER of KZ-75\s+ey/)).trim().split(/\s+/).at(-1)!;
    const site = /web console\s+(\S+)/.exec(await p.waitFor(/web console\s+http:\/\//))![1];
    await p.waitFor(/Ctrl-C stops/);
    // The console is on the same origin as the endpoint, and the volunteer token opens its own record.
    expect(new URL(site).origin).toBe(new URL(endpoint).origin);
    expect(await (await fetch(site)).text()).toContain('<div id="root">');
    const me = await postGraphQL<{ volunteer: { id: string; status: string } }>(
      endpoint,
      "query ($id: ID!) { volunteer(id: $id) { id status } }",
      { id: (JSON.parse(Buffer.from(volunteer.split(".")[1], "base64url").toString()) as { sub: string }).sub },
      volunteer,
    );
    expect(me.data?.volunteer.status).toBe("ACTIVE");
    const anonymous = await postGraphQL<{ regions: Array<{ code: string; name: string }> }>(
      endpoint,
      "{ regions { code name status { healthy } } }",
    );
    expect(anonymous.data!.regions).toHaveLength(20);
    const res = await postGraphQL<{
      regions: Array<{ code: string; volunteerStats: { total: number }; stock: Array<{ quantity: number }> }>;
    }>(endpoint, "{ regions { code volunteerStats { total } stock { item quantity } } }", {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.regions.every((r) => r.volunteerStats.total > 0 && r.stock.some((s) => s.quantity > 0))).toBe(true);
    expect(await p.stop("SIGTERM")).toBe(0);
  });

  it("refuses to run with NODE_ENV=production, before printing any token", async () => {
    const p = spawnScript("start", [], {
      PORT: "0",
      MONGODB_URI: "",
      NODE_ENV: "production",
      JWT_SECRET: "s".repeat(40),
      PSEUDONYM_KEY: "p".repeat(40),
    });
    running.push(p);
    await p.waitFor(/npm start is the development default and does not run with NODE_ENV=production/);
    expect(await p.exited).toBe(2);
    expect(p.lines.join("\n")).not.toMatch(/ey[A-Za-z0-9_-]{10,}\./);
  });
});
