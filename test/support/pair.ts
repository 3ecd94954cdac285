// Two regions that talk to each other, each with its own region host, port, MongoDB and
// signing key, and each knowing the other's address and public key: what the tests of
// messages between regions (transfers, duplicate checks) run on. A side's host can be
// stopped and started again on the same port and data.
import type { JWK } from "jose";
import type { Logger } from "pino";
import { RegionLink } from "../../subgraphs/host/link.js";
import { hs256Config } from "../../subgraphs/kernel/auth.js";
import { generatePrivateJwk, publicPart } from "../../subgraphs/kernel/keys.js";
import type { SubgraphDefinition } from "../../subgraphs/kernel/subgraph.js";
import { startTestHost, TEST_SECRET, type TestHost, type TestHostOptions } from "./host.js";
import { randomDbName, startTestMongo, type TestMongo } from "./mongo.js";
import { freePort } from "./wait.js";

export interface Side {
  code: string;
  key: JWK;
  mongo: TestMongo;
  dbPrefix: string;
  port: number;
  host?: TestHost;
}

/** A region's own key, MongoDB, database name and port; its host is not started yet. */
export async function makeSide(code: string, dbName: string): Promise<Side> {
  return { code, key: await generatePrivateJwk(), mongo: await startTestMongo(), dbPrefix: randomDbName(dbName), port: await freePort() };
}

/** Starts `side`'s host on its port and data, with `peer` reachable at `peerPort` (default: the peer's own port). */
export async function startSide(
  side: Side,
  peer: Side,
  subgraphs: SubgraphDefinition[],
  log: Logger,
  options: Omit<TestHostOptions, "mongoUri" | "dbPrefix" | "link" | "port" | "keepData"> = {},
  peerPort = peer.port,
): Promise<void> {
  const link = await RegionLink.create({ [side.code]: side.key });
  await link.setPeer(peer.code, { baseUrl: `http://127.0.0.1:${peerPort}` }, publicPart(peer.key));
  side.host = await startTestHost(subgraphs, [side.code], hs256Config(TEST_SECRET), log, {
    ...options,
    mongoUri: side.mongo.uri,
    dbPrefix: side.dbPrefix,
    link,
    port: side.port,
    keepData: true,
  });
}

/** Stops `side`'s host, keeping its data for the next start. */
export async function stopSide(side: Side): Promise<void> {
  await side.host?.stop();
  side.host = undefined;
}
