// Personal fields (names, phones, addresses of people) resolve only for callers with the
// right to see them; for everyone else the field is null with a FORBIDDEN error at its
// path, and the rest of the answer arrives.
import { UseMiddleware, type MiddlewareFn } from "type-graphql";
import type { SubgraphContext } from "./context.js";
import { forbidden } from "./errors.js";

export interface OwnedRecord {
  id?: string;
  region: { code: string } | string;
  /** The id of the person the record is about, when that person may see it. */
  ownerId?: string | null;
}

const personalOnly: MiddlewareFn<SubgraphContext> = async ({ root, context, info }, next) => {
  const record = root as OwnedRecord;
  const region = typeof record.region === "string" ? record.region : record.region.code;
  if (!context.access.canSeePersonal(region, record.ownerId ?? undefined)) {
    throw forbidden(`${info.parentType.name}.${info.fieldName} is personal data: visible to ${region} staff and to the person themself`);
  }
  const value = await next();
  // Reads of personal data leave a trace (only when there was something to see).
  if (value !== null && value !== undefined && record.id) context.audit.read(info.parentType.name, record.id);
  return value;
};

export function Personal() {
  return UseMiddleware(personalOnly);
}
