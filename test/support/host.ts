// A real region host over HTTP on a free port, backed by the test MongoDB (embedded or
// MONGODB_URI) with a random database prefix, and a client for it.
import { randomBytes } from "node:crypto";
import type { JWK } from "jose";
import type { CommandStartedEvent, Db, MongoClient } from "mongodb";
import { pino, type Logger } from "pino";
import { hs256Config, mintToken, type AuthConfig, type Caller } from "../../subgraphs/kernel/auth.js";
import type { QueryLimits } from "../../subgraphs/kernel/limits.js";
import type { RegionLink } from "../../subgraphs/host/link.js";
import type { RetryPolicy } from "../../subgraphs/host/outbox.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { createRegionHost, listen, type RegionHost, type Listening } from "../../subgraphs/host/server.js";
import type { SubgraphDefinition } from "../../subgraphs/kernel/subgraph.js";
import { connect, randomDbName, startTestMongo, type TestMongo } from "./mongo.js";

export const TEST_SECRET = "test-secret-test-secret-test-secret-0123";
export const TEST_PSEUDONYM_KEY = "test-pseudonym-key-test-pseudonym-key-01";
export const TEST_NATIONAL_MATCH_KEY = "test-national-match-key-test-national-01";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
}

export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as Omit<GraphQLResponse<T>, "status">;
  return { status: res.status, ...body };
}

export interface TestHostOptions {
  /** Use this MongoDB (left running on stop) instead of a fresh one. */
  mongoUri?: string;
  dbPrefix?: string;
  link?: RegionLink;
  retry?: Partial<RetryPolicy>;
  port?: number;
  /** Leave the databases for a host started next on them (a restart). */
  keepData?: boolean;
  limits?: Partial<QueryLimits>;
  /** The gateway's public key, whose assertions the host then accepts. */
  gatewayPublicKey?: JWK;
  clock?: () => Date;
  /** The replica's lease on its operations (default: the project's). */
  leaseMs?: number;
  /** Default: one key for every test host (as every region shares it). */
  nationalMatchKey?: string | null;
  /** As with NODE_ENV=production (no introspection). */
  production?: boolean;
}

export interface TestHost {
  url(region: string, subgraph: string): string;
  /** The host's request handler, for a test server put in front of it. */
  handler: RegionHost["handler"];
  baseUrl: string;
  port: number;
  dbPrefix: string;
  link: RegionLink;
  db(region: string): Db;
  mongo: MongoClient;
  /** Commands the host's MongoDB client started, for asserting query counts. */
  commands: CommandStartedEvent[];
  auth: AuthConfig;
  token(caller: Caller): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestHost(
  subgraphs: SubgraphDefinition[],
  regionCodes = ["KZ-75", "KZ-43"],
  auth: AuthConfig = hs256Config(TEST_SECRET),
  log: Logger = pino({ level: "silent" }),
  options: TestHostOptions = {},
): Promise<TestHost> {
  const testMongo: TestMongo | undefined = options.mongoUri ? undefined : await startTestMongo();
  const mongo = await connect(options.mongoUri ?? testMongo!.uri, { monitorCommands: true });
  const commands: CommandStartedEvent[] = [];
  mongo.on("commandStarted", (e) => commands.push(e));
  const registry = RegionRegistry.load();
  const dbPrefix = options.dbPrefix ?? randomDbName("aidgraph_t");
  const host: RegionHost = await createRegionHost({
    subgraphs,
    regions: regionCodes.map((c) => registry.require(c)),
    registry,
    mongo,
    dbPrefix,
    auth,
    pseudonymKey: TEST_PSEUDONYM_KEY,
    log,
    link: options.link,
    retry: options.retry,
    limits: options.limits,
    gatewayPublicKey: options.gatewayPublicKey,
    clock: options.clock,
    leaseMs: options.leaseMs,
    production: options.production,
    nationalMatchKey: options.nationalMatchKey === null ? undefined : (options.nationalMatchKey ?? TEST_NATIONAL_MATCH_KEY),
  });
  const http: Listening = await listen(host.handler, options.port);
  host.listening(http.url);
  return {
    url: (region, subgraph) => `${http.url}/${region}/${subgraph}/graphql`,
    handler: host.handler,
    baseUrl: http.url,
    port: http.port,
    dbPrefix,
    link: host.link,
    db: (region) => host.db(region),
    mongo,
    commands,
    auth,
    token: (caller) => mintToken(auth, caller),
    stop: async () => {
      await http.close();
      await host.stop();
      if (!options.keepData) await Promise.all(regionCodes.map((c) => host.db(c).dropDatabase()));
      await mongo.close();
      await testMongo?.stop();
    },
  };
}

export const randomSuffix = () => randomBytes(3).toString("hex");
