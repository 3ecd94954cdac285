// Bench helper process: the region host for every region, on three ports: one answering
// after DELAY_MS (the network between regions: in production each region is its own
// machine far away), one answering at once, and one replaying, after DELAY_MS, what the
// host answered the first time it was sent the same request (the regions' own work taken
// off this machine's two shared cores, as when each region is its own machine). Prints
// the base URLs on one line (the replaying one REPLAY_ORIGINS times). The replaying ports
// also answer for regions the registry lacks (`ZZ-7`): each stands in for one of the 20
// (`--regions 100` in the bench), its code swapped in the request and back in the answer.
import "reflect-metadata";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pino } from "pino";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config } from "../../subgraphs/kernel/auth.js";
import { DEFAULT_MAX_BODY_BYTES, listen, readTextBody, sendError, sendJsonText } from "../../subgraphs/kernel/http.js";
import { connectMongo } from "../../subgraphs/kernel/mongo.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { createRegionHost } from "../../subgraphs/host/server.js";

const delay = Number(process.env.DELAY_MS ?? 50);
const registry = RegionRegistry.load();
const mongo = await connectMongo(process.env.MONGODB_URI!);
const host = await createRegionHost({
  subgraphs: await buildSubgraphs(),
  regions: registry.regions,
  registry,
  mongo,
  dbPrefix: process.env.DB_PREFIX!,
  auth: hs256Config(process.env.JWT_SECRET!),
  pseudonymKey: process.env.PSEUDONYM_KEY!,
  log: pino({ level: "silent" }),
  production: process.env.NODE_ENV === "production",
});
const delayed = await listen((req, res) => void setTimeout(() => host.handler(req, res), delay));
const direct = await listen(host.handler);
const answers = new Map<string, { status: number; type: string; body: string }>();
/** `text` with one region's code (as a JSON string or an ID's prefix) swapped for another's. */
const swap = (text: string, from: string, to: string) => text.replaceAll(`"${from}"`, `"${to}"`).replaceAll(`"${from}:`, `"${to}:`);
const replay = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const read = await readTextBody(req, res, DEFAULT_MAX_BODY_BYTES);
  if (!read) return;
  const headers = { "content-type": req.headers["content-type"] ?? "application/json", authorization: req.headers.authorization ?? "" };
  // Only a byte-identical request from the same caller gets a recorded answer; it is kept
  // as sent, so that a replay costs this process as little as a remote region would cost.
  const key = `${req.method} ${req.url} ${headers.authorization} ${read.text ?? ""}`;
  let answer = answers.get(key);
  if (!answer) {
    const code = (req.url ?? "").split("/")[1] ?? "";
    const stand = registry.get(code) ? code : registry.regions[Number(code.split("-")[1]) % registry.regions.length]?.code;
    if (!stand) return sendError(res, 404, "NOT_FOUND", `no region ${code}`);
    try {
      const r = await fetch(`${direct.url}${(req.url ?? "").replace(`/${code}/`, `/${stand}/`)}`, {
        method: req.method,
        headers,
        body: swap(read.text ?? "", code, stand),
      });
      answer = { status: r.status, type: r.headers.get("content-type") ?? "application/json", body: swap(await r.text(), stand, code) };
      answers.set(key, answer);
    } catch (err) {
      return sendError(res, 502, "REGION_UNAVAILABLE", `recording the host's answer failed: ${String(err)}`);
    }
  }
  const { status, type, body } = answer;
  setTimeout(() => sendJsonText(res, status, body, { "content-type": type }), delay);
};
// REPLAY_ORIGINS ports replay alike: a region per origin, as when each is its own machine
// (a client keeps a pool of connections per origin).
const replayed = await Promise.all(
  Array.from({ length: Number(process.env.REPLAY_ORIGINS ?? 1) }, () => listen((req, res) => void replay(req, res))),
);
console.log([delayed, direct, ...replayed].map((l) => l.url).join(" "));
process.once("SIGTERM", () => process.exit(0));
