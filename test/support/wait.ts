// Waiting in tests without fixed sleeps: poll until what we wait for is true, or fail
// naming it; and a free port for a server that is started (or restarted) later.
import http from "node:http";
import type { AddressInfo } from "node:net";

/** Reads `read()` every few ms until `check` accepts it; fails after `timeoutMs` naming `what`. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
