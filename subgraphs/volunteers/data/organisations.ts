// Organisations as stored: the "who" of who-does-what-where. A region's records (volunteer
// groups, event organisers, warehouses) point at organisations registered in that region,
// so the 3W report counts organisations, not spellings of their names.
import { ObjectId } from "bson";
import type { Collection, Db } from "mongodb";
import type { Keyed } from "../../kernel/idempotency.js";
import { encodeId } from "../../kernel/ids.js";
import { insertNamed, type IndexPlan } from "../../kernel/mongo.js";
import { regionRef } from "../../kernel/region-entity.js";
import { SHARED_COLLECTIONS } from "../../kernel/region-records.js";
import { searchKey } from "../../kernel/text.js";
import type { Organisation, OrganisationKind } from "../types/organisation.js";

export interface OrganisationDoc extends Keyed {
  _id: ObjectId;
  name: string;
  nameKey: string;
  kind: OrganisationKind;
  /** Regions it works in, the registering region first. */
  regions: string[];
  createdAt: Date;
}

// Other subgraphs check organisations through kernel/region-records.ts, by this name.
const ORGANISATIONS = SHARED_COLLECTIONS.organisations;

export const organisationIndexes: IndexPlan = {
  [ORGANISATIONS]: [{ key: { nameKey: 1 }, name: "name_unique", unique: true }],
};

export const organisationsOf = (db: Db): Collection<OrganisationDoc> => db.collection<OrganisationDoc>(ORGANISATIONS);

export function toOrganisation(doc: OrganisationDoc, region: string): Organisation {
  return {
    id: encodeId("Organisation", region, doc._id),
    name: doc.name,
    kind: doc.kind,
    regions: doc.regions.map(regionRef),
    createdAt: doc.createdAt,
  };
}

export function insertOrganisation(
  db: Db,
  region: string,
  fields: Omit<OrganisationDoc, "_id" | "nameKey" | "createdAt">,
  _id = new ObjectId(),
): Promise<OrganisationDoc> {
  const doc = { _id, ...fields, nameKey: searchKey(fields.name), createdAt: new Date() };
  return insertNamed(organisationsOf(db), doc, "Organisation", region, "input.name");
}
