// Small reads of one region's database that start in the same turn of the event loop go to
// it as one aggregate command. A national query asks each region's four subgraphs at once,
// in one batch, and each of them reads a few small aggregates (statistics, the next events):
// on that path a database command costs the host far more than the work it asks for, so
// the batch's reads travel together, each tagged with its place, and come apart on return.
import type { Collection, Db, Document } from "mongodb";

interface Read {
  /** The caller's own collection: what a read alone runs on, with its options. */
  collection: Pick<Collection, "collectionName" | "aggregate">;
  pipeline: Document[];
  resolve: (docs: Document[]) => void;
  reject: (err: unknown) => void;
}

/** Each read's documents wrapped as `{ r: <its place>, d: <document> }`. */
const tagged = (pipeline: Document[], place: number): Document[] => [
  ...pipeline,
  { $replaceWith: { r: { $literal: place }, d: "$$ROOT" } },
];

export class CombinedReads {
  private waiting: Read[] = [];

  constructor(private readonly db: Db) {}

  /**
   * The documents `pipeline` gives on `collection`, in its order, as a plain aggregate would
   * give them. For small results only: a read joins others in one command and one cursor.
   */
  aggregate<T extends Document, C extends Document = Document>(collection: Collection<C>, pipeline: Document[]): Promise<T[]> {
    if (collection.dbName !== this.db.databaseName) return collection.aggregate<T>(pipeline).toArray();
    return new Promise<Document[]>((resolve, reject) => {
      // The first read of a turn waits for the others of the same turn (setImmediate runs
      // after every promise job the batch's operations have queued).
      if (this.waiting.push({ collection, pipeline, resolve, reject }) === 1) setImmediate(() => void this.flush());
    }) as Promise<T[]>;
  }

  private alone(read: Read): void {
    read.collection.aggregate(read.pipeline).toArray().then(read.resolve, read.reject);
  }

  private async flush(): Promise<void> {
    const reads = this.waiting;
    this.waiting = [];
    if (reads.length === 1) return this.alone(reads[0]);
    const results = reads.map((): Document[] => []);
    try {
      const docs = await reads[0].collection
        .aggregate([
          ...tagged(reads[0].pipeline, 0),
          ...reads
            .slice(1)
            .map((read, i) => ({ $unionWith: { coll: read.collection.collectionName, pipeline: tagged(read.pipeline, i + 1) } })),
        ])
        .toArray();
      for (const doc of docs) results[doc.r as number].push(doc.d as Document);
    } catch {
      // Whatever failed is one read's own failure: each runs alone, as it would have (and
      // answers with its own error, if it has one).
      for (const read of reads) this.alone(read);
      return;
    }
    reads.forEach((read, i) => read.resolve(results[i]));
  }
}
