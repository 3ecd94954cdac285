// The TCP side of the embedded engine: frames messages per connection, runs each command
// against the shared Engine and writes the reply. A malformed message or an unknown
// opcode closes only the connection that sent it.
import net from "node:net";
import { Engine, type Logger } from "./engine.js";
import { MessageFramer } from "./framer.js";
import { encodeOpMsg, encodeOpReply, OpCode, parseMessage, ProtocolError } from "./wire.js";

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
  /** Bytes all connections copied to assemble messages split across reads: at most their total size. */
  framedBytesCopied(): number;
  stop(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;

function serveConnection(socket: net.Socket, engine: Engine, connectionId: number, log: Logger, framer: MessageFramer): void {
  socket.setNoDelay(true); // request/response traffic: Nagle would add tens of ms per call

  const fail = (reason: string) => {
    log(`closing connection ${connectionId}: ${reason}`);
    socket.destroy();
  };

  socket.on("data", (chunk: Buffer) => {
    // Replies to requests that arrived together leave in one write (one syscall).
    socket.cork();
    process.nextTick(() => socket.uncork());
    try {
      for (const message of framer.push(chunk)) {
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
  // Framers of closed connections are folded into this total so the counter never goes back.
  let closedBytesCopied = 0;
  const framers = new Set<MessageFramer>();

  const server = net.createServer((socket) => {
    const framer = new MessageFramer();
    sockets.add(socket);
    framers.add(framer);
    engine.openConnections++;
    socket.on("close", () => {
      sockets.delete(socket);
      framers.delete(framer);
      closedBytesCopied += framer.bytesCopied;
      engine.openConnections--;
    });
    serveConnection(socket, engine, ++connections, log, framer);
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
    framedBytesCopied: () => [...framers].reduce((n, f) => n + f.bytesCopied, closedBytesCopied),
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweeper);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
