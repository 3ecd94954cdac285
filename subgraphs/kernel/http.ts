// HTTP plumbing shared by the region host and the gateway: JSON replies, request bodies
// with a size limit, and running an Apollo Server on a node:http request.
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from "@apollo/server";
import type { GraphQLError, GraphQLFormattedError } from "graphql";
import { Access, verifyCaller, type AuthConfig } from "./auth.js";
import { printableAscii } from "./text.js";

/** The largest request body the gateway and the region hosts read unless told otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** A reply whose JSON is already text. */
export function sendJsonText(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A GraphQL-shaped error reply for requests refused before execution. */
export function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

/** The answer to a request refused before execution: its status from `extensions.http`, the rest as a GraphQL error. */
export function refusal(error: GraphQLError): { status: number; body: { errors: GraphQLFormattedError[] } } {
  const { http: httpExtension, ...extensions } = error.extensions as { http?: { status?: number } } & Record<string, unknown>;
  return { status: httpExtension?.status ?? 400, body: { errors: [{ message: error.message, extensions }] } };
}

export function sendRefusal(res: http.ServerResponse, error: GraphQLError): void {
  const { status, body } = refusal(error);
  sendJson(res, status, body);
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

/** The text body of a POST (undefined for other methods); null after replying 413 itself. */
export async function readTextBody(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  limit: number,
): Promise<{ text: string | undefined } | null> {
  if (req.method !== "POST") return { text: undefined };
  try {
    return { text: await readBody(req, limit) };
  } catch (err) {
    if (!(err instanceof BodyTooLarge)) throw err;
    // The rest of the body is never read: close the connection once the reply is out.
    res.setHeader("connection", "close");
    res.on("finish", () => req.destroy());
    sendError(res, 413, "BAD_REQUEST", `request body exceeds ${limit} bytes`);
    return null;
  }
}

/** The JSON body of a POST (undefined for GET); null after replying 400/413 itself. */
export async function readJsonBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<{ body: unknown } | null> {
  const read = await readTextBody(req, res, limit);
  if (!read) return null;
  try {
    return { body: read.text ? JSON.parse(read.text) : undefined };
  } catch {
    sendError(res, 400, "BAD_REQUEST", "request body is not valid JSON");
    return null;
  }
}

/** The caller's rights from the Authorization header (for `region`, at a region host); null after replying 401 itself. */
export async function requestAccess(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  auth: AuthConfig,
  region?: string,
): Promise<Access | null> {
  try {
    const verified = await verifyCaller(req.headers.authorization, auth, region);
    return new Access(verified?.caller ?? null, verified?.expiresAt);
  } catch (err) {
    sendError(res, 401, "UNAUTHENTICATED", (err as Error).message);
    return null;
  }
}

const REQUEST_ID = printableAscii(200);

/** The gateway tells a region host how long it waits for it: the host's own waits fit within. */
export const REGION_TIMEOUT_HEADER = "x-region-timeout-ms";

/** The request id the caller (or the gateway) sent, for tracing across regions; it lands in audit entries and logs, so only printable ASCII. */
export function requestIdOf(req: http.IncomingMessage): string | undefined {
  const id = req.headers["x-request-id"];
  return typeof id === "string" && REQUEST_ID.test(id) ? id : undefined;
}

export interface GraphQLResult {
  status: number;
  headers: Iterable<[string, string]>;
  /** The JSON response body. */
  body: string;
  /** An HTTP error status, or errors in the response. */
  failed: boolean;
}

/** Whether a request says its body is JSON (which a browser cannot send across origins without asking first). */
export function isJson(req: http.IncomingMessage): boolean {
  return req.headers["content-type"]?.split(";")[0].trim().toLowerCase() === "application/json";
}

/**
 * Whether a request takes a JSON answer, plainly: no Accept header, or one naming JSON or
 * any type, without parameters. Anything subtler is left to Apollo Server's negotiation.
 */
export function acceptsJson(req: http.IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (accept === undefined) return true;
  const types = accept.split(",").map((t) => t.trim().toLowerCase());
  return types.every((t) => !t.includes(";")) && types.some((t) => JSON_TYPES.has(t));
}
const JSON_TYPES = new Set(["application/json", "application/graphql-response+json", "application/*", "*/*"]);

/** The request line and headers Apollo Server reads, taken once per HTTP request. */
export function graphQLRequestOf(req: http.IncomingMessage, search: string): Omit<HTTPGraphQLRequest, "body"> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return { method: req.method ?? "GET", headers, search };
}

/** Executes one GraphQL request (already parsed from JSON) on `server`; Apollo's answer as text. */
export async function runGraphQL<C extends BaseContext>(
  server: ApolloServer<C>,
  request: Omit<HTTPGraphQLRequest, "body">,
  body: unknown,
  context: C,
): Promise<GraphQLResult> {
  const httpGraphQLRequest: HTTPGraphQLRequest = { ...request, body };
  const result = await server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => Promise.resolve(context) });
  let text: string;
  if (result.body.kind === "complete") text = result.body.string;
  else {
    text = "";
    for await (const chunk of result.body.asyncIterator) text += chunk;
  }
  const status = result.status ?? 200;
  return { status, headers: result.headers, body: text, failed: status >= 400 || text.includes('"errors":') };
}

/** Executes a GraphQL HTTP request on `server` and writes Apollo's response. */
export async function executeGraphQL<C extends BaseContext>(
  server: ApolloServer<C>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  body: unknown,
  context: C,
): Promise<{ status: number; failed: boolean }> {
  const result = await runGraphQL(server, graphQLRequestOf(req, url.search), body, context);
  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status;
  res.end(result.body);
  return { status: result.status, failed: result.failed };
}

export interface Listening {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens with keep-alive. `close` stops accepting, lets requests in flight finish (at
 * most `drainMs`, then closes what is left) and closes idle sockets.
 */
export async function listen(handler: http.RequestListener, port = 0, host = "127.0.0.1", drainMs = 10_000): Promise<Listening> {
  const server = createServer({ keepAliveTimeout: 65_000 }, handler);
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
        const deadline = setTimeout(() => server.closeAllConnections(), drainMs);
        deadline.unref();
        server.close((err) => {
          clearTimeout(deadline);
          if (err) reject(err);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

/** Runs an async request handler, turning a thrown error into a 500 without details. */
export function safeHandler(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  onError: (err: unknown) => void,
): http.RequestListener {
  return (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "internal error");
      else res.destroy();
    });
  };
}
