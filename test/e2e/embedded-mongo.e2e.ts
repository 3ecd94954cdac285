// The runnable entry points as a user starts them: `npm run mongo` and `npm start`.
import { afterEach, describe, expect, it } from "vitest";
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
    expect(await client.db("e2e").collection("c").findOne({}, { projection: { _id: 0 } })).toEqual({ hello: "world" });
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
  it("starts the embedded engine and exits 0 on SIGTERM", async () => {
    const p = spawnScript("start", [], { PORT: "0", MONGODB_URI: "" });
    running.push(p);
    const line = await p.waitFor(/embedded MongoDB-compatible engine: mongodb:\/\//);
    const client = await connect(line.slice(line.indexOf("mongodb://")));
    expect((await client.db("admin").command({ ping: 1 })).ok).toBe(1);
    await client.close();
    expect(await p.stop("SIGTERM")).toBe(0);
  });
});
