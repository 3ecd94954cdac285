// Cursor connections: keyset pagination over a sort that always ends in _id, with the
// cursor an opaque base64url of the sort values (EJSON keeps dates and ObjectIds).
import { EJSON, type Document } from "bson";
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

export function pageSize(first: number | undefined | null): number {
  if (first === undefined || first === null) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
    throw badInput(`first: must be between 1 and ${MAX_PAGE}, got ${first}`, { field: "first" });
  }
  return first;
}

export type SortSpec = Array<[field: string, direction: 1 | -1]>;

function valueAt(doc: Document, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Document)[k] : undefined), doc);
}

function encodeCursor(doc: Document, sort: SortSpec): string {
  return Buffer.from(EJSON.stringify(sort.map(([f]) => valueAt(doc, f) ?? null), { relaxed: false })).toString("base64url");
}

function decodeCursor(cursor: string, sort: SortSpec): unknown[] {
  try {
    const values = EJSON.parse(Buffer.from(cursor, "base64url").toString("utf8"), { relaxed: false });
    if (Array.isArray(values) && values.length === sort.length) return values;
  } catch {
    // fall through to the error below
  }
  throw badInput("after: malformed cursor; pass a pageInfo.endCursor from a previous page", { field: "after" });
}

/** `(a, b, _id) > (va, vb, vid)` in the sort's directions, as a MongoDB filter. */
function afterFilter(sort: SortSpec, values: unknown[]): Document {
  const or = sort.map(([field, dir], i) => {
    const clause: Document = {};
    for (let j = 0; j < i; j++) clause[sort[j]![0]] = values[j];
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
): Promise<Page<T>> {
  const size = pageSize(args.first);
  const fullSort: SortSpec = sort.some(([f]) => f === "_id") ? sort : [...sort, ["_id", 1]];
  const pageFilter = args.after ? { $and: [filter, afterFilter(fullSort, decodeCursor(args.after, fullSort))] } : filter;
  const [docs, totalCount] = await Promise.all([
    collection
      .find(pageFilter as Filter<TDoc>)
      .sort(Object.fromEntries(fullSort))
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
