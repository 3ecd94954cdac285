// Small helpers shared by the runnable scripts: failing fast on bad configuration and
// shutting down cleanly on Ctrl-C / SIGTERM.
import { z } from "zod";

/** An environment variable that counts as unset when empty (`FOO= npm start`). */
export const optionalEnv = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

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
