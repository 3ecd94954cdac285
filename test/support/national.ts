// A national deployment in one test process, all over real HTTP on free ports: one region
// host serving the four subgraphs for some regions, optional broken regions (a closed
// port; a server that never answers), and a gateway over a registry pointing at them.
import { readFileSync } from "node:fs";
import type http from "node:http";
import { pino, type Logger } from "pino";
import type { ConsoleOptions } from "../../gateway/console.js";
import { GatewayIdentity } from "../../gateway/identity.js";
import { createGateway, type Gateway } from "../../gateway/server.js";
import { registryFor } from "../../gateway/registry.js";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config, mintToken, type AuthConfig, type Caller } from "../../subgraphs/kernel/auth.js";
import { listen, type Listening } from "../../subgraphs/kernel/http.js";
import type { QueryLimits } from "../../subgraphs/kernel/limits.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { waitWithin, type RetryPolicy } from "../../subgraphs/host/outbox.js";
import { postGraphQL } from "./host.js";
import { startTestHost, TEST_SECRET, type TestHost } from "./host.js";
import { freePort } from "./wait.js";

export interface National {
  host: TestHost;
  gateway: Gateway;
  url: string;
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): ReturnType<typeof postGraphQL<T>>;
  token(caller: Caller): Promise<string>;
  stop(): Promise<void>;
}

/** A server that accepts requests and never answers: a region hanging past its timeout. */
async function hangingServer(): Promise<Listening> {
  return listen(() => {
    /* never respond */
  });
}

export interface NationalOptions {
  /** Regions the region host serves. */
  healthy: string[];
  /** Regions whose subgraph URLs point at a closed port. */
  down?: string[];
  /** Regions whose subgraphs accept connections but never answer. */
  hanging?: string[];
  timeoutMs?: number;
  /** Token verification for the gateway and the subgraphs (default: HS256 with TEST_SECRET). */
  auth?: AuthConfig;
  /** Where the region host and the gateway log (default: nowhere). */
  log?: Logger;
  /** Run the gateway as with NODE_ENV=production. */
  production?: boolean;
  /** The gateway forwards callers' tokens instead of its own assertions (as without GATEWAY_KEY). */
  forwardTokens?: boolean;
  /** Request limits for the gateway and the region host alike (default: the project's). */
  limits?: Partial<QueryLimits>;
  /** The region host's outbox policy (default: the project's, waiting at most 40 % of the timeout). */
  retry?: Partial<RetryPolicy>;
  /** A server in front of the healthy regions' host: sees each request (messages between its regions too), answers or passes it on. */
  front?: (req: http.IncomingMessage, res: http.ServerResponse, host: http.RequestListener) => void;
  /** The smallest count the 3W export publishes (default: the gateway's, 5). */
  exportMinCount?: number;
  /** The web console at `/` (off by default). */
  console?: ConsoleOptions;
}

export async function startNational(options: NationalOptions): Promise<National> {
  const auth = options.auth ?? hs256Config(TEST_SECRET);
  const log = options.log ?? pino({ level: "silent" });
  const identity = options.forwardTokens ? undefined : await GatewayIdentity.create();
  const host = await startTestHost(await buildSubgraphs(), options.healthy, auth, log, {
    limits: options.limits,
    gatewayPublicKey: identity?.publicJwk,
    // As a deployment with this gateway's timeout runs its hosts.
    retry: { waitMs: waitWithin(options.timeoutMs ?? 5000), ...options.retry },
  });
  const demo = RegionRegistry.load();
  const downPort = await freePort();
  const hanging = options.hanging?.length ? await hangingServer() : undefined;
  const front = options.front ? await listen((req, res) => options.front!(req, res, host.handler)) : undefined;
  // The front sees every request: the regions' messages to each other too.
  if (front) for (const code of options.healthy) await host.link.setPeer(code, { baseUrl: front.url });
  const hostFor = (code: string) => {
    if (options.down?.includes(code)) return `http://127.0.0.1:${downPort}`;
    if (options.hanging?.includes(code)) return hanging!.url;
    return front?.url ?? host.baseUrl;
  };
  const codes = [...options.healthy, ...(options.down ?? []), ...(options.hanging ?? [])];
  const registry = registryFor(
    codes.map((c) => demo.require(c)),
    hostFor,
  );
  const gateway = await createGateway({
    registry,
    supergraphSdl: readFileSync(projectPath("schema", "supergraph.graphql"), "utf8"),
    auth,
    log,
    timeoutMs: options.timeoutMs ?? 5000,
    healthIntervalMs: 60_000,
    production: options.production,
    limits: options.limits,
    exportMinCount: options.exportMinCount,
    identity,
    console: options.console,
  });
  const server = await listen(gateway.handler);
  const url = `${server.url}/graphql`;
  return {
    host,
    gateway,
    url,
    query: (query, variables = {}, token) => postGraphQL(url, query, variables, token),
    token: (caller) => mintToken(auth, caller),
    stop: async () => {
      hanging?.server.closeAllConnections();
      await Promise.all([server.close(), gateway.stop(), hanging?.close(), front?.close()]);
      await host.stop();
    },
  };
}
