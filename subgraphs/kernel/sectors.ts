// The humanitarian sectors a 3W report ("who does what, where") counts people reached in,
// and how the graph's items and needs map onto them: the one table, documented in the
// README. Sector names are the IASC clusters' as HDX and OCHA's tools read them. Items and
// needs with no sector here (transport, information) are not in 3W reports.
import { registerEnumType } from "type-graphql";

export enum Sector {
  FOOD_SECURITY = "FOOD_SECURITY",
  HEALTH = "HEALTH",
  WASH = "WASH",
  SHELTER_NFI = "SHELTER_NFI",
  PROTECTION = "PROTECTION",
}
registerEnumType(Sector, { name: "Sector", description: "A humanitarian sector (IASC cluster) of a 3W report." });

/** As the sector is written in a 3W file's #sector column. */
export const SECTOR_LABELS: Record<Sector, string> = {
  FOOD_SECURITY: "Food Security",
  HEALTH: "Health",
  WASH: "WASH",
  SHELTER_NFI: "Shelter/NFI",
  PROTECTION: "Protection",
};

/** Inventory items (the inventory subgraph's Item enum, checked there against this table). */
export const ITEM_SECTORS = {
  FOOD_KIT: Sector.FOOD_SECURITY,
  WATER: Sector.WASH,
  HYGIENE_KIT: Sector.WASH,
  MASK: Sector.HEALTH,
  MEDICINE: Sector.HEALTH,
  CLOTHING: Sector.SHELTER_NFI,
  BLANKET: Sector.SHELTER_NFI,
} as const satisfies Record<string, Sector | null>;

/** Help-request needs (the beneficiaries subgraph's Need enum). */
export const NEED_SECTORS = {
  FOOD: Sector.FOOD_SECURITY,
  MEDICINE: Sector.HEALTH,
  HYGIENE: Sector.WASH,
  CLOTHING: Sector.SHELTER_NFI,
  SHELTER: Sector.SHELTER_NFI,
  LEGAL_AID: Sector.PROTECTION,
  // Mental health and psychosocial support sits with protection in most country clusters.
  PSYCHOLOGICAL_SUPPORT: Sector.PROTECTION,
  TRANSPORT: null,
  INFORMATION: null,
} as const satisfies Record<string, Sector | null>;

const SECTOR_ORDER = Object.values(Sector);
/** Sectors in the enum's order, as reports list them. */
export const compareSectors = (a: Sector, b: Sector): number => SECTOR_ORDER.indexOf(a) - SECTOR_ORDER.indexOf(b);

/** The sector of an item or need as stored; null for none (or an unknown value). */
export const sectorOfItem = (item: string): Sector | null => (ITEM_SECTORS as Record<string, Sector | null>)[item] ?? null;
export const sectorOfNeed = (need: string): Sector | null => (NEED_SECTORS as Record<string, Sector | null>)[need] ?? null;
