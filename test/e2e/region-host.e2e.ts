// `npm run region-host` as a regional office starts it: env configuration, fail-fast on
// a bad one, serving its regions, and a clean stop on SIGTERM.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { TEST_PSEUDONYM_KEY, TEST_SECRET, postGraphQL } from "../support/host.js";
import { randomDbName, startTestMongo, type TestMongo } from "../support/mongo.js";
import { spawnScript, type Spawned } from "../support/process.js";

let mongo: TestMongo;
let running: Spawned[] = [];
beforeAll(async () => {
  mongo = await startTestMongo();
});
afterAll(async () => {
  await mongo?.stop();
});
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop("SIGKILL")));
  running = [];
});

function start(env: Record<string, string>): Spawned {
  const p = spawnScript("region-host", [], { PORT: "0", LOG_LEVEL: "silent", PSEUDONYM_KEY: TEST_PSEUDONYM_KEY, ...env });
  running.push(p);
  return p;
}

describe("npm run region-host", () => {
  it("serves the regions it is given and stops cleanly on SIGTERM", async () => {
    const p = start({ MONGODB_URI: mongo.uri, REGIONS: "KZ-75", JWT_SECRET: TEST_SECRET, DB_PREFIX: randomDbName("e2e").toLowerCase() });
    const line = await p.waitFor(/listening on http:\/\//);
    const base = /(http:\/\/[\d.:]+)/.exec(line)![1];
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: "ok", regions: ["KZ-75"] });
    const token = await mintToken(hs256Config(TEST_SECRET), { sub: "s", role: "REGIONAL_STAFF", region: "KZ-75" });
    const res = await postGraphQL(
      `${base}/KZ-75/volunteers/graphql`,
      `mutation { registerVolunteer(input: { region: "KZ-75", fullName: "Dana Akhmetova", phone: "+77017776655" }) { status region { code } } }`,
      {},
      token,
    );
    expect(res.data).toEqual({ registerVolunteer: { status: "ACTIVE", region: { code: "KZ-75" } } });
    expect((await fetch(`${base}/KZ-43/volunteers/graphql`, { method: "POST" })).status).toBe(404);
    expect(await p.stop("SIGTERM")).toBe(0);
  });

  it("fails fast naming a missing secret, without printing secrets", async () => {
    const p = start({ MONGODB_URI: mongo.uri, JWT_SECRET: "" });
    await p.waitFor(/invalid environment variable 'JWT_SECRET'/);
    expect(await p.exited).toBe(2);
  });

  it("fails fast on an unknown region", async () => {
    const p = start({ MONGODB_URI: mongo.uri, JWT_SECRET: TEST_SECRET, REGIONS: "KZ-75,KZ-00" });
    await p.waitFor(/unknown region "KZ-00"/);
    expect(await p.exited).toBe(2);
  });
});
