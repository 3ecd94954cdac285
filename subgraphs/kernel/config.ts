// Configuration from the environment: every variable any process reads is declared once
// here (its validation, its default, what it means), with the rules that tie several
// together; each process composes its configuration from these (`env(...)`), and the
// README's environment table is generated from the same declarations (`npm run env-table`).
// Bad values stop the process with a message naming the variable, never printing its value
// (it may be a secret).
import { z } from "zod";
import { DEFAULT_MAX_LIFETIME_S } from "./auth.js";
import { publicJwk } from "./keys.js";
import { DEFAULT_LEASE_MS } from "./lease.js";
import { DEFAULT_LIMITS, type QueryLimits } from "./limits.js";

const portNumber = z.coerce.number().int().min(0).max(65535);

/** A port argument (`--port`) with its default. */
export const port = (fallback: number) => portNumber.default(fallback);

/** Parses with zod; on failure prints which setting is wrong (never its value) and exits. */
export function parseOrExit<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    process.stderr.write(`invalid ${what} '${issue.path.join(".") || "(root)"}': ${issue.message}\n`);
  }
  process.exit(2);
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits; a second signal exits at once. */
export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`\n${signal}: shutting down\n`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
}

interface VariableOptions<S extends z.ZodType> {
  /** The value when unset, in every process that reads it (unless the process gives its own). */
  default?: z.output<S>;
  /** What an unset variable without a default means (for the README). */
  unset?: string;
}

const variable = <S extends z.ZodType, const O extends VariableOptions<S> = object>(schema: S, description: string, options?: O) =>
  ({ schema, description, ...options }) as { schema: S; description: string } & O;

const ms = (min: number) => z.coerce.number().int().min(min);
const limit = (min: number, fallback: number, description: string) =>
  variable(z.coerce.number().int().min(min), description, { default: fallback });
const SECRET = z.string().min(32, "must be at least 32 characters");

/** Every environment variable of every process, in the README's order. */
export const VARIABLES = {
  NODE_ENV: variable(
    z.string(),
    "`production`: the production rules below apply, no introspection or landing page, unexpected errors masked; `npm start` refuses to run",
    { default: "development" },
  ),
  LOG_LEVEL: variable(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), "level of the structured logs (pino)", {
    unset: "`info` (`silent` with `NODE_ENV=test`)",
  }),
  // Every process that listens has its own default port.
  PORT: variable(portNumber, "port to listen on (`0`: any free port)"),
  HOST: variable(z.string().min(1), "address to listen on", { default: "127.0.0.1" }),

  MONGODB_URI: variable(
    z.string().startsWith("mongodb", "must be a mongodb:// or mongodb+srv:// URI"),
    "the MongoDB server holding the regions' databases",
  ),
  MONGO_PORT: variable(portNumber, "port of the embedded engine when `MONGODB_URI` is unset (`0`: any free port)", { default: 0 }),
  DB_PREFIX: variable(
    z.string().regex(/^[a-z][a-z0-9_]{0,30}$/, "lower-case letters, digits and _ only"),
    "one database per region: `<DB_PREFIX>_kz_75`, …",
    {
      default: "aidgraph",
    },
  ),
  REGIONS: variable(z.string().min(1), "the regions served or seeded: `all` or codes (`KZ-75,KZ-43`)", { default: "all" }),
  REGISTRY: variable(
    z.string().min(1),
    "path of the region registry JSON: every region's subgraph URLs (the gateway), the other regions' URLs and public keys (transfers); with `NODE_ENV=production` only https addresses",
    { unset: "Kazakhstan's 20 regions (built in)" },
  ),
  PSEUDONYM_KEY: variable(SECRET, "HMAC key for national ID numbers (≥ 32 characters); a region's hosts and `npm run seed` share it"),
  NATIONAL_MATCH_KEY: variable(
    SECRET,
    "HMAC key (≥ 32 characters, not `PSEUDONYM_KEY`) of the national match token by which regions find a household enrolled in more than one of them; the same in every region, and `npm run seed`",
    { unset: "no cross-region duplicate check: every enrolment lists every other region in `duplicateCheckMissing`" },
  ),

  JWT_SECRET: variable(
    SECRET,
    "HS256 secret for tokens (≥ 32 characters): development; with `NODE_ENV=production` only with `JWT_ALLOW_HS256=true`",
  ),
  JWT_ALLOW_HS256: variable(
    z.enum(["true", "false"]).transform((v) => v === "true"),
    "`true` accepts `JWT_SECRET` with `NODE_ENV=production` (whoever holds it can mint any identity)",
    { default: false },
  ),
  JWKS_URL: variable(z.url(), "the identity provider's keys (RS256/ES256), for production; needs `JWT_ISSUER` and `JWT_AUDIENCE`"),
  JWT_ISSUER: variable(z.string(), "the tokens' issuer (`iss`): when set, checked in every token (`npm run token` writes it)"),
  JWT_AUDIENCE: variable(z.string(), "the tokens' audience (`aud`): when set, checked in every token (`npm run token` writes it)"),
  JWT_MAX_LIFETIME: variable(z.coerce.number().int().min(60), "longest token lifetime accepted, in seconds", {
    default: DEFAULT_MAX_LIFETIME_S,
  }),

  SUPERGRAPH: variable(z.string(), "the composed schema the gateway serves (`npm run compose` writes it)", {
    unset: "`schema/supergraph.graphql`",
  }),
  GATEWAY_KEY: variable(
    z.string(),
    "the gateway's private Ed25519 key file (`npm run gateway-key`): it signs a per-region assertion of each caller; without it (development only) callers' tokens are forwarded",
  ),
  REGION_TIMEOUT_MS: variable(
    ms(50).max(120_000),
    "how long a region may take: then its part is `null` with `REGION_UNAVAILABLE`; region hosts read the gateway's value (set the same at both) to keep their own waits within it",
    { default: 5000 },
  ),
  HEALTH_INTERVAL_MS: variable(ms(500), "how often the gateway checks every region's health", { default: 10_000 }),
  CORS_ORIGINS: variable(z.string(), "origins browsers may call from: `*`, a comma-separated list, or `none`", { default: "*" }),
  CONSOLE: variable(z.enum(["on", "off"]), "`off`: the gateway does not serve the web console at `/`", { default: "on" }),
  OIDC_ISSUER: variable(
    z.url(),
    "the identity provider the console signs people in with (OpenID Connect, code flow with PKCE); needs `OIDC_CLIENT_ID`, and `JWKS_URL` for its tokens",
    { unset: "the console takes a pasted token (development only)" },
  ),
  OIDC_CLIENT_ID: variable(z.string().min(1), "the console's client id at `OIDC_ISSUER` (a public client: no secret)"),
  EXPORT_MIN_COUNT: variable(
    z.coerce.number().int().min(1).max(1000),
    "the smallest count a 3W export publishes: counts from 1 to this less one are left empty, so no small group of people can be singled out (0 shows as 0)",
    { default: 5 },
  ),

  GATEWAY_PUBLIC_KEY: variable(
    z.string().transform((text, ctx) => {
      try {
        return publicJwk.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({ code: "custom", message: "must be the gateway's public Ed25519 JWK as JSON" });
        return z.NEVER;
      }
    }),
    "the gateway's public key as JSON (printed by `npm run gateway-key`): its assertions of callers are then accepted",
  ),
  TRANSFER_KEYS: variable(
    z.string(),
    "file of the served regions' private Ed25519 signing keys (`npm run transfer-keys`) for transfers; required with `NODE_ENV=production`",
    { unset: "fresh keys at each start: transfers only within this host" },
  ),
  // The outbox's own defaults: the region host gives them (the kernel does not import it).
  OUTBOX_RETRY_BASE_MS: variable(ms(10), "a region-to-region message is retried first after about this long, doubling…"),
  OUTBOX_RETRY_MAX_MS: variable(ms(10), "…up to this"),
  OUTBOX_TIMEOUT_MS: variable(ms(100), "how long one delivery attempt to another region may take"),
  LEASE_MS: variable(
    ms(1000),
    "how long a replica may go without renewing its lease on an operation it runs (a GC pause, a slow database) before another replica of the region takes it over; every replica of a region the same; recovery runs every half of it",
    { default: DEFAULT_LEASE_MS },
  ),
  OUTBOX_WAIT_MS: variable(
    ms(10),
    "how long a mutation that needs another region (`cancelTransfer`) waits for it before answering with what is recorded; at most half of `REGION_TIMEOUT_MS`",
    { unset: "40 % of `REGION_TIMEOUT_MS`" },
  ),

  // Request limits: the gateway and every region host read the same ones (regional offices
  // expose their subgraphs directly, so both must refuse the same requests).
  MAX_TOKENS: limit(50, DEFAULT_LIMITS.maxTokens, "lexical tokens in a document"),
  MAX_FRAGMENTS: limit(0, DEFAULT_LIMITS.maxFragments, "fragment definitions in a document"),
  MAX_SPREADS: limit(0, DEFAULT_LIMITS.maxSpreads, "fragment spreads in a document"),
  MAX_DIRECTIVES: limit(0, DEFAULT_LIMITS.maxDirectives, "directive uses in a document"),
  MAX_FIELDS: limit(1, DEFAULT_LIMITS.maxFields, "fields an operation expands to, every spread in full"),
  MAX_DEPTH: limit(1, DEFAULT_LIMITS.maxDepth, "depth of an operation"),
  MAX_ALIASES: limit(0, DEFAULT_LIMITS.maxAliases, "aliases in an operation"),
  MAX_COST: limit(1, DEFAULT_LIMITS.maxCost, "estimated cost of an operation"),
  MAX_REPRESENTATIONS: limit(1, DEFAULT_LIMITS.maxRepresentations, "representations in one `_entities` call (or one batch)"),
};

type Variables = typeof VARIABLES;
export type VariableName = keyof Variables;
type Value<K extends VariableName> = z.output<Variables[K]["schema"]>;
type WithDefault = { [K in VariableName]: Variables[K] extends { default: unknown } ? K : never }[VariableName];

/** How tokens are verified: JWKS_URL (with issuer and audience) in production, JWT_SECRET in development. */
export const AUTH_VARIABLES = [
  "NODE_ENV",
  "JWT_SECRET",
  "JWT_ALLOW_HS256",
  "JWKS_URL",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "JWT_MAX_LIFETIME",
] as const;
/** The request limits' variables, each with the limit it sets. */
const LIMIT_FIELDS = {
  MAX_TOKENS: "maxTokens",
  MAX_FRAGMENTS: "maxFragments",
  MAX_SPREADS: "maxSpreads",
  MAX_DIRECTIVES: "maxDirectives",
  MAX_FIELDS: "maxFields",
  MAX_DEPTH: "maxDepth",
  MAX_ALIASES: "maxAliases",
  MAX_COST: "maxCost",
  MAX_REPRESENTATIONS: "maxRepresentations",
} as const satisfies Partial<Record<VariableName, keyof QueryLimits>>;
type LimitVariable = keyof typeof LIMIT_FIELDS;
export const LIMIT_VARIABLES = Object.keys(LIMIT_FIELDS) as LimitVariable[];

/** A condition on several variables; it applies to every process that reads all of them. */
interface Rule {
  variables: readonly VariableName[];
  /** The variable the error names. */
  path: VariableName;
  message: string;
  holds: (env: Record<string, unknown>) => unknown;
}

const rule = <const N extends VariableName>(
  variables: readonly N[],
  path: N,
  message: string,
  holds: (env: { [K in N]?: Value<K> }) => unknown,
): Rule => ({
  variables,
  path,
  message,
  holds: holds as Rule["holds"],
});

export const RULES: readonly Rule[] = [
  rule(
    ["JWT_SECRET", "JWKS_URL"],
    "JWT_SECRET",
    "set JWT_SECRET (development) or JWKS_URL (production)",
    (e) => e.JWT_SECRET || e.JWKS_URL,
  ),
  rule(
    ["JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"],
    "JWKS_URL",
    "JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE",
    (e) => !e.JWKS_URL || (e.JWT_ISSUER && e.JWT_AUDIENCE),
  ),
  // Anyone who holds a shared secret can mint any identity.
  rule(
    ["NODE_ENV", "JWT_SECRET", "JWKS_URL", "JWT_ALLOW_HS256"],
    "JWT_SECRET",
    "NODE_ENV=production verifies tokens with an identity provider's keys (JWKS_URL); a shared secret only with JWT_ALLOW_HS256=true",
    (e) => e.NODE_ENV !== "production" || e.JWKS_URL || e.JWT_ALLOW_HS256,
  ),
  rule(
    ["NODE_ENV", "JWKS_URL"],
    "JWKS_URL",
    "must be an https:// URL with NODE_ENV=production",
    (e) => e.NODE_ENV !== "production" || !e.JWKS_URL || e.JWKS_URL.startsWith("https://"),
  ),
  rule(["OIDC_ISSUER", "OIDC_CLIENT_ID"], "OIDC_ISSUER", "OIDC_ISSUER needs OIDC_CLIENT_ID", (e) => !e.OIDC_ISSUER || e.OIDC_CLIENT_ID),
  rule(["OIDC_ISSUER", "OIDC_CLIENT_ID"], "OIDC_CLIENT_ID", "OIDC_CLIENT_ID needs OIDC_ISSUER", (e) => !e.OIDC_CLIENT_ID || e.OIDC_ISSUER),
  // The console's tokens come from the provider; the gateway must be able to check them.
  rule(["OIDC_ISSUER", "JWKS_URL"], "OIDC_ISSUER", "OIDC_ISSUER needs JWKS_URL (the provider's keys)", (e) => !e.OIDC_ISSUER || e.JWKS_URL),
  rule(
    ["NODE_ENV", "OIDC_ISSUER"],
    "OIDC_ISSUER",
    "must be an https:// URL with NODE_ENV=production",
    (e) => e.NODE_ENV !== "production" || !e.OIDC_ISSUER || e.OIDC_ISSUER.startsWith("https://"),
  ),
  // A caller waiting on another region must hear back before the gateway gives up on this one.
  rule(
    ["OUTBOX_WAIT_MS", "REGION_TIMEOUT_MS"],
    "OUTBOX_WAIT_MS",
    "must be at most half of REGION_TIMEOUT_MS (the gateway's timeout for a region), leaving the rest for the mutation's own work",
    (e) => e.OUTBOX_WAIT_MS === undefined || e.REGION_TIMEOUT_MS === undefined || e.OUTBOX_WAIT_MS * 2 <= e.REGION_TIMEOUT_MS,
  ),
  // The match token is compared across regions: under a region's own key it would be a hash
  // of the national ID that region's data could be matched against.
  rule(
    ["PSEUDONYM_KEY", "NATIONAL_MATCH_KEY"],
    "NATIONAL_MATCH_KEY",
    "must differ from PSEUDONYM_KEY (tokens other regions see must not match a region's own stored hashes)",
    (e) => !e.NATIONAL_MATCH_KEY || e.NATIONAL_MATCH_KEY !== e.PSEUDONYM_KEY,
  ),
  rule(
    ["NODE_ENV", "GATEWAY_KEY"],
    "GATEWAY_KEY",
    "is required with NODE_ENV=production: without it the gateway would hand every region the caller's own token (see npm run gateway-key)",
    (e) => e.NODE_ENV !== "production" || e.GATEWAY_KEY,
  ),
];

/** How one process reads a variable, for the README. */
export type Reading = { name: VariableName; required: true } | { name: VariableName; required: false; default?: unknown; unset?: string };

export interface ProcessDoc {
  /** The npm script that runs the process. */
  script: string;
  readings: Reading[];
  rules: Rule[];
}

type Simplify<T> = { [K in keyof T]: T[K] };
/** The parsed environment: variables with a default or required are always there. */
export type EnvOf<N extends VariableName, Present extends VariableName> = Simplify<
  { [K in N & Present]: Value<K> } & { [K in Exclude<N, Present>]?: Value<K> }
>;

/** A process's environment schema (parse `process.env` with it), with what the README shows of it. */
export type ProcessEnv<T> = z.ZodType<T> & { readonly doc: ProcessDoc };

const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

/**
 * The environment of the process run by `npm run <script>`: the variables `names`, each as
 * the registry declares it, but for the process's own `defaults`, the variables it cannot
 * run without (`required`) and, for the README, what an unset one means there (`unset`).
 * Every rule whose variables the process reads applies. An empty value counts as unset
 * (`FOO= npm start`).
 */
export function env<const N extends VariableName, const D extends { [K in N]?: Value<K> } = object, const R extends N = never>(
  script: string,
  names: readonly N[],
  options: { defaults?: D; required?: readonly R[]; unset?: { [K in N]?: string } } = {},
): ProcessEnv<EnvOf<N, WithDefault | R | (keyof D & VariableName)>> {
  const shape: Record<string, z.ZodType> = {};
  const readings: Reading[] = [];
  for (const name of names) {
    const declared: { schema: z.ZodType; default?: unknown; unset?: string } = VARIABLES[name];
    const fallback = (options.defaults as Record<string, unknown> | undefined)?.[name] ?? declared.default;
    if ((options.required as readonly string[] | undefined)?.includes(name)) {
      readings.push({ name, required: true });
      shape[name] = z.preprocess((value, ctx) => {
        const set = unsetIfEmpty(value);
        if (set === undefined) ctx.addIssue({ code: "custom", message: "is required" });
        return set;
      }, declared.schema);
    } else {
      readings.push({ name, required: false, default: fallback, unset: options.unset?.[name] ?? declared.unset });
      shape[name] = z.preprocess(
        unsetIfEmpty,
        fallback === undefined ? declared.schema.optional() : declared.schema.default(fallback as never),
      );
    }
  }
  const rules = RULES.filter((r) => r.variables.every((v) => (names as readonly string[]).includes(v)));
  let schema: z.ZodType<Record<string, unknown>> = z.object(shape);
  for (const r of rules) {
    schema = schema.refine(r.holds, {
      message: r.message,
      path: [r.path],
      // Checked once its own variables are valid, whatever else is wrong.
      when: (payload) => payload.issues.every((issue) => !(r.variables as readonly PropertyKey[]).includes(issue.path?.[0] as PropertyKey)),
    });
  }
  return Object.assign(schema, { doc: { script, readings, rules } }) as never;
}

export function limitsFromEnv(env: Record<LimitVariable, number>): QueryLimits {
  const limits: QueryLimits = { ...DEFAULT_LIMITS };
  for (const name of LIMIT_VARIABLES) limits[LIMIT_FIELDS[name]] = env[name];
  return limits;
}

// The scripts' environments sit here rather than in the scripts, which run when imported,
// so that the README's table can list them; the gateway's and the region host's live with
// them (gateway/config.ts, subgraphs/host/main.ts).

/** `npm start`: everything in one process; unset secrets are made at random. */
export const startEnv = env(
  "start",
  [
    "NODE_ENV",
    "LOG_LEVEL",
    "PORT",
    "HOST",
    "MONGODB_URI",
    "MONGO_PORT",
    "REGIONS",
    "DB_PREFIX",
    "JWT_SECRET",
    "PSEUDONYM_KEY",
    "NATIONAL_MATCH_KEY",
    "REGION_TIMEOUT_MS",
    "CONSOLE",
  ],
  {
    defaults: { PORT: 4000 },
    unset: {
      MONGODB_URI: "the embedded engine, in memory",
      JWT_SECRET: "random at each start",
      PSEUDONYM_KEY: "random at each start",
      NATIONAL_MATCH_KEY: "random at each start",
    },
  },
);

/** `npm run seed`: demo data into the hosts' databases, hashed with their key. */
export const seedEnv = env("seed", ["MONGODB_URI", "REGIONS", "DB_PREFIX", "PSEUDONYM_KEY", "NATIONAL_MATCH_KEY", "REGISTRY"], {
  required: ["MONGODB_URI", "PSEUDONYM_KEY"],
});

/** `npm run token`: a development token. */
export const tokenEnv = env("token", ["JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE"], { required: ["JWT_SECRET"] });
