// `/<REGION>/<subgraph>/health`, what the gateway probes: this region's subgraph and its
// database answer.
import type http from "node:http";
import type { Db } from "mongodb";
import { sendJson } from "../../kernel/http.js";

export async function serveHealth(res: http.ServerResponse, db: Db, region: string, subgraph: string): Promise<void> {
  try {
    await db.command({ ping: 1 });
    sendJson(res, 200, { status: "ok", region, subgraph });
  } catch {
    sendJson(res, 503, { status: "unavailable", region, subgraph });
  }
}
