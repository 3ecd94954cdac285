// Configuration from the environment, parsed with zod; bad values stop the process with
// a message naming the variable, never printing its value (it may be a secret).
import { z } from "zod";

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
 * JWT_ISSUER and JWT_AUDIENCE) in production, or JWT_SECRET (HS256) in development.
 */
export const authEnv = z
  .object({
    JWT_SECRET: optionalEnv(z.string().min(32, "must be at least 32 characters")),
    JWKS_URL: optionalEnv(z.url()),
    JWT_ISSUER: optionalEnv(z.string()),
    JWT_AUDIENCE: optionalEnv(z.string()),
  })
  .refine((e) => e.JWT_SECRET || e.JWKS_URL, { message: "set JWT_SECRET (development) or JWKS_URL (production)", path: ["JWT_SECRET"] })
  .refine((e) => !e.JWKS_URL || (e.JWT_ISSUER && e.JWT_AUDIENCE), { message: "JWKS_URL needs JWT_ISSUER and JWT_AUDIENCE", path: ["JWKS_URL"] });
