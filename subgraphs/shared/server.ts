// The region host: one HTTP server serving any number of subgraph kinds for any number
// of regions at `/<REGION>/<subgraph>/graphql`. One schema (and one Apollo Server) per
// subgraph kind serves all its regions; the region comes from the request path.
// Building the handler and listening are separate.
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import type { GraphQLSchema } from "graphql";
import type { Db, MongoClient } from "mongodb";
import { Access, authenticate, type AuthConfig } from "./auth.js";
import { Loaders, type SubgraphContext } from "./context.js";
import { appError, formatError } from "./errors.js";
import type { Logger } from "./log.js";
import { ensureIndexes, regionDbName, type IndexPlan } from "./mongo.js";
import type { RegionInfo, RegionRegistry, SubgraphName } from "./regions.js";

export interface SubgraphDefinition {
  name: SubgraphName;
  schema: GraphQLSchema;
  indexes: IndexPlan;
  /** Runs once per hosted region at start-up, after indexes (e.g. crash recovery). */
  onRegionStart?: (db: Db, region: RegionInfo, log: Logger) => Promise<void>;
}

export interface RegionHostOptions {
  subgraphs: SubgraphDefinition[];
  regions: RegionInfo[];
  registry: RegionRegistry;
  mongo: MongoClient;
  dbPrefix: string;
  auth: AuthConfig;
  /** Deployment secret for keyed hashes (e.g. national ID numbers); never leaves the host. */
  pseudonymKey: string;
  log: Logger;
  maxBodyBytes?: number;
  /** With NODE_ENV=production: no introspection. */
  production?: boolean;
}

export interface RegionHost {
  handler: http.RequestListener;
  db(region: string): Db;
  stop(): Promise<void>;
}

const PATH = /^\/([A-Z]{2}-[A-Z0-9]{1,3})\/([a-z]+)\/graphql\/?$/;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

class BodyTooLarge extends Error {}

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function createRegionHost(options: RegionHostOptions): Promise<RegionHost> {
  const { registry, log } = options;
  const maxBody = options.maxBodyBytes ?? 1_000_000;
  const keyedHash = (purpose: string, value: string) =>
    createHmac("sha256", options.pseudonymKey).update(`${purpose}\0${value}`).digest("hex");
  const hosted = new Map(options.regions.map((r) => [r.code, r]));
  const dbs = new Map(options.regions.map((r) => [r.code, options.mongo.db(regionDbName(options.dbPrefix, r.code))]));

  for (const region of options.regions) {
    const db = dbs.get(region.code)!;
    for (const sub of options.subgraphs) {
      await ensureIndexes(db, sub.indexes);
      await sub.onRegionStart?.(db, region, log);
    }
  }

  const servers = new Map<string, ApolloServer<SubgraphContext>>();
  for (const sub of options.subgraphs) {
    const server = new ApolloServer<SubgraphContext>({
      schema: sub.schema,
      introspection: !options.production,
      includeStacktraceInErrorResponses: false,
      formatError: (formatted, error) =>
        formatError(formatted, error, (err) => log.error({ err, subgraph: sub.name }, "internal error in resolver")),
      // Clients are the gateway and regional tools, which send JSON.
      csrfPrevention: true,
    });
    await server.start();
    servers.set(sub.name, server);
  }

  const handler: http.RequestListener = (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      log.error({ err }, "request failed");
      if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "internal error");
      else res.destroy();
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/health") {
      return sendJson(res, 200, { status: "ok", regions: [...hosted.keys()], subgraphs: [...servers.keys()] });
    }
    const match = PATH.exec(url.pathname);
    if (!match) return sendError(res, 404, "NOT_FOUND", `no such endpoint ${url.pathname}; use /<REGION>/<subgraph>/graphql`);
    const [, code, name] = match as unknown as [string, string, string];
    const region = hosted.get(code);
    if (!region) {
      return sendError(res, 404, "NOT_FOUND", `region ${code} is not served by this host (serves ${[...hosted.keys()].join(", ")})`);
    }
    const server = servers.get(name);
    if (!server) return sendError(res, 404, "NOT_FOUND", `subgraph ${name} is not served by this host`);

    let body: unknown;
    if (req.method === "POST") {
      let text: string;
      try {
        text = await readBody(req, maxBody);
      } catch (err) {
        if (err instanceof BodyTooLarge) return sendError(res, 413, "BAD_REQUEST", `request body exceeds ${maxBody} bytes`);
        throw err;
      }
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return sendError(res, 400, "BAD_REQUEST", "request body is not valid JSON");
      }
    }

    let access: Access;
    try {
      access = new Access(await authenticate(req.headers.authorization, options.auth));
    } catch (err) {
      const e = err as ReturnType<typeof appError>;
      return sendJson(res, 401, { errors: [{ message: e.message, extensions: { code: "UNAUTHENTICATED" } }] });
    }

    // Every subgraph operation needs a caller; what anonymous users may see (region
    // names and status) the gateway answers itself.
    if (!access.caller) {
      return sendJson(res, 401, {
        errors: [{ message: "authentication required: send 'Authorization: Bearer <token>'", extensions: { code: "UNAUTHENTICATED" } }],
      });
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = { method: req.method ?? "GET", headers, search: url.search, body };
    const context: SubgraphContext = {
      region,
      subgraph: name as SubgraphName,
      registry,
      db: dbs.get(code)!,
      access,
      loaders: new Loaders(),
      log,
      keyedHash,
    };
    const result = await server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => context });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  return {
    handler,
    db: (region) => {
      const db = dbs.get(region);
      if (!db) throw new Error(`region ${region} is not hosted here`);
      return db;
    },
    stop: async () => {
      await Promise.all([...servers.values()].map((s) => s.stop()));
    },
  };
}

export interface Listening {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens with keep-alive; `close` stops accepting, lets requests finish, then closes idle sockets. */
export async function listen(handler: http.RequestListener, port = 0, host = "127.0.0.1"): Promise<Listening> {
  const server = http.createServer({ keepAliveTimeout: 65_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `http://${host}:${actual}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
