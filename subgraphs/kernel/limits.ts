// Limits on what one GraphQL request may ask, applied the same way at every entry point
// (the gateway, a region host's subgraph endpoints and its batch endpoint) BEFORE
// validation, planning or any fan-out:
//  - the document is bounded first: a parser token limit, then the number of fragment
//    definitions, fragment spreads and directives;
//  - then one pass, linear in the document's size, measures depth, aliases, an estimated
//    cost and the `_entities` representations. Every fragment is measured once and its
//    measure reused wherever it is spread, so a document whose fragments spread each other
//    twice per level costs no more to measure than to read (its cost grows with the
//    spreads, so it is refused).
// Lists multiply the cost of what they contain: by `first` (literal or variable), by the
// number of regions for `regions`, by the number of representations for `_entities`.
// A field of `Region` other than its code runs a query on a region's database, so it
// weighs REGION_FIELD_WEIGHT.
import { intervalCount } from "./periods.js";
import {
  getNamedType,
  GraphQLError,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  Lexer,
  OperationTypeNode,
  parse,
  SchemaMetaFieldDef,
  Source,
  TypeMetaFieldDef,
  TokenKind,
  valueFromASTUntyped,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { appError } from "./errors.js";
import { LruCache } from "./lru.js";

export interface QueryLimits {
  /** Lexical tokens in the document (graphql-js counts them while parsing; comments are free). */
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  /** Directive uses in the document. */
  maxDirectives: number;
  /** Fragment definitions in the document. */
  maxFragments: number;
  /** Fragment spreads (`...Name`) in the document. */
  maxSpreads: number;
  /**
   * Field selections the operation expands to, every fragment spread counted in full: what
   * the gateway's query planner works through, whatever each field costs to resolve (the
   * contract's largest operation has 22; planning 200 takes tens of milliseconds).
   */
  maxFields: number;
  /** Representations one `_entities` call (or one batch) may carry. */
  maxRepresentations: number;
  /** Assumed length of lists without a `first` argument. */
  defaultListSize: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  // graphql-armor's default; the whole contract is ~450 tokens. A document this size
  // validates in a few milliseconds even in graphql-js's worst (quadratic) case.
  maxTokens: 1000,
  maxDepth: 12,
  maxAliases: 30,
  maxCost: 50_000,
  maxDirectives: 50,
  maxFragments: 50,
  maxSpreads: 100,
  maxFields: 200,
  maxRepresentations: 1000,
  defaultListSize: 20,
};

/** A field of Region (other than `code`) is a query on a region's database. */
export const REGION_FIELD_WEIGHT = 10;

type LimitName =
  "tokens" | "fragments" | "spreads" | "directives" | "fields" | "depth" | "aliases" | "cost" | "representations" | "introspection";

/** A refused request: BAD_USER_INPUT naming the limit, answered with HTTP 400. */
function limitError(limit: LimitName, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return appError("BAD_USER_INPUT", message, { limit, ...extensions, http: { status: 400 } });
}

/** A parsed document within the size limits, with its fragments by name. */
export interface BoundedDocument {
  document: DocumentNode;
  fragments: Map<string, FragmentDefinitionNode>;
  /** Its operations' measures by schema, then by operation and variables (DocumentCache). */
  measures?: WeakMap<GraphQLSchema, LruCache<string, Measure | GraphQLError>>;
}

/** Tokens in `query`, counting at most `max + 1` of them; undefined when it does not even lex. */
function countTokens(query: string, max: number): number | undefined {
  try {
    const lexer = new Lexer(new Source(query));
    let n = 0;
    while (lexer.advance().kind !== TokenKind.EOF && n <= max) n++;
    return n;
  } catch {
    return undefined;
  }
}

/**
 * Parses `query` within the token limit and checks the document's fragments, spreads and
 * directives. Throws a limit error; returns the syntax error (for the server to report as
 * usual) when the text is not GraphQL.
 */
export function boundDocument(query: string, limits: QueryLimits): BoundedDocument | { syntaxError: GraphQLError } {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (err) {
    // Only when parsing failed is the text lexed again, to tell the token limit apart.
    const tokens = countTokens(query, limits.maxTokens);
    if (tokens !== undefined && tokens > limits.maxTokens) {
      throw limitError("tokens", `the document has more than ${limits.maxTokens} tokens; send a smaller query`, { max: limits.maxTokens });
    }
    return { syntaxError: err as GraphQLError };
  }
  const fragments = fragmentsOf(document);
  let spreads = 0;
  let directives = 0;
  if (fragments.size > limits.maxFragments) {
    throw limitError("fragments", `${fragments.size} fragment definitions exceed the limit of ${limits.maxFragments}`, {
      max: limits.maxFragments,
    });
  }
  visit(document, {
    FragmentSpread: () => void spreads++,
    Directive: () => void directives++,
  });
  if (spreads > limits.maxSpreads)
    throw limitError("spreads", `${spreads} fragment spreads exceed the limit of ${limits.maxSpreads}`, { max: limits.maxSpreads });
  if (directives > limits.maxDirectives) {
    throw limitError("directives", `${directives} directives exceed the limit of ${limits.maxDirectives}`, { max: limits.maxDirectives });
  }
  return { document, fragments };
}

/** A document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  return new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
}

/** The operation a request runs, or undefined (the server then reports the problem itself). */
export function operationOf(document: DocumentNode, operationName: unknown): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (typeof operationName === "string" && operationName) return operations.find((o) => o.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

export interface Measure {
  depth: number;
  aliases: number;
  cost: number;
  /** Field selections the document expands to (every fragment spread in full, lists not multiplied). */
  fields: number;
  /** Representations asked of `_entities`. */
  representations: number;
  /** Introspection lists nested in one another (types { fields { type { fields … } } }). */
  introspection: number;
}

const ZERO: Measure = { depth: 0, aliases: 0, cost: 0, fields: 0, representations: 0, introspection: 0 };

/**
 * Introspection costs no database work, and tools ask for the schema with a standard query
 * deeper than MAX_DEPTH (type references nest `ofType` seven times) but with at most three
 * lists in one another (types, fields, args). What can blow up is only lists nested deeper:
 * `types { fields { type { fields { type { fields … } } } } }` multiplies at every level.
 */
const MAX_INTROSPECTION_LISTS = 3;

const isList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type);

/** A `…Connection` type: its `nodes` list is as long as the field's `first`. */
function isConnection(type: GraphQLOutputType): boolean {
  const named = getNamedType(type);
  return isObjectType(named) && "nodes" in named.getFields() && "pageInfo" in named.getFields();
}

export interface MeasureOptions {
  /** What `regions` multiplies by (the gateway's registry size). */
  regions: number;
  defaultListSize: number;
  /** Fields (`Type.field`) every region answers for a record of any region: they cost once per region. */
  perRegion?: ReadonlySet<string>;
  /** What a field costs beyond itself (`Type.field` → cost): the query a national aggregate runs behind it. */
  behind?: ReadonlyMap<string, number>;
}

/** Each schema's entity type names (the `_Entity` union), worked out once. */
const entityTypes = new WeakMap<GraphQLSchema, Set<string>>();

/** Representations must be objects naming one of the schema's entity types; anything else is the caller's error, not ours. */
function checkRepresentations(reps: unknown[], schema: GraphQLSchema): void {
  let types = entityTypes.get(schema);
  if (!types) {
    const entity = schema.getType("_Entity");
    entityTypes.set(schema, (types = new Set(isUnionType(entity) ? entity.getTypes().map((t) => t.name) : [])));
  }
  const bad = reps.findIndex((r) => {
    const typename = typeof r === "object" && r !== null && !Array.isArray(r) ? (r as { __typename?: unknown }).__typename : undefined;
    return typeof typename !== "string" || !types.has(typename);
  });
  if (bad >= 0) {
    throw appError("BAD_USER_INPUT", `representations.${bad}: must be an object whose __typename is an entity type of this subgraph`, {
      field: `representations.${bad}`,
      http: { status: 400 },
    });
  }
}

/**
 * Depth, aliases, estimated cost, expanded size and representations of one operation, in
 * one pass linear in the document's size (each fragment is measured once, then reused).
 * Variables take their defaults from the operation, and `first` its default from the schema,
 * as execution will. Throws BAD_USER_INPUT for malformed `_entities` representations.
 */
export function measureOperation(
  schema: GraphQLSchema,
  bounded: BoundedDocument,
  operation: OperationDefinitionNode,
  given: Record<string, unknown>,
  options: MeasureOptions,
): Measure {
  const memo = new Map<string, Measure>();
  const measuring = new Set<string>();
  const variables: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variables[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  Object.assign(variables, given);

  const argument = (node: FieldNode, def: GraphQLField<unknown, unknown>, name: string): unknown => {
    const arg = node.arguments?.find((a) => a.name.value === name);
    const value = arg ? valueFromASTUntyped(arg.value, variables) : undefined;
    return value ?? def.args.find((a) => a.name === name)?.defaultValue;
  };

  const listSize = (node: FieldNode, def: GraphQLField<unknown, unknown>): number => {
    if (node.name.value === "regions") return options.regions;
    if (node.name.value === "_entities") {
      const reps = argument(node, def, "representations");
      if (reps === undefined || reps === null) return 0;
      // A single value where a list is expected is a list of one.
      const list = Array.isArray(reps) ? reps : [reps];
      checkRepresentations(list, schema);
      return list.length;
    }
    // A report over a period is as long as its intervals (up to a year by day).
    if (def.args.some((a) => a.name === "interval")) {
      const n = intervalCount(argument(node, def, "from"), argument(node, def, "to"), argument(node, def, "interval"));
      if (n !== undefined) return n;
    }
    const first = argument(node, def, "first");
    return typeof first === "number" && first > 0 ? first : options.defaultListSize;
  };

  // `page`: the page size of the connection whose selections these are (its `nodes` are that long).
  function fragment(name: string, page: number | undefined): Measure {
    const key = `${name}\u0000${page ?? ""}`;
    const known = memo.get(key);
    if (known) return known;
    const definition = bounded.fragments.get(name);
    // Unknown or cyclic spreads are left to validation, which refuses them.
    if (!definition || measuring.has(name)) return ZERO;
    measuring.add(name);
    const measure = selections(definition.selectionSet, definition.typeCondition.name.value, page);
    measuring.delete(name);
    memo.set(key, measure);
    return measure;
  }

  function selections(set: SelectionSetNode, parentType: string, page: number | undefined): Measure {
    const total: Measure = { ...ZERO };
    for (const selection of set.selections) {
      const m =
        selection.kind === Kind.FIELD
          ? field(selection, parentType, page)
          : selection.kind === Kind.INLINE_FRAGMENT
            ? selections(selection.selectionSet, selection.typeCondition?.name.value ?? parentType, page)
            : fragment(selection.name.value, page);
      total.depth = Math.max(total.depth, m.depth);
      total.aliases += m.aliases;
      total.cost += m.cost;
      total.fields += m.fields;
      total.representations += m.representations;
      total.introspection = Math.max(total.introspection, m.introspection);
    }
    return total;
  }

  function field(node: FieldNode, parentType: string, page: number | undefined): Measure {
    const aliases = node.alias ? 1 : 0;
    const name = node.name.value;
    // Even a field that costs nothing to resolve is one more thing to plan and answer.
    if (name === "__typename") return { ...ZERO, aliases, fields: 1 };
    const parent = schema.getType(parentType);
    const def =
      name === "__schema"
        ? SchemaMetaFieldDef
        : name === "__type"
          ? TypeMetaFieldDef
          : isObjectType(parent)
            ? parent.getFields()[name]
            : undefined;
    if (name.startsWith("__") || parentType.startsWith("__")) {
      // Introspection: no depth or cost of its own, and one field for the planner (the gateway
      // answers it from its schema, unplanned); but its lists nested in one another count.
      const inner = node.selectionSet && def ? selections(node.selectionSet, getNamedType(def.type).name, undefined) : ZERO;
      return {
        ...ZERO,
        aliases: aliases + inner.aliases,
        fields: 1,
        introspection: inner.introspection + (def && isList(def.type) ? 1 : 0),
      };
    }
    // A field every region answers runs once per region: it and all below it.
    const regions = options.perRegion?.has(`${parentType}.${name}`) ? options.regions : 1;
    const weight =
      (parentType === "Region" && name !== "code" ? REGION_FIELD_WEIGHT : 1) * regions +
      (options.behind?.get(`${parentType}.${name}`) ?? 0);
    if (!node.selectionSet || !def) return { ...ZERO, depth: 1, aliases, cost: weight, fields: 1 };
    const connection = isConnection(def.type);
    // A connection is one object whose `nodes` list is as long as its `first`.
    const multiplier = connection ? 1 : isList(def.type) ? (name === "nodes" && page !== undefined ? page : listSize(node, def)) : 1;
    const inner = selections(node.selectionSet, getNamedType(def.type).name, connection ? listSize(node, def) : undefined);
    const representations = name === "_entities" ? multiplier : 0;
    return {
      depth: inner.depth + 1,
      // Aliases and fields count where they are written (a list does not repeat them); cost where they run.
      aliases: aliases + inner.aliases,
      cost: weight + regions * multiplier * inner.cost,
      fields: 1 + inner.fields,
      representations: representations + inner.representations,
      introspection: inner.introspection,
    };
  }

  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? "Mutation"
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? "Subscription"
        : "Query";
  return selections(operation.selectionSet, root, undefined);
}

/** Adds up the measures of several operations sent together (a batch). */
export function sumMeasures(measures: Measure[]): Measure {
  // What operations sent together add up to is the work they ask for (cost, representations);
  // their shape (depth, aliases, fields, introspection) is each one's, checked on its own.
  // The gateway's planner adds `__typename` and key fields to the fetches it sends a region
  // together, so adding those up would refuse a query it accepted.
  return measures.reduce(
    (a, m) => ({
      depth: Math.max(a.depth, m.depth),
      aliases: Math.max(a.aliases, m.aliases),
      cost: a.cost + m.cost,
      fields: Math.max(a.fields, m.fields),
      representations: a.representations + m.representations,
      introspection: Math.max(a.introspection, m.introspection),
    }),
    { ...ZERO },
  );
}

/** The first limit a measure exceeds, as an error naming it; `what` says what was measured. */
export function exceeded(m: Measure, limits: QueryLimits, what = "query"): GraphQLError | undefined {
  const numbers = { depth: m.depth, aliases: m.aliases, cost: m.cost, fields: m.fields, representations: m.representations };
  if (m.fields > limits.maxFields) {
    return limitError(
      "fields",
      `the ${what} expands to ${m.fields} fields (fragments spread in full); the limit is ${limits.maxFields}`,
      numbers,
    );
  }
  if (m.introspection > MAX_INTROSPECTION_LISTS) {
    return limitError(
      "introspection",
      `introspection nests ${m.introspection} lists in one another; at most ${MAX_INTROSPECTION_LISTS}`,
      numbers,
    );
  }
  if (m.depth > limits.maxDepth) return limitError("depth", `${what} depth ${m.depth} exceeds the limit of ${limits.maxDepth}`, numbers);
  if (m.aliases > limits.maxAliases) return limitError("aliases", `${m.aliases} aliases exceed the limit of ${limits.maxAliases}`, numbers);
  if (m.representations > limits.maxRepresentations) {
    return limitError("representations", `${m.representations} representations exceed the limit of ${limits.maxRepresentations}`, numbers);
  }
  if (m.cost > limits.maxCost) {
    return limitError(
      "cost",
      `estimated cost ${m.cost} exceeds the limit of ${limits.maxCost}; ask for fewer items (first) or fewer fields`,
      numbers,
    );
  }
  return undefined;
}

/** The query, variables and operation name of a GraphQL HTTP request (POST body or GET query string). */
export interface GraphQLParams {
  query: string;
  variables: Record<string, unknown>;
  operationName?: unknown;
}

/**
 * What a request asks to run, when it is well-formed enough to tell; otherwise undefined,
 * and the GraphQL server answers with its own error without running anything.
 */
export function graphQLParamsOf(method: string | undefined, body: unknown, search: URLSearchParams): GraphQLParams | undefined {
  if (method === "GET") {
    const query = search.get("query");
    if (!query) return undefined;
    let variables: unknown;
    try {
      variables = JSON.parse(search.get("variables") ?? "{}");
    } catch {
      return undefined;
    }
    return { query, variables: isRecord(variables) ? variables : {}, operationName: search.get("operationName") ?? undefined };
  }
  if (!isRecord(body) || typeof body.query !== "string") return undefined;
  return { query: body.query, variables: isRecord(body.variables) ? body.variables : {}, operationName: body.operationName };
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The longest query text a document cache keeps: clients repeat small queries; a long text is rare and costly to keep. */
export const MAX_CACHED_QUERY = 16_384;

/** Bounded documents by query text: clients repeat the same queries. Small texts only. */
export class DocumentCache {
  private readonly cache = new LruCache<string, BoundedDocument>(500);
  constructor(private readonly limits: QueryLimits) {}

  /**
   * A request's measure within every limit, or the error refusing it (a limit, a malformed
   * representation, or what `before` says once the operation is known, e.g. an anonymous
   * caller); undefined when the request cannot be read (the GraphQL server then answers with
   * its own error, running nothing).
   */
  check(
    schema: GraphQLSchema,
    params: GraphQLParams | undefined,
    options: Omit<MeasureOptions, "defaultListSize">,
    before?: (bounded: BoundedDocument, operation: OperationDefinitionNode) => GraphQLError | undefined,
  ): Measure | GraphQLError | undefined {
    const resolved = this.operation(params);
    if (!resolved || resolved instanceof GraphQLError) return resolved;
    const refused = before?.(resolved.bounded, resolved.operation);
    if (refused) return refused;
    const measure = this.measure(schema, resolved.bounded, resolved.operation, params!.variables, options);
    return measure instanceof GraphQLError ? measure : (exceeded(measure, this.limits) ?? measure);
  }

  /**
   * The operation's measure, or the error for malformed representations. A region host
   * measures the same few operations with the same variables all day (each region's share of
   * a national query), so with plain options (no per-region or behind costs, which the
   * gateway's schema reloads change) a measure is kept with its document, by schema, then by
   * operation and the variables' text.
   */
  private measure(
    schema: GraphQLSchema,
    bounded: BoundedDocument,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    options: Omit<MeasureOptions, "defaultListSize">,
  ): Measure | GraphQLError {
    const plain = !options.perRegion && !options.behind;
    const text = plain ? JSON.stringify(variables) : "";
    const key = plain && text.length <= 2048 ? `${operation.name?.value ?? ""}\u0000${options.regions}\u0000${text}` : undefined;
    let known = key === undefined ? undefined : bounded.measures?.get(schema);
    const hit = key === undefined ? undefined : known?.get(key);
    if (hit) return hit;
    let measure: Measure | GraphQLError;
    try {
      measure = measureOperation(schema, bounded, operation, variables, { ...options, defaultListSize: this.limits.defaultListSize });
    } catch (err) {
      // Malformed `_entities` representations: the caller's error, named.
      if (!(err instanceof GraphQLError)) throw err;
      measure = err;
    }
    if (key !== undefined) {
      if (!known) (bounded.measures ??= new WeakMap()).set(schema, (known = new LruCache(16)));
      known.set(key, measure);
    }
    return measure;
  }

  /**
   * The document and operation a request runs, bounded; the limit error refusing it; or
   * undefined when it cannot be read (not GraphQL, no such operation): the GraphQL server
   * then answers with its own error, running nothing.
   */
  operation(
    params: GraphQLParams | undefined,
  ): { bounded: BoundedDocument; operation: OperationDefinitionNode } | GraphQLError | undefined {
    if (!params) return undefined;
    let bounded;
    try {
      bounded = this.get(params.query);
    } catch (err) {
      return err as GraphQLError;
    }
    if ("syntaxError" in bounded) return undefined;
    const operation = operationOf(bounded.document, params.operationName);
    return operation ? { bounded, operation } : undefined;
  }

  /** The bounded document for `query` (throws a limit error), or its syntax error. */
  get(query: string): BoundedDocument | { syntaxError: GraphQLError } {
    const hit = this.cache.get(query);
    if (hit) return hit;
    const bounded = boundDocument(query, this.limits);
    if ("document" in bounded && query.length <= MAX_CACHED_QUERY) this.cache.set(query, bounded);
    return bounded;
  }
}
