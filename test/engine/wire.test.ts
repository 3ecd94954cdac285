// Wire-level behaviour that the driver never exercises: the legacy OP_QUERY handshake
// answered with OP_REPLY, and bad frames closing only the connection that sent them.
import net from "node:net";
import { deserialize, serialize } from "bson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedMongo, type EmbeddedMongo } from "../../scripts/embedded-mongo/index.js";
import { connect } from "../support/mongo.js";

let mongo: EmbeddedMongo;
const logged: string[] = [];

beforeAll(async () => {
  mongo = await startEmbeddedMongo({ log: (m) => logged.push(m) });
});
afterAll(async () => {
  await mongo?.stop();
});

function open(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(mongo.port, "127.0.0.1", () => resolve(s));
    s.once("error", reject);
  });
}

function header(length: number, requestId: number, opCode: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(length, 0);
  h.writeInt32LE(requestId, 4);
  h.writeInt32LE(0, 8);
  h.writeInt32LE(opCode, 12);
  return h;
}

function opQuery(requestId: number, ns: string, query: object): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), Buffer.from(`${ns}\0`), Buffer.alloc(8), serialize(query)]);
  return Buffer.concat([header(16 + body.length, requestId, 2004), body]);
}

function opMsg(requestId: number, doc: object): Buffer {
  const body = Buffer.concat([Buffer.alloc(5), serialize(doc)]);
  return Buffer.concat([header(16 + body.length, requestId, 2013), body]);
}

/** Reads one whole reply message. */
function readReply(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) {
        socket.off("data", onData);
        resolve(buf);
      }
    };
    socket.on("data", onData);
    socket.once("close", () => reject(new Error("closed before a reply")));
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

describe("wire protocol", () => {
  it("answers the legacy isMaster handshake over OP_QUERY with OP_REPLY", async () => {
    const s = await open();
    s.write(opQuery(7, "admin.$cmd", { isMaster: 1, helloOk: true }));
    const reply = await readReply(s);
    expect(reply.readInt32LE(8)).toBe(7); // responseTo
    expect(reply.readInt32LE(12)).toBe(1); // OP_REPLY
    expect(reply.readInt32LE(32)).toBe(1); // numberReturned
    const doc = deserialize(reply.subarray(36));
    expect(doc).toMatchObject({ ok: 1, ismaster: true, helloOk: true, minWireVersion: 0 });
    expect(doc.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(doc.logicalSessionTimeoutMinutes).toBeGreaterThan(0);
    expect(doc).not.toHaveProperty("topologyVersion");
    s.destroy();
  });

  it("answers hello over OP_MSG", async () => {
    const s = await open();
    s.write(opMsg(9, { hello: 1, $db: "admin" }));
    const reply = await readReply(s);
    expect(reply.readInt32LE(12)).toBe(2013);
    expect(deserialize(reply.subarray(21))).toMatchObject({ ok: 1, isWritablePrimary: true });
    s.destroy();
  });

  it("closes only the connection that sent a bad frame, and keeps serving others", async () => {
    const client = await connect(mongo.uri);
    const db = client.db("wire_robustness");
    await db.collection("c").insertOne({ ok: true });

    const badOpcode = await open();
    badOpcode.write(Buffer.concat([header(20, 1, 9999), Buffer.alloc(4)]));
    await closed(badOpcode);

    const badLength = await open();
    badLength.write(header(5, 2, 2013).subarray(0, 8));
    await closed(badLength);

    const badBson = await open();
    const garbage = Buffer.from([1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 3, 4]);
    badBson.write(Buffer.concat([header(16 + 4 + garbage.length, 3, 2013), Buffer.alloc(4), garbage]));
    await closed(badBson);

    expect(logged.some((m) => m.includes("unsupported opcode 9999"))).toBe(true);
    expect(logged.some((m) => m.includes("invalid message length"))).toBe(true);
    expect(await db.collection("c").countDocuments()).toBe(1);
    await db.dropDatabase();
    await client.close();
  });

  it("accepts a message split across many TCP writes", async () => {
    const s = await open();
    const msg = opMsg(11, { ping: 1, $db: "admin" });
    for (const byte of msg) s.write(Buffer.from([byte]));
    const reply = await readReply(s);
    expect(deserialize(reply.subarray(21))).toMatchObject({ ok: 1 });
    s.destroy();
  });
});
