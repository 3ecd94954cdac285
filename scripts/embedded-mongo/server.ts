// The TCP side of the embedded engine: frames messages per connection, runs each command
// against the shared Engine and writes the reply. A malformed message or an unknown
// opcode closes only the connection that sent it.
import net from "node:net";
import { Engine, type Logger } from "./engine.js";
import { encodeOpMsg, encodeOpReply, messageLength, OpCode, parseMessage, ProtocolError } from "./wire.js";

export interface EmbeddedMongoOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  log?: Logger;
}

export interface EmbeddedMongo {
  uri: string;
  port: number;
  engine: Engine;
  stop(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;

function serveConnection(socket: net.Socket, engine: Engine, connectionId: number, log: Logger): void {
  socket.setNoDelay(true); // request/response traffic: Nagle would add tens of ms per call
  let chunks: Buffer[] = [];
  let buffered = 0;

  const fail = (reason: string) => {
    log(`closing connection ${connectionId}: ${reason}`);
    socket.destroy();
  };

  socket.on("data", (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    // Replies to requests that arrived together leave in one write (one syscall).
    socket.cork();
    process.nextTick(() => socket.uncork());
    try {
      while (buffered >= 4) {
        let buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
        const length = messageLength(buf);
        if (length === 0) {
          chunks = [buf];
          return;
        }
        const message = buf.subarray(0, length);
        buf = buf.subarray(length);
        chunks = buf.length ? [buf] : [];
        buffered = buf.length;
        const command = parseMessage(message);
        const reply = engine.run({
          db: String(command.body.$db ?? command.database ?? "admin"),
          body: command.body,
          connectionId,
        });
        if (command.moreToCome) continue;
        socket.write(command.opCode === OpCode.OP_QUERY ? encodeOpReply(command.requestId, reply) : encodeOpMsg(command.requestId, reply));
      }
    } catch (err) {
      if (err instanceof ProtocolError) fail(err.message);
      else fail(`internal error: ${(err as Error).message}`);
    }
  });
  socket.on("error", () => socket.destroy());
}

/** Starts an in-process MongoDB-compatible server; resolves once it accepts connections. */
export async function startEmbeddedMongo(options: EmbeddedMongoOptions = {}): Promise<EmbeddedMongo> {
  const log = options.log ?? ((m: string) => process.stderr.write(`[embedded-mongo] ${m}\n`));
  const host = options.host ?? "127.0.0.1";
  const engine = new Engine(log);
  const sockets = new Set<net.Socket>();
  let connections = 0;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    engine.openConnections++;
    socket.on("close", () => {
      sockets.delete(socket);
      engine.openConnections--;
    });
    serveConnection(socket, engine, ++connections, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const sweeper = setInterval(() => engine.sweep(), SWEEP_INTERVAL_MS);
  sweeper.unref();

  const port = (server.address() as net.AddressInfo).port;
  return {
    uri: `mongodb://${host}:${port}/`,
    port,
    engine,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
