// MongoDB server error codes the engine can answer with. The names are MongoDB's own
// `codeName`s so that the official driver raises the same error classes as against mongod.
const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  GraphContainsCycle: 5,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  ConflictingUpdateOperators: 40,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  ViewDepthLimitExceeded: 165,
  CommandNotSupportedOnView: 166,
  OptionNotSupportedOnView: 167,
  CannotIndexParallelArrays: 171,
  InvalidViewDefinition: 182,
  InvalidIndexSpecificationOption: 197,
  NotImplemented: 238,
  MergeStageNoMatchingDocument: 13113,
  Location16867: 16867,
  Location16868: 16868,
  Location16990: 16990,
  Location17276: 17276,
  Location28748: 28748,
  Location28811: 28811,
  Location31441: 31441,
  Location31465: 31465,
  Location40105: 40105,
  Location40197: 40197,
  Location40218: 40218,
  Location40228: 40228,
  Location40246: 40246,
  Location40324: 40324,
  Location40414: 40414,
  Location40415: 40415,
  Location40600: 40600,
  Location40601: 40601,
  Location40602: 40602,
  Location51047: 51047,
  Location51132: 51132,
  Location51181: 51181,
  Location51182: 51182,
  Location51183: 51183,
  Location51185: 51185,
  Location51186: 51186,
  Location51198: 51198,
  Location51199: 51199,
  DuplicateKey: 11000,
  Location5858203: 5858203,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;

/** An error that becomes `{ ok: 0, errmsg, code, codeName }` on the wire. */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: ErrorCodeName;
  readonly extra: Record<string, unknown>;

  constructor(codeName: ErrorCodeName, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.codeName = codeName;
    this.code = ErrorCode[codeName];
    this.extra = extra;
  }

  toResponse(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** The per-document shape used inside `writeErrors`. */
  toWriteError(index: number): Record<string, unknown> {
    return { index, code: this.code, codeName: this.codeName, errmsg: this.message, ...this.extra };
  }
}

/** Errors raised for bad input: ours, or mingo's (unknown operators, wrong argument types). */
export function isUserError(err: unknown): boolean {
  return err instanceof CommandError || (err instanceof Error && err.constructor.name === "MingoError");
}

/** Errors thrown by mingo (bad operators, wrong argument types) are the user's bad input. */
export function asCommandError(err: unknown): CommandError {
  if (err instanceof CommandError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // mongod's code for a `$$name` that neither `let` nor the pipeline defines.
  if (message.startsWith("Use of undefined variable")) return new CommandError("Location17276", message);
  return new CommandError("BadValue", message);
}
