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
// A national query holds one socket per region of a host at once: a host serving a
// country's districts may serve a few hundred regions.
const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 512 }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 512 }),
};

/** What `http.request` needs of each URL the router posts to: parsed once, not per fetch. */
const targets = new Map<string, { client: typeof http | typeof https; options: http.RequestOptions }>();

function targetOf(url: string) {
  let target = targets.get(url);
  if (!target) {
    const parsed = new URL(url);
    const secure = parsed.protocol === "https:";
    if (!secure && parsed.protocol !== "http:") throw new Error(`not an http(s) URL: ${parsed.protocol}`);
    target = {
      client: secure ? https : http,
      options: {
        method: "POST",
        protocol: parsed.protocol,
        hostname: parsed.hostname.replace(/^\[|\]$/g, ""),
        port: parsed.port,
        path: `${parsed.pathname}${parsed.search}`,
        agent: agents[secure ? "https:" : "http:"],
        ...(parsed.username ? { auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` } : {}),
      },
    };
    // The registry's URLs are few; anything else would not be kept.
    if (targets.size < 10_000) targets.set(url, target);
  }
  return target;
}

export function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const { client, options } = targetOf(url);
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        ...options,
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
