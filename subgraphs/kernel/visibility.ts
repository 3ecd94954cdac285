// Who may read a type's fields. The rule sits on the type (a class decorator), and the
// schema builder wraps every field of the type with it, so it holds however an object is
// reached: a root field, a nested field, a reference from another subgraph, `_entities`
// called directly on a region host, or a batch. Root fields may refuse earlier with a
// clearer message; this is what makes the refusal certain.
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from "graphql";
import { Extensions } from "type-graphql";
import type { Access } from "./auth.js";
import { forbidden } from "./errors.js";
import { regionOfId } from "./ids.js";

/** Why the caller may not read this record's fields, or null when they may. */
export type ReadRule<T = never> = (record: T, access: Access) => string | null;

const READ_RULE = "aidgraphReadRule";

interface RuleExtension {
  rule: ReadRule<unknown>;
  /** Fields anyone who reaches the object may read (its key). */
  open: string[];
}

/** Class decorator: the rule every field of this object type obeys, but those in `open`. */
export function ReadableBy<T>(rule: ReadRule<T>, open: string[] = ["id"]): ClassDecorator {
  const extension: RuleExtension = { rule: rule as ReadRule<unknown>, open };
  return Extensions({ [READ_RULE]: extension });
}

/** Volunteers get nothing of this type but its key (stock, other people's records…). */
export function notForVolunteers(what: string): ReadRule<unknown> {
  return (_record, access) => (access.caller?.role === "VOLUNTEER" ? `${what} are not visible to volunteers` : null);
}

/** A volunteer reads only the records that are theirs (`ownerOf` gives the volunteer id). */
export function ownOnlyForVolunteers<T>(ownerOf: (record: T) => string | null | undefined, what: string): ReadRule<T> {
  return (record, access) => {
    const caller = access.caller;
    return caller?.role === "VOLUNTEER" && ownerOf(record) !== caller.sub ? `volunteers see only their own ${what}` : null;
  };
}

/** Wraps every field of `typeName` in `schema` (in place) with `wrap`. */
export function wrapFields<C>(
  schema: GraphQLSchema,
  typeName: string,
  wrap: (resolve: GraphQLFieldResolver<unknown, C>, field: string) => GraphQLFieldResolver<unknown, C>,
  except: string[] = [],
): void {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) return;
  for (const field of Object.values(type.getFields())) {
    if (except.includes(field.name)) continue;
    field.resolve = wrap((field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, C>, field.name);
  }
}

/**
 * Applies the read rules declared on type-graphql classes (found in `declared`, the schema
 * type-graphql built) to the same types of `schema`, the subgraph schema that is served.
 */
export function applyReadRules(declared: GraphQLSchema, schema: GraphQLSchema): void {
  for (const type of Object.values(declared.getTypeMap())) {
    const ext = isObjectType(type) ? (type.extensions as Record<string, unknown>)[READ_RULE] : undefined;
    if (!ext) continue;
    const { rule, open } = ext as RuleExtension;
    wrapFields<{ access: Access }>(
      schema,
      type.name,
      (resolve, field) => (root, args, ctx, info) => {
        const why = rule(root, ctx.access);
        if (why) throw forbidden(`${type.name}.${field}: ${why}`, { field: `${type.name}.${field}` });
        return resolve(root, args, ctx, info);
      },
      open,
    );
  }
}

/** Only the staff of the record's region read it (what one household received, and may still). */
/** Reports of a region (the region its id carries): the country's coordinators and the region's own staff. */
export function coordinatorsAndRegionStaff(what: string): ReadRule<{ id: string }> {
  return (record, access) => {
    const region = regionOfId(record.id);
    return access.isCoordinatorOrStaffOf(region) ? null : `${what} are for coordinators and the staff of ${region ?? "its region"}`;
  };
}

export function regionStaffOnly(what: string): ReadRule<{ region: string }> {
  return (record, access) => {
    const caller = access.caller;
    return caller?.role === "REGIONAL_STAFF" && caller.region === record.region
      ? null
      : `${what} are for the staff of ${record.region} only`;
  };
}
