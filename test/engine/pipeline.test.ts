// The engine's native aggregation stages against mingo (its reference semantics): the same
// results for every pipeline, the input never written into, and anything unusual handed to
// mingo rather than approximated.
import { Decimal128, Long, ObjectId } from "bson";
import { Aggregator, Query } from "mingo";
import { describe, expect, it } from "vitest";
import { isArray, type Document } from "../../scripts/embedded-mongo/keys.js";
import { runPipeline } from "../../scripts/embedded-mongo/pipeline.js";

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !(value instanceof Date) && !("_bsontype" in value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const SKILLS = ["DRIVER", "MEDIC", "COOK", "TRANSLATOR"];
const STATUSES = ["ACTIVE", "INACTIVE", "ON_LEAVE"];

/** Deterministic volunteers with every shape a field can take: arrays, empty, null, missing, scalar. */
function people(n: number): Document[] {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, (_, i) => {
    const doc: Document = { _id: new ObjectId(), name: `p${i}`, status: STATUSES[i % 3], household: 1 + Math.floor(random() * 6) };
    const shape = i % 7;
    if (shape === 0) doc.skills = [];
    else if (shape === 1) doc.skills = null;
    else if (shape === 2)
      doc.skills = "COOK"; // a single value
    else if (shape !== 3) doc.skills = SKILLS.filter(() => random() < 0.5);
    if (i % 5 === 0) delete doc.household;
    if (i % 11 === 0) doc.household = "unknown";
    if (i % 13 === 0) doc.status = null;
    return doc;
  });
}

/** The other collections of the database, for $unionWith. */
const others: Record<string, Document[]> = { others: deepFreeze(people(25)) };

let mingoCalls = 0;
function native(input: Document[], stages: Document[]): Document[] {
  return runPipeline(
    input,
    stages,
    (filter) => {
      const q = new Query(filter);
      return (d) => q.test(d);
    },
    (docs, rest) => {
      mingoCalls++;
      return new Aggregator(rest, { collectionResolver: (name) => structuredCloneDocs(others[name] ?? []) }).run<Document>(
        structuredCloneDocs(docs),
      );
    },
    (name, pipeline) => native(others[name] ?? [], pipeline),
  );
}

function structuredCloneDocs(docs: Document[]): Document[] {
  return docs.map((d) => ({ ...d, ...(isArray(d.skills) ? { skills: [...d.skills] } : {}) }));
}

function reference(input: Document[], stages: Document[]): Document[] {
  return new Aggregator(stages, { collectionResolver: (name) => structuredCloneDocs(others[name] ?? []) }).run<Document>(
    structuredCloneDocs(input),
  );
}

const sortById = (docs: Document[]) => [...docs].sort((a, b) => String(a._id).localeCompare(String(b._id)));

describe("native aggregation stages", () => {
  const input = deepFreeze(people(60));

  const pipelines: Array<[string, Document[]]> = [
    ["count", [{ $count: "n" }]],
    ["inclusion project", [{ $project: { _id: 0, skills: 1, status: 1 } }]],
    ["exclusion project", [{ $project: { name: 0, household: false } }]],
    ["_id only", [{ $project: { _id: 1 } }]],
    ["everything but _id", [{ $project: { _id: 0 } }]],
    ["unwind", [{ $unwind: "$skills" }]],
    ["unwind, preserving", [{ $unwind: { path: "$skills", preserveNullAndEmptyArrays: true } }]],
    ["group count and sum", [{ $group: { _id: "$status", n: { $sum: 1 }, people: { $sum: "$household" } } }]],
    ["group all", [{ $group: { _id: null, n: { $sum: 1 }, people: { $sum: "$household" }, twice: { $sum: 2 } } }]],
    [
      "the volunteers' statistics",
      [
        {
          $facet: {
            total: [{ $count: "n" }],
            active: [{ $match: { status: "ACTIVE" } }, { $count: "n" }],
            bySkill: [
              { $match: { status: "ACTIVE" } },
              { $project: { _id: 0, skills: 1 } },
              { $unwind: "$skills" },
              { $group: { _id: "$skills", count: { $sum: 1 } } },
            ],
          },
        },
      ],
    ],
    ["skip and limit", [{ $skip: 5 }, { $limit: 7 }, { $project: { name: 1 } }]],
    ["a facet with a stage only mingo runs", [{ $facet: { sorted: [{ $sort: { name: -1 } }, { $limit: 3 }], n: [{ $count: "c" }] } }]],
    ["unwind with an index (mingo)", [{ $unwind: { path: "$skills", includeArrayIndex: "i" } }]],
    ["group by an expression (mingo)", [{ $group: { _id: { s: "$status" }, n: { $sum: 1 } } }]],
    ["union with a collection by name", [{ $limit: 4 }, { $unionWith: "others" }]],
    [
      "union with another collection's pipeline",
      [
        { $match: { status: "ACTIVE" } },
        { $unionWith: { coll: "others", pipeline: [{ $match: { status: "PAUSED" } }, { $project: { name: 1 } }] } },
      ],
    ],
    ["union with a collection the database lacks", [{ $limit: 2 }, { $unionWith: { coll: "nowhere", pipeline: [] } }]],
    ["wrap in literals and $$ROOT", [{ $limit: 5 }, { $replaceWith: { r: { $literal: 3 }, s: { $literal: "x" }, d: "$$ROOT" } }]],
    ["replace with an expression (mingo)", [{ $replaceWith: { name: { $concat: ["$name", "!"] } } }]],
  ];

  it.each(pipelines)("%s: the same result as mingo, input untouched", (_name, stages) => {
    const expected = reference(input, stages);
    const actual = native(input, stages); // frozen input: a write would throw
    const normalise = (docs: Document[]) => (stages.some((s) => "$group" in s) ? sortById(docs) : docs);
    expect(normalise(actual)).toEqual(normalise(expected));
  });

  it("runs reads tagged and joined into one (kernel/reads.ts) natively, each read's documents in its order", () => {
    const tag = (place: number) => ({ $replaceWith: { r: { $literal: place }, d: "$$ROOT" } });
    const stages = [
      { $match: { status: "ACTIVE" } },
      { $count: "n" },
      tag(0),
      { $unionWith: { coll: "others", pipeline: [{ $match: { status: "PAUSED" } }, { $project: { _id: 0, name: 1 } }, tag(1)] } },
      { $unionWith: { coll: "others", pipeline: [{ $facet: { n: [{ $count: "n" }] } }, tag(2)] } },
    ];
    const before = mingoCalls;
    const out = native(input, stages);
    expect(mingoCalls).toBe(before);
    expect(out).toEqual(reference(input, stages));
    expect(out.filter((d) => d.r === 1).map((d) => (d.d as Document).name)).toEqual(
      others.others.filter((p) => p.status === "PAUSED").map((p) => p.name),
    );
    expect(out.find((d) => d.r === 2)?.d).toEqual({ n: [{ n: 25 }] });
  });

  it("counts nothing as no document, as MongoDB does (mingo answers { n: 0 })", () => {
    expect(native(input, [{ $match: { status: "NOPE" } }, { $count: "n" }])).toEqual([]);
    expect(native(input, [{ $facet: { n: [{ $match: { status: "NOPE" } }, { $count: "n" }] } }])).toEqual([{ n: [] }]);
  });

  it("keeps MongoDB's $unwind rules: empty arrays dropped (or kept without the field), single values kept", () => {
    const docs = deepFreeze([{ _id: 1, a: [] }, { _id: 2, a: null }, { _id: 3 }, { _id: 4, a: 5 }, { _id: 5, a: [1, 2] }]);
    expect(native(docs, [{ $unwind: "$a" }])).toEqual([
      { _id: 4, a: 5 },
      { _id: 5, a: 1 },
      { _id: 5, a: 2 },
    ]);
    expect(native(docs, [{ $unwind: { path: "$a", preserveNullAndEmptyArrays: true } }])).toEqual([
      { _id: 1 },
      { _id: 2, a: null },
      { _id: 3 },
      { _id: 4, a: 5 },
      { _id: 5, a: 1 },
      { _id: 5, a: 2 },
    ]);
  });

  it("hands values it does not add natively (Long, Decimal128) to mingo", () => {
    const docs = deepFreeze([
      { _id: 1, q: Long.fromNumber(5) },
      { _id: 2, q: 2 },
      { _id: 3, q: Decimal128.fromString("1.5") },
    ]);
    const before = mingoCalls;
    const [out] = native(docs, [{ $group: { _id: null, total: { $sum: "$q" } } }]);
    expect(mingoCalls).toBe(before + 1);
    expect(out).toEqual(reference(docs, [{ $group: { _id: null, total: { $sum: "$q" } } }])[0]);
  });

  it("runs the services' statistics pipelines without mingo", () => {
    const before = mingoCalls;
    native(input, pipelines.find(([n]) => n === "the volunteers' statistics")![1]);
    native(input, [
      {
        $facet: {
          totals: [{ $group: { _id: null, n: { $sum: 1 }, people: { $sum: "$household" } } }],
          byNeed: [{ $project: { _id: 0, skills: 1 } }, { $unwind: "$skills" }, { $group: { _id: "$skills", count: { $sum: 1 } } }],
        },
      },
    ]);
    expect(mingoCalls).toBe(before);
  });
});
