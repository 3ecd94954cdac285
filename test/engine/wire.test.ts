// Wire-level behaviour that the driver never exercises: the legacy OP_QUERY handshake
// answered with OP_REPLY, bad frames closing only the connection that sent them, and the
// framing of messages split across reads costing linear time (each byte copied once).
import { once } from "node:events";
import net from "node:net";
import { deserialize, serialize } from "bson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageFramer } from "../../scripts/embedded-mongo/framer.js";
import { startEmbeddedMongo, type EmbeddedMongo } from "../../scripts/embedded-mongo/index.js";
import { MAX_MESSAGE_SIZE, parseMessage, ProtocolError } from "../../scripts/embedded-mongo/wire.js";
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

/** An OP_MSG with a kind-0 body and, after it, kind-1 sections given as raw bytes. */
function opMsgWithSections(requestId: number, doc: object, ...sections: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.alloc(5), serialize(doc), ...sections]);
  return Buffer.concat([header(16 + body.length, requestId, 2013), body]);
}

/** A kind-1 section: its declared size covers the identifier bytes as given (NUL included or not) and the documents. */
function sequenceSection(identifier: Buffer, docs: object[]): Buffer {
  const payload = Buffer.concat([identifier, ...docs.map((d) => serialize(d))]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + payload.length, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n, 0);
  return b;
}

/** A frame of `length` bytes: its length prefix, then bytes that tell positions apart. */
function rawFrame(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 4; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  b.writeInt32LE(length, 0);
  return b;
}

function feed(framer: MessageFramer, chunks: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const chunk of chunks) for (const message of framer.push(chunk)) out.push(Buffer.from(message));
  return out;
}

/** Splits `buf` into consecutive pieces of at most `size` bytes (views, no copies). */
function slices(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** Whether the server answers the next message or closes the connection. */
function outcome(socket: net.Socket): Promise<"closed" | Buffer> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) resolve(buf);
    });
    socket.once("close", () => resolve("closed"));
  });
}

/** Writes `buf` in pieces of `size` bytes, each only once the socket has room for it. */
async function drip(socket: net.Socket, buf: Buffer, size: number): Promise<void> {
  for (const piece of slices(buf, size)) {
    if (!socket.write(piece)) await once(socket, "drain");
  }
}

describe("message framer", () => {
  const ping = opMsg(21, { ping: 1, $db: "admin" });

  it("assembles a message whose length prefix is split across chunks, at every split point", () => {
    for (let at = 1; at < ping.length; at++) {
      const framer = new MessageFramer();
      expect(feed(framer, [ping.subarray(0, at), ping.subarray(at)])).toEqual([ping]);
      expect(framer.bytesCopied).toBeLessThanOrEqual(ping.length + 4);
    }
    const framer = new MessageFramer();
    expect(feed(framer, slices(ping, 1))).toEqual([ping]);
    expect(parseMessage(feed(new MessageFramer(), [ping.subarray(0, 2), ping.subarray(2, 3), ping.subarray(3)])[0]).body).toEqual({
      ping: 1,
      $db: "admin",
    });
  });

  it("yields every message of a chunk that holds several, as views without copying", () => {
    const messages = [rawFrame(16, 1), rawFrame(100, 2), ping, rawFrame(4096, 3)];
    const chunk = Buffer.concat(messages);
    const framer = new MessageFramer();
    const views = [...framer.push(chunk)];
    expect(views.map((v) => Buffer.from(v))).toEqual(messages);
    expect(views.every((v) => v.buffer === chunk.buffer)).toBe(true);
    expect(framer.bytesCopied).toBe(0);
  });

  it("handles chunks that end one message and start the next, wherever the boundaries fall", () => {
    const [a, b, c] = [rawFrame(50, 4), rawFrame(20, 5), rawFrame(300, 6)];
    const framer = new MessageFramer();
    // a whole + 2 bytes of b's prefix | the rest of b + 10 bytes of c | the rest of c
    const out = feed(framer, [Buffer.concat([a, b.subarray(0, 2)]), Buffer.concat([b.subarray(2), c.subarray(0, 10)]), c.subarray(10)]);
    expect(out).toEqual([a, b, c]);

    // Many messages cut at pseudo-random points (a fixed seed, so a failure reproduces).
    let state = 12345;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      return state % n;
    };
    const messages = Array.from({ length: 200 }, (_, i) => rawFrame(16 + random(3000), i));
    const stream = Buffer.concat(messages);
    const chunks: Buffer[] = [];
    for (let i = 0; i < stream.length;) {
      const n = 1 + random(i % 7 === 0 ? 9000 : 40);
      chunks.push(stream.subarray(i, i + n));
      i += n;
    }
    const fuzzed = new MessageFramer();
    expect(feed(fuzzed, chunks)).toEqual(messages);
    expect(fuzzed.bytesCopied).toBeLessThanOrEqual(stream.length + 4 * messages.length);
  });

  it("copies a 40 MB message dripped in 4 KB chunks at most three times (linear, not quadratic)", () => {
    const message = rawFrame(40 * 1024 * 1024, 7);
    const chunks = slices(message, 4096);
    const framer = new MessageFramer();
    const out: Buffer[] = [];
    for (const [i, chunk] of chunks.entries()) {
      for (const m of framer.push(chunk)) out.push(m);
      // Nothing is yielded early; the buffer grows by doubling, so every byte received so far
      // was copied at most three times (once in, and the doublings add up to at most twice
      // what arrived), and no more is reserved than twice what arrived.
      expect(out.length).toBe(i === chunks.length - 1 ? 1 : 0);
      expect(framer.bytesCopied).toBeLessThanOrEqual(3 * (i + 1) * 4096 + 64 * 1024);
      if (i < chunks.length - 1) expect(framer.reservedBytes).toBeLessThanOrEqual(Math.max(64 * 1024, 2 * (i + 1) * 4096));
    }
    // Re-concatenating the buffered bytes on every chunk would copy ~n²/2/4096 ≈ 200 GB here.
    expect(framer.bytesCopied).toBeLessThanOrEqual(3 * message.length);
    expect(out[0].equals(message)).toBe(true);
  });

  it("refuses an out-of-range length as soon as its 4 bytes are in, before buffering anything after them", () => {
    for (const length of [-1, -(2 ** 31), 0, 15, MAX_MESSAGE_SIZE + 1, 2 ** 31 - 1]) {
      const prefix = int32(length);
      const framer = new MessageFramer();
      expect(feed(framer, [prefix.subarray(0, 3)])).toEqual([]);
      expect(() => feed(framer, [Buffer.concat([prefix.subarray(3), Buffer.alloc(1024 * 1024)])])).toThrow(ProtocolError);
      expect(framer.bytesCopied).toBeLessThanOrEqual(4);

      const whole = new MessageFramer();
      expect(() => feed(whole, [Buffer.concat([prefix, Buffer.alloc(1024 * 1024)])])).toThrow(
        new ProtocolError(`invalid message length ${length}`),
      );
      expect(whole.bytesCopied).toBe(0);
    }
    // The bounds themselves are valid lengths.
    expect(feed(new MessageFramer(), [rawFrame(16, 8)])).toHaveLength(1);
    expect(feed(new MessageFramer(), [int32(MAX_MESSAGE_SIZE)])).toEqual([]);
  });

  it("reserves memory as bytes arrive, not as the length prefix announces", () => {
    const framer = new MessageFramer();
    expect(feed(framer, [int32(MAX_MESSAGE_SIZE)])).toEqual([]);
    // Four bytes announcing 48 MB hold 64 KiB, so idle connections cannot pin the announced sizes.
    expect(framer.reservedBytes).toBe(64 * 1024);
  });

  it("yields the messages before a bad length in the same chunk, then refuses", () => {
    const framer = new MessageFramer();
    const seen: Buffer[] = [];
    expect(() => {
      for (const m of framer.push(Buffer.concat([ping, int32(5), Buffer.alloc(20)]))) seen.push(m);
    }).toThrow(ProtocolError);
    expect(seen).toEqual([ping]);
  });
});

describe("C strings are bounded by their section", () => {
  it("takes kind-1 identifiers that end inside their section", () => {
    const msg = opMsgWithSections(31, { insert: "c", $db: "db" }, sequenceSection(Buffer.from("documents\0"), [{ a: 1 }, { a: 2 }]));
    expect(parseMessage(msg).body).toEqual({ insert: "c", $db: "db", documents: [{ a: 1 }, { a: 2 }] });
  });

  it("refuses a kind-1 identifier whose NUL lies outside its section", () => {
    // The section is "abc" with no NUL; the next byte of the message is one.
    const msg = opMsgWithSections(32, { ping: 1, $db: "admin" }, sequenceSection(Buffer.from("abc"), []), Buffer.from([0]));
    expect(() => parseMessage(msg)).toThrow(new ProtocolError("document sequence identifier is not NUL-terminated within its bounds"));
    // An identifier running to the end of the message is refused the same way.
    const atEnd = opMsgWithSections(33, { ping: 1, $db: "admin" }, sequenceSection(Buffer.from("abc"), []));
    expect(() => parseMessage(atEnd)).toThrow(ProtocolError);
  });

  it("refuses truncated sections and OP_QUERY collection names without a NUL as protocol errors", () => {
    const truncated = opMsgWithSections(34, { ping: 1, $db: "admin" }, Buffer.from([1, 9, 0]));
    expect(() => parseMessage(truncated)).toThrow(new ProtocolError("truncated document sequence"));
    const query = opQuery(35, "admin.$cmd", { ping: 1 });
    const nameWithoutNul = Buffer.concat([header(16 + 4 + 10, 35, 2004), Buffer.alloc(4), Buffer.from("admin.$cmd")]);
    expect(parseMessage(query).database).toBe("admin");
    // The bytes after the message (here: the rest of a longer buffer) are not searched.
    const inLargerBuffer = Buffer.concat([nameWithoutNul, Buffer.alloc(16)]).subarray(0, nameWithoutNul.length);
    expect(() => parseMessage(inLargerBuffer)).toThrow(
      new ProtocolError("OP_QUERY collection name is not NUL-terminated within its bounds"),
    );
  });
});

describe("wire protocol over a socket: large and malformed frames", () => {
  it("processes a 40 MB frame dripped in 4 KB writes, copying each byte at most three times", async () => {
    const blob = 10_000_000;
    const docs = ["a", "b", "c", "d"].map((fill, i) => ({ i, blob: fill.repeat(blob) }));
    const frame = opMsgWithSections(41, { insert: "drip", $db: "wire_drip" }, sequenceSection(Buffer.from("documents\0"), docs));
    expect(frame.length).toBeGreaterThan(40_000_000);
    expect(frame.length).toBeLessThanOrEqual(MAX_MESSAGE_SIZE);

    const s = await open();
    const before = mongo.framedBytesCopied();
    const reply = readReply(s);
    await drip(s, frame, 4096);
    const answer = deserialize((await reply).subarray(21));
    expect(answer).toEqual({ n: 4, ok: 1 });
    const copied = mongo.framedBytesCopied() - before;
    // It did arrive in many reads (so it went through reassembly), and no byte was copied more than three times.
    expect(copied).toBeGreaterThan(frame.length / 2);
    expect(copied).toBeLessThanOrEqual(3 * frame.length);

    const count = readReply(s);
    s.write(opMsg(42, { count: "drip", query: { blob: { $exists: true } }, $db: "wire_drip" }));
    expect(deserialize((await count).subarray(21))).toMatchObject({ n: 4, ok: 1 });
    const dropped = readReply(s);
    s.write(opMsg(43, { dropDatabase: 1, $db: "wire_drip" }));
    expect(deserialize((await dropped).subarray(21))).toMatchObject({ ok: 1 });
    s.destroy();
  });

  it("closes a connection announcing an out-of-range length right after its 4 bytes", async () => {
    for (const length of [-1, 15, MAX_MESSAGE_SIZE + 1]) {
      const s = await open();
      s.write(int32(length)); // and nothing more: the close must not wait for the rest
      await closed(s);
      expect(logged.some((m) => m.endsWith(`invalid message length ${length}`))).toBe(true);
    }
  });

  it("closes a connection whose kind-1 identifier ends outside its section, and keeps serving others", async () => {
    const other = await open();
    const bad = await open();
    const result = outcome(bad);
    bad.write(opMsgWithSections(51, { ping: 1, $db: "admin" }, sequenceSection(Buffer.from("abc"), []), Buffer.from([0])));
    expect(await result).toBe("closed");
    expect(logged.some((m) => m.endsWith("document sequence identifier is not NUL-terminated within its bounds"))).toBe(true);

    const reply = readReply(other);
    other.write(opMsg(52, { ping: 1, $db: "admin" }));
    expect(deserialize((await reply).subarray(21))).toMatchObject({ ok: 1 });
    other.destroy();
  });
});
