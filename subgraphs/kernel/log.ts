// Structured logs (pino). Nothing personal is ever logged on purpose; the redaction list
// is the safety net for objects that carry such fields by accident.
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export const REDACTED_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "*.phone",
  "*.contactPhone",
  "*.fullName",
  "*.address",
  "*.nationalId",
  "*.description",
  "variables",
  "*.variables",
];

export function createLogger(name: string, destination?: DestinationStream): Logger {
  const level = process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "silent" : "info");
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, destination);
}
