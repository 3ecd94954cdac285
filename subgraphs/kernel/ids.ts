// The one ID codec, shared by the gateway and every subgraph. An entity ID carries its
// home region so the gateway can route by it: `<REGION>:<kind>:<24 hex ObjectId>`,
// e.g. `KZ-75:vol:6650c0ffee0123456789abcd`. Malformed IDs are BAD_USER_INPUT.
import { ObjectId } from "bson";
import { ENTITIES, type EntityType, type SubgraphName } from "../manifest.js";
import { badInput } from "./errors.js";

export type { EntityType };

/** Which subgraph owns (stores and changes) each entity type: from the manifest. */
export const ownerOf = (type: EntityType): SubgraphName => ENTITIES[type].owner;

const TYPE_BY_KIND = new Map<string, EntityType>(Object.entries(ENTITIES).map(([type, { code }]) => [code, type as EntityType]));

/** ISO 3166-2 subdivision code: country, dash, one to three letters or digits. */
export const REGION_CODE = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
const ID_PATTERN = /^([A-Z]{2}-[A-Z0-9]{1,3}):([a-z]{2,4}):([0-9a-f]{24})$/;

export interface DecodedId {
  region: string;
  type: EntityType;
  objectId: ObjectId;
}

export function encodeId(type: EntityType, region: string, objectId: ObjectId): string {
  return `${region}:${ENTITIES[type].code}:${objectId.toHexString()}`;
}

/** "VolunteerGroup" → "volunteer group", for messages. */
export function entityLabel(type: EntityType): string {
  return type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/** Shown in messages: IDs are not personal, but clients may send anything. */
function shown(value: unknown): string {
  const s = typeof value === "string" ? value : String(value);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

/** Decodes and validates an ID; with `expected`, the ID must be of that entity type. */
export function decodeId(id: unknown, expected?: EntityType, field = "id"): DecodedId {
  const match = typeof id === "string" ? ID_PATTERN.exec(id) : null;
  const type = match ? TYPE_BY_KIND.get(match[2]) : undefined;
  if (!match || !type) {
    throw badInput(`${field}: malformed id ${shown(id)}; expected <REGION>:<kind>:<24 hex digits>`, { field });
  }
  if (expected && type !== expected) {
    throw badInput(`${field}: ${shown(id)} is a ${type} id, expected a ${expected} id`, { field });
  }
  return { region: match[1], type, objectId: new ObjectId(match[3]) };
}

/** The region and type of a well-formed ID, without throwing. */
export function peekId(id: unknown): { region: string; type: EntityType } | undefined {
  const match = typeof id === "string" ? ID_PATTERN.exec(id) : null;
  const type = match ? TYPE_BY_KIND.get(match[2]) : undefined;
  return match && type ? { region: match[1], type } : undefined;
}

/** The region an ID belongs to, or undefined when it is not a well-formed ID. */
export function regionOfId(id: unknown): string | undefined {
  return peekId(id)?.region;
}
