// Configuration from the environment, parsed with zod; bad values stop the process with
// a message naming the variable, never printing its value (it may be a secret).
import { z } from "zod";
import { DEFAULT_MAX_LIFETIME_S } from "./auth.js";
import { DEFAULT_LIMITS, type QueryLimits } from "./limits.js";

/** An environment variable that counts as unset when empty (`FOO= npm start`). */
export const optionalEnv = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

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

/**
 * Token verification settings, shared by the gateway and the region hosts: JWKS_URL (with
 * JWT_ISSUER and JWT_AUDIENCE) in production, or JWT_SECRET (HS256) in development. With
 * NODE_ENV=production a shared secret is refused unless JWT_ALLOW_HS256=true (anyone who
 * holds it can mint any identity), and the keys must come over https.
 */
export const authEnv = z
  .object({
    NODE_ENV: z.string().default("development"),
    JWT_SECRET: optionalEnv(z.string().min(32, "must be at least 32 characters")),
    JWKS_URL: optionalEnv(z.url()),
    JWT_ISSUER: optionalEnv(z.string()),
    JWT_AUDIENCE: optionalEnv(z.string()),
    /** Longest accepted token lifetime, in seconds. */
    JWT_MAX_LIFETIME: z.coerce.number().int().min(60).default(DEFAULT_MAX_LIFETIME_S),
    JWT_ALLOW_HS256: optionalEnv(z.enum(["true", "false"])).transform((v) => v === "true"),
  })
  .refine((e) => e.JWT_SECRET || e.JWKS_URL, { message: "set JWT_SECRET (development) or JWKS_URL (production)", path: ["JWT_SECRET"] })
  .refine((e) => !e.JWKS_URL || (e.JWT_ISSUER && e.JWT_AUDIENCE), { message: "JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE", path: ["JWKS_URL"] })
  .refine((e) => e.NODE_ENV !== "production" || e.JWKS_URL || e.JWT_ALLOW_HS256, {
    message: "NODE_ENV=production verifies tokens with an identity provider's keys (JWKS_URL); a shared secret only with JWT_ALLOW_HS256=true",
    path: ["JWT_SECRET"],
  })
  .refine((e) => e.NODE_ENV !== "production" || !e.JWKS_URL || e.JWKS_URL.startsWith("https://"), {
    message: "must be an https:// URL with NODE_ENV=production",
    path: ["JWKS_URL"],
  });

/**
 * Request limits, the same variables and defaults at the gateway and at every region host
 * (regional offices expose their subgraphs directly, so both must refuse the same requests).
 */
export const limitsEnv = z.object({
  MAX_TOKENS: z.coerce.number().int().min(50).default(DEFAULT_LIMITS.maxTokens),
  MAX_DEPTH: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxDepth),
  MAX_ALIASES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxAliases),
  MAX_COST: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxCost),
  MAX_DIRECTIVES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxDirectives),
  MAX_FRAGMENTS: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxFragments),
  MAX_SPREADS: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxSpreads),
  MAX_FIELDS: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxFields),
  MAX_REPRESENTATIONS: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxRepresentations),
});

export function limitsFromEnv(env: z.infer<typeof limitsEnv>): QueryLimits {
  return {
    ...DEFAULT_LIMITS,
    maxTokens: env.MAX_TOKENS,
    maxDepth: env.MAX_DEPTH,
    maxAliases: env.MAX_ALIASES,
    maxCost: env.MAX_COST,
    maxDirectives: env.MAX_DIRECTIVES,
    maxFragments: env.MAX_FRAGMENTS,
    maxSpreads: env.MAX_SPREADS,
    maxFields: env.MAX_FIELDS,
    maxRepresentations: env.MAX_REPRESENTATIONS,
  };
}
