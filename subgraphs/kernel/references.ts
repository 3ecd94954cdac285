// Batched reference resolution: every entity lookup by id in one request goes through a
// DataLoader, so an `_entities` batch costs one `find({ _id: { $in } })`.
import type { ObjectId } from "bson";
import type { Collection, Document, Filter } from "mongodb";
import { ownId, type SubgraphContext } from "./context.js";
import { notFound } from "./errors.js";
import { entityLabel, type EntityType } from "./ids.js";

export interface StoredDoc extends Document {
  _id: ObjectId;
}

/** The request's loader for documents of `collection` by _id: results in key order, null when missing. */
export function byId<T extends StoredDoc>(ctx: SubgraphContext, collection: Collection<T>) {
  return ctx.loaders.get<ObjectId, T | null>(
    `byId:${collection.collectionName}`,
    async (ids) => {
      const docs = (await collection.find({ _id: { $in: [...ids] } } as Filter<T>).toArray()) as T[];
      const found = new Map(docs.map((d) => [d._id.toHexString(), d]));
      return ids.map((id) => found.get(id.toHexString()) ?? null);
    },
    (id) => id.toHexString(),
  );
}

/**
 * A `__resolveReference` for an entity keyed by `id`. Async on purpose: a rejection then
 * fails only its own slot of `_entities` (null plus an error), not the whole batch.
 */
export function referenceResolver<T extends StoredDoc, G>(
  type: EntityType,
  collection: (ctx: SubgraphContext) => Collection<T>,
  toGraph: (doc: T, ctx: SubgraphContext) => G,
  isOfType: (doc: T) => boolean = () => true,
) {
  return async (ref: { id: string }, ctx: SubgraphContext): Promise<G | null> => {
    const { objectId } = ownId(ctx, ref.id, type);
    const doc = await byId(ctx, collection(ctx)).load(objectId);
    return doc && isOfType(doc) ? toGraph(doc, ctx) : null;
  };
}

/**
 * The record an id argument names, in this region: wrong type or region is
 * BAD_USER_INPUT, a missing record NOT_FOUND naming the argument.
 */
export async function requireOwn<T extends StoredDoc>(
  ctx: SubgraphContext,
  collection: Collection<T>,
  type: EntityType,
  id: string,
  field = "id",
  isOfType: (doc: T) => boolean = () => true,
): Promise<T> {
  const { objectId } = ownId(ctx, id, type, field);
  const doc = await byId(ctx, collection).load(objectId);
  if (!doc || !isOfType(doc)) throw notFound(`${field}: no ${entityLabel(type)} ${id}`, { field, id });
  return doc;
}
