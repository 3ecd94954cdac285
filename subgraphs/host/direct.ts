// A subgraph operation run straight through graphql-js, without Apollo Server's request
// pipeline. A region's share of a national query is four small operations in one batch, and
// per operation Apollo's pipeline (content negotiation, hashing the text, plugin hooks,
// header maps) cost the host about as much as executing it. Only what is certain to succeed
// as a request runs here: a POSTed JSON operation whose document parses, passes Apollo's
// validation rules and names its operation, with variables that coerce. Anything else is
// answered by Apollo Server as before, so every refusal keeps Apollo's codes and statuses.
// What an operation goes through around its execution is the same on both paths (apollo.ts:
// the audit trail, notices, error masking); the caller and the limits are checked before
// either (requests.ts).
import {
  execute,
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type Source,
} from "graphql";
import type { SubgraphContext } from "../kernel/context.js";
import { LruCache } from "../kernel/lru.js";
import { isRecord, MAX_CACHED_QUERY, type QueryLimits } from "../kernel/limits.js";
import type { OperationHooks } from "./apollo.js";

/** The request fields Apollo Server reads from a POSTed operation. */
const FIELDS = new Set(["query", "variables", "operationName", "extensions"]);

/** An operation's answer as the batch endpoint sends it: the status and the JSON body as text. */
export interface DirectAnswer {
  status: number;
  body: string;
}

export class DirectExecution {
  /** Documents by text: valid ones, or null for those Apollo must answer (they do not parse or validate). */
  private readonly documents = new LruCache<string, DocumentNode | null>(500);
  private readonly rules;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly options: { production?: boolean; limits: QueryLimits; hooks: OperationHooks },
  ) {
    // Apollo Server's rules: graphql-js's, and no introspection in production.
    this.rules = options.production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
  }

  /**
   * The answer to `body` (a POSTed JSON operation), or undefined when Apollo Server must
   * answer it: a malformed request, a document that does not parse or validate, an operation
   * it does not name, a subscription, or variables that do not coerce (nothing has run then).
   */
  async run(body: unknown, context: SubgraphContext): Promise<DirectAnswer | undefined> {
    if (!isRecord(body) || Object.keys(body).some((k) => !FIELDS.has(k))) return undefined;
    const { query, variables, operationName, extensions } = body;
    if (typeof query !== "string") return undefined;
    if (variables != null && !isRecord(variables)) return undefined;
    if (operationName != null && typeof operationName !== "string") return undefined;
    // Extensions (a persisted query's hash among them) are Apollo's to read.
    if (extensions != null) return undefined;
    const document = this.document(query);
    const operation = document && getOperationAST(document, operationName ?? undefined);
    if (!document || !operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return undefined;

    this.options.hooks.resolved(context, operation.name?.value ?? null);
    let result: ExecutionResult;
    try {
      result = await execute({
        schema: this.schema,
        document,
        contextValue: context,
        variableValues: variables ?? undefined,
        operationName: operationName ?? undefined,
      });
    } catch {
      // graphql-js throws only for arguments it refuses before running anything.
      return undefined;
    }
    // No data: the variables did not coerce, and nothing ran. Apollo says why, with its code.
    if (result.data === undefined) return undefined;
    const answer: {
      kind: "single";
      singleResult: { errors?: GraphQLFormattedError[]; data: unknown; extensions?: Record<string, unknown> };
    } = { kind: "single", singleResult: { data: result.data, ...(result.extensions ? { extensions: result.extensions } : {}) } };
    let status = 200;
    if (result.errors?.length) {
      const formatted = result.errors.map((error) => this.format(error));
      answer.singleResult.errors = formatted.map((f) => f.error);
      status = formatted.reduce((s, f) => f.status ?? s, status);
    }
    try {
      await this.options.hooks.answering(context, answer);
    } catch (err) {
      // As under Apollo: an answer whose audit entry could not be written is not sent.
      return { status: 500, body: JSON.stringify({ errors: [this.options.hooks.formatError(internal(err), err)] }) };
    }
    const { errors, data, extensions: ext } = answer.singleResult;
    return { status, body: JSON.stringify({ errors, data, extensions: ext }) };
  }

  /** The parsed, validated document for `query`, or null; small texts are kept (clients repeat the same queries). */
  private document(query: string): DocumentNode | null {
    const known = this.documents.get(query);
    if (known !== undefined) return known;
    let document: DocumentNode | null;
    try {
      document = parse(query, { maxTokens: this.options.limits.maxTokens });
      if (validate(this.schema, document, this.rules).length) document = null;
    } catch {
      document = null;
    }
    if (query.length <= MAX_CACHED_QUERY) this.documents.set(query, document && withoutTokens(document));
    return document;
  }

  /**
   * An execution error as Apollo Server formats it: a code (INTERNAL_SERVER_ERROR unless it
   * has one), a well-formed `http` extension taken out as the answer's status, then masked.
   */
  private format(error: GraphQLError): { error: GraphQLFormattedError; status?: number } {
    const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? "INTERNAL_SERVER_ERROR" };
    const http = extensions.http as { status?: unknown; headers?: unknown } | null | undefined;
    let status: number | undefined;
    if (
      http &&
      (http.status === undefined || typeof http.status === "number") &&
      (http.headers === undefined || http.headers instanceof Map)
    ) {
      status = http.status || undefined;
      delete extensions.http;
    }
    try {
      return { error: this.options.hooks.formatError({ ...error.toJSON(), extensions }, error), status };
    } catch {
      // As Apollo answers when formatting itself fails.
      return { error: { message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }, status };
    }
  }
}

/**
 * The document with each node's location cut down to what errors read (where it starts and
 * ends in the text). A parsed node's location links the whole token list, comments included
 * (which no token limit counts), and a kept document would keep all of it.
 */
function withoutTokens(document: DocumentNode): DocumentNode {
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (typeof value !== "object" || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) return value.forEach(walk);
    const node = value as { loc?: { start: number; end: number; source: Source } };
    for (const [key, child] of Object.entries(node)) if (key !== "loc") walk(child);
    if (node.loc) node.loc = { start: node.loc.start, end: node.loc.end, source: node.loc.source };
  };
  walk(document);
  return document;
}

const internal = (err: unknown): GraphQLFormattedError => ({
  message: err instanceof Error ? err.message : String(err),
  extensions: { code: "INTERNAL_SERVER_ERROR" },
});
