// Personal fields (names, phones, addresses of people, and free text written about them:
// notes, reasons, a donor who is a person) resolve only for callers with the right to see
// them; for everyone else the field is null with a FORBIDDEN error at its path, and the
// rest of the answer arrives. Who did something (an identity provider's subject) is shown
// in full only to the staff of the record's region; everyone else sees the role.
import { UseMiddleware, type MiddlewareFn } from "type-graphql";
import { ROLES, type Access } from "./auth.js";
import type { SubgraphContext } from "./context.js";
import { forbidden } from "./errors.js";

export interface OwnedRecord {
  id?: string;
  region: { code: string } | string;
  /** The id of the person the record is about, when that person may see it. */
  ownerId?: string | null;
  /** What the audit trail names for a read of this record (default: its GraphQL type), and its id. */
  audit?: { entity: string; id: string };
}

const regionOf = (record: OwnedRecord) => (typeof record.region === "string" ? record.region : record.region.code);

function personalOnly<T>(when: ((record: T) => boolean) | undefined): MiddlewareFn<SubgraphContext> {
  return async ({ root, context, info }, next): Promise<unknown> => {
    const record = root as OwnedRecord;
    if (when && !when(root as T)) return next();
    const region = regionOf(record);
    if (!context.access.canSeePersonal(region, record.ownerId ?? undefined)) {
      throw forbidden(`${info.parentType.name}.${info.fieldName} is personal data: visible to ${region} staff and to the person themself`);
    }
    const value: unknown = await next();
    // Reads of personal data leave a trace (only when there was something to see).
    const audit = record.audit ?? (record.id ? { entity: info.parentType.name, id: record.id } : undefined);
    if (value !== null && value !== undefined && audit) context.audit.read(audit.entity, audit.id);
    return value;
  };
}

/** A personal field; with `when`, only for the records it says (e.g. a donor who is a person). */
export function Personal<T = never>(options: { when?: (record: T) => boolean } = {}) {
  return UseMiddleware(personalOnly(options.when));
}

/**
 * `ROLE:subject` as `access` may see it: whole for the region's staff and for the actor
 * themself, else only the role. `role` is the role of a field that stores bare subjects.
 */
function actorAs(actor: string, region: string, access: Access, role?: string): string {
  const caller = access.caller;
  const subject = role ? `${role}:${actor}` : actor;
  if (caller && ((caller.role === "REGIONAL_STAFF" && caller.region === region) || subject === access.actor)) return actor;
  const prefix = role ?? actor.split(":")[0];
  return (ROLES as readonly string[]).includes(prefix) ? prefix : "(withheld)";
}

/**
 * A field naming who did something. `region` says whose staff may see the subject (default:
 * the record's region); `role`, for a field that stores bare subjects, what role they had.
 */
export function Actor<T = OwnedRecord>(options: { region?: (record: T) => string; role?: string } = {}) {
  const regionOfRecord = options.region ?? ((r: T) => regionOf(r as OwnedRecord));
  const middleware: MiddlewareFn<SubgraphContext> = async ({ root, context }, next) => {
    const value: unknown = await next();
    return typeof value === "string" ? actorAs(value, regionOfRecord(root as T), context.access, options.role) : value;
  };
  return UseMiddleware(middleware);
}
