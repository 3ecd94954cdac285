// POSTing JSON to regional subgraphs over keep-alive connections (node:http/https):
// a national query makes some eighty fetches, and undici's fetch costs several times
// more CPU per request than a plain http request on a kept-alive socket.
import http from "node:http";
import https from "node:https";

export interface PostResult {
  status: number;
  body: string;
}

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/**
 * How the router reaches a region: POSTs a JSON body and resolves with the answer's status
 * and text whatever the status; rejects on a network error, and with TimeoutError when no
 * whole answer arrived within `timeoutMs`. `postJson` is the one used in production; tests
 * give the router another, so its failure paths run without sockets.
 */
export type Transport = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<PostResult>;

// Every socket a national query opened stays open for the next one: with fewer kept free,
// each query would reconnect most of its fetches (several times the CPU of a request).
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 64 }),
};

export function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: "POST",
        agent: agents[target.protocol as "http:" | "https:"],
        headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    // One deadline for the whole exchange, not per socket event.
    const timer = setTimeout(() => req.destroy(new TimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
