// Cursor connections: keyset pagination over a sort that always ends in _id, with the
// cursor an opaque base64url of the sort values, each of its sort field's declared kind.
import { ObjectId, type Document } from "bson";
import type { Collection, Filter } from "mongodb";
import { ArgsType, Directive, Field, Int, ObjectType, type ClassType } from "type-graphql";
import { badInput } from "./errors.js";

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

@Directive("@shareable")
@ObjectType({ description: "Where a page ends and whether more follow." })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: "Pass as `after` to get the next page." })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_PAGE} (default ${DEFAULT_PAGE}).` })
  first?: number;

  @Field(() => String, { nullable: true, description: "The endCursor of the previous page." })
  after?: string;
}

export interface Page<T> {
  nodes: T[];
  totalCount: number;
  pageInfo: PageInfo;
}

/** A `<Name>Connection` object type for `Item`. */
export function Connection<T extends object>(Item: ClassType<T>, name: string) {
  @ObjectType(`${name}Connection`)
  class ConnectionType implements Page<T> {
    @Field(() => [Item])
    nodes!: T[];

    @Field(() => Int, { description: "All items matching the filter, over every page." })
    totalCount!: number;

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionType;
}

/** A page size from a `first` argument: 1 to `max` (MAX_PAGE unless a list allows more). */
export function pageSize(first: number | undefined | null, max = MAX_PAGE): number {
  if (first === undefined || first === null) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badInput(`first: must be between 1 and ${max}, got ${first}`, { field: "first" });
  }
  return first;
}

/** How a sort field's values are typed, so a cursor can carry them and be checked on the way back. */
type SortKind = "string" | "date" | "int" | "objectId";
export type SortSpec = Array<[field: string, direction: 1 | -1, kind: SortKind]>;

/** A MongoDB sort document for `spec`. */
export const sortOf = (spec: SortSpec): Record<string, 1 | -1> => Object.fromEntries(spec.map(([field, direction]) => [field, direction]));

function valueAt(doc: Document, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Document)[k] : undefined), doc);
}

/** A sort value as plain JSON: the cursor carries no types of its own (no EJSON, no operators). */
function encodeValue(value: unknown, kind: SortKind): string | number | null {
  if (value === null || value === undefined) return null;
  if (kind === "date") return (value as Date).getTime();
  if (kind === "objectId") return (value as ObjectId).toHexString();
  return value as string | number;
}

/** The value back from the cursor, of exactly the kind the sort field has; undefined when it is not. */
function decodeValue(value: unknown, kind: SortKind): unknown {
  if (value === null) return null;
  switch (kind) {
    case "string":
      return typeof value === "string" && value.length <= 1000 ? value : undefined;
    case "int":
      return Number.isSafeInteger(value) ? value : undefined;
    case "date":
      return Number.isSafeInteger(value) ? new Date(value as number) : undefined;
    case "objectId":
      return typeof value === "string" && /^[0-9a-f]{24}$/.test(value) ? ObjectId.createFromHexString(value) : undefined;
  }
}

/** The sort a cursor belongs to: a cursor from another list (or another order) is refused. */
const signature = (sort: SortSpec) => sort.map(([f, d]) => `${f}:${d}`).join(",");

function encodeCursor(doc: Document, sort: SortSpec): string {
  const values = sort.map(([field, , kind]) => encodeValue(valueAt(doc, field), kind));
  return Buffer.from(JSON.stringify([signature(sort), ...values])).toString("base64url");
}

/**
 * The sort values a cursor names. Cursors come from clients: anything but a cursor this
 * list made (same sort, values of the right types) is BAD_USER_INPUT, and no value ever
 * reaches the filter as anything but a string, a number, a date or an ObjectId.
 */
function decodeCursor(cursor: string, sort: SortSpec): unknown[] {
  let parsed: unknown;
  try {
    parsed = cursor.length <= 4096 ? JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) : undefined;
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === sort.length + 1 && parsed[0] === signature(sort)) {
    const values = sort.map(([, , kind], i) => decodeValue(parsed[i + 1], kind));
    if (values.every((v) => v !== undefined)) return values;
  }
  throw badInput("after: malformed cursor (not one of this list's); pass a pageInfo.endCursor from a previous page", { field: "after" });
}

/** `(a, b, _id) > (va, vb, vid)` in the sort's directions, as a MongoDB filter. */
function afterFilter(sort: SortSpec, values: unknown[]): Document {
  const or = sort.map(([field, dir], i) => {
    const clause: Document = {};
    for (let j = 0; j < i; j++) clause[sort[j][0]] = values[j];
    clause[field] = { [dir === 1 ? "$gt" : "$lt"]: values[i] };
    return clause;
  });
  return { $or: or };
}

/**
 * One page of `collection` matching `filter`, in `sort` order (ties broken by _id).
 * `map` turns stored documents into graph objects.
 */
export async function paginate<TDoc extends Document, T>(
  collection: Collection<TDoc>,
  filter: Filter<TDoc>,
  sort: SortSpec,
  args: { first?: number | null; after?: string | null },
  map: (doc: TDoc) => T,
  options: { projection?: Document } = {},
): Promise<Page<T>> {
  const size = pageSize(args.first);
  // An ObjectId `_id` breaks ties unless the sort names `_id` (of its own kind) itself.
  const fullSort: SortSpec = sort.some(([f]) => f === "_id") ? sort : [...sort, ["_id", 1, "objectId"]];
  const pageFilter = args.after ? { $and: [filter, afterFilter(fullSort, decodeCursor(args.after, fullSort))] } : filter;
  const [docs, totalCount] = await Promise.all([
    collection
      .find(pageFilter as Filter<TDoc>, options.projection ? { projection: options.projection } : {})
      .sort(sortOf(fullSort))
      .limit(size + 1)
      .toArray(),
    collection.countDocuments(filter),
  ]);
  const hasNextPage = docs.length > size;
  const pageDocs = (hasNextPage ? docs.slice(0, size) : docs) as TDoc[];
  const last = pageDocs[pageDocs.length - 1];
  return {
    nodes: pageDocs.map(map),
    totalCount,
    pageInfo: { hasNextPage, endCursor: last ? encodeCursor(last, fullSort) : null },
  };
}
