// The one error module: every error a client may see carries one of these codes in
// `extensions.code` and a message that names the problem. Anything else is masked.
import { GraphQLError, type GraphQLFormattedError } from "graphql";

export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  INSUFFICIENT_STOCK: "INSUFFICIENT_STOCK",
  ENTITLEMENT_EXCEEDED: "ENTITLEMENT_EXCEEDED",
  REGION_UNAVAILABLE: "REGION_UNAVAILABLE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;
export type ErrorCode = keyof typeof ErrorCode;

/** Codes whose messages are written for the client and pass through unmasked. */
const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== "INTERNAL_SERVER_ERROR"),
  // GraphQL's own request errors (parse, validation, variable coercion)
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

export function appError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const badInput = (message: string, extensions?: Record<string, unknown>) => appError("BAD_USER_INPUT", message, extensions);
export const notFound = (message: string, extensions?: Record<string, unknown>) => appError("NOT_FOUND", message, extensions);
export const conflict = (message: string, extensions?: Record<string, unknown>) => appError("CONFLICT", message, extensions);
export const forbidden = (message: string, extensions?: Record<string, unknown>) => appError("FORBIDDEN", message, extensions);
export const unauthenticated = (message: string) => appError("UNAUTHENTICATED", message);

interface ValidationErrorLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

function describeValidation(errors: ValidationErrorLike[], prefix = ""): string[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m.replace(new RegExp(`^${e.property} `), "")}`);
    return [...own, ...describeValidation(e.children ?? [], path)];
  });
}

/**
 * Apollo Server `formatError`: coded errors pass as they are (minus stack traces);
 * class-validator failures become one BAD_USER_INPUT naming each field; anything
 * unexpected is reported to `onInternal` and masked.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  onInternal: (err: unknown) => void = () => {},
): GraphQLFormattedError {
  const original = (error as { originalError?: unknown })?.originalError ?? error;
  const validationErrors = (original as { extensions?: { validationErrors?: ValidationErrorLike[] } })?.extensions?.validationErrors;
  const base = { path: formatted.path, locations: formatted.locations };
  if (Array.isArray(validationErrors) && validationErrors.length) {
    return {
      ...base,
      message: `invalid input: ${describeValidation(validationErrors).join("; ")}`,
      extensions: { code: "BAD_USER_INPUT" },
    };
  }
  const code = formatted.extensions?.code;
  if (typeof code === "string" && PUBLIC_CODES.has(code)) {
    const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...base, message: formatted.message, extensions };
  }
  onInternal(original);
  return { ...base, message: "internal error", extensions: { code: "INTERNAL_SERVER_ERROR" } };
}

/**
 * What a client should know about an answer that stands (not an error): e.g. that another
 * region has not answered yet and the change it needs takes effect when it does. Sent in
 * the response's `extensions.notices`, by the region host and on through the gateway.
 */
export interface Notice {
  /** AWAITING_REGION: a change waits for a region; REGION_UNAVAILABLE: a national figure lacks a region's word. */
  code: "AWAITING_REGION" | "REGION_UNAVAILABLE";
  message: string;
  /** The field the notice is about. */
  path: Array<string | number>;
  /** The region the notice is about. */
  region: string;
}

const isNotice = (n: unknown): n is Notice => {
  const v = n as Partial<Notice> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.code === "AWAITING_REGION" &&
    typeof v.message === "string" &&
    v.message.length <= 500 &&
    typeof v.region === "string" &&
    v.region.length <= 20 &&
    Array.isArray(v.path) &&
    v.path.length <= 20 &&
    v.path.every((p) => typeof p === "number" || (typeof p === "string" && p.length <= 100))
  );
};

/** The well-formed notices of a response's extensions (what a region sent is checked, not trusted). */
export function noticesOf(extensions: unknown): Notice[] {
  const notices = (extensions as { notices?: unknown } | null | undefined)?.notices;
  return Array.isArray(notices) ? notices.filter(isNotice).slice(0, 100) : [];
}

/** Puts notices into an answer's `extensions.notices` (from an Apollo plugin's willSendResponse). */
export function attachNotices(body: { kind: string; singleResult?: { extensions?: Record<string, unknown> } }, notices: Notice[]): void {
  if (notices.length && body.kind === "single" && body.singleResult) {
    body.singleResult.extensions = { ...body.singleResult.extensions, notices };
  }
}
