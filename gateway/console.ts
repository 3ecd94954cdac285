// The coordinator console (console/, built by Vite into dist/console) served at `/`, on the
// same origin as /graphql so the page needs no CORS. The files are read once at start: a
// request path is only ever a key into that map, never a path on disk.
import { readdirSync, readFileSync, statSync } from "node:fs";
import type http from "node:http";
import { extname, join, relative, sep } from "node:path";
import { projectPath } from "../subgraphs/kernel/paths.js";

/** How the console signs people in: what the page reads from /console.json. */
interface ConsoleSettings {
  /** Pasting a token (the ones `npm start` prints): development only. */
  tokenSignIn: boolean;
  /** OpenID Connect, authorization code with PKCE: production. */
  oidc?: { issuer: string; clientId: string; scope: string; resource?: string };
}

export interface ConsoleOptions extends ConsoleSettings {
  /** The built console (default: dist/console). */
  dir: string;
}

const CONSOLE_CONFIG_PATH = "/console.json";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

interface StaticFile {
  body: Buffer;
  type: string;
  /** Vite's hashed assets never change under their name. */
  immutable: boolean;
}

function readTree(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = "/" + relative(dir, path).split(sep).join("/");
        const type = TYPES[extname(name)];
        if (type) files.set(url, { body: readFileSync(path), type, immutable: url.startsWith("/assets/") });
      }
    }
  };
  walk(dir);
  return files;
}

/** The console's requests: a handler answering GET/HEAD of its files, or undefined when it is not built. */
export function consoleFiles(
  options: ConsoleOptions,
): ((req: http.IncomingMessage, res: http.ServerResponse, path: string) => boolean) | undefined {
  let files: Map<string, StaticFile>;
  try {
    files = readTree(options.dir);
  } catch {
    return undefined;
  }
  const index = files.get("/index.html");
  if (!index) return undefined;
  const settings: ConsoleSettings = { tokenSignIn: options.tokenSignIn, ...(options.oidc ? { oidc: options.oidc } : {}) };
  const config = Buffer.from(JSON.stringify(settings));
  const issuerOrigin = options.oidc ? new URL(options.oidc.issuer).origin : "";
  // Scripts and styles only from this origin; the page talks to /graphql and, when set, the identity provider.
  const policy = [
    "default-src 'self'",
    `connect-src 'self'${issuerOrigin ? ` ${issuerOrigin}` : ""}`,
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action 'self'${issuerOrigin ? ` ${issuerOrigin}` : ""}`,
    "frame-ancestors 'none'",
  ].join("; ");

  return (req, res, path) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    let file = path === CONSOLE_CONFIG_PATH ? { body: config, type: TYPES[".json"], immutable: false } : files.get(path);
    // The page's own routes (/, /region/KZ-75, …) are the page; a missing asset is a 404.
    if (!file && !extname(path)) file = index;
    if (!file) return false;
    res.writeHead(200, {
      "content-type": file.type,
      "content-length": file.body.length,
      "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
      "content-security-policy": policy,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    });
    res.end(req.method === "HEAD" ? undefined : file.body);
    return true;
  };
}

/** The console as the environment asks for it: off, or on with its sign-in. */
export function consoleFromEnv(env: {
  NODE_ENV: string;
  CONSOLE: "on" | "off";
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  JWT_AUDIENCE?: string;
}): ConsoleOptions | undefined {
  if (env.CONSOLE === "off") return undefined;
  return {
    dir: projectPath("dist", "console"),
    // A pasted token is a developer's tool: in production people sign in at the identity provider.
    tokenSignIn: env.NODE_ENV !== "production",
    oidc:
      env.OIDC_ISSUER && env.OIDC_CLIENT_ID
        ? {
            issuer: env.OIDC_ISSUER,
            clientId: env.OIDC_CLIENT_ID,
            scope: "openid",
            ...(env.JWT_AUDIENCE ? { resource: env.JWT_AUDIENCE } : {}),
          }
        : undefined,
  };
}
