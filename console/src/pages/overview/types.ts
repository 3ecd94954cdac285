// What the overview reads of each region: aggregates only.
export const URGENCIES = ["CRITICAL", "HIGH", "NORMAL", "LOW"] as const;
export const ITEMS = ["FOOD_KIT", "HYGIENE_KIT", "MASK", "CLOTHING", "MEDICINE", "BLANKET", "WATER"] as const;

export interface ItemQuantity {
  item: string;
  quantity: number;
}

export interface RegionRow {
  code: string;
  name: string;
  status: { healthy: boolean };
  volunteerStats: { total: number; active: number } | null;
  beneficiaryStats: {
    beneficiaries: number;
    openHelpRequests: number;
    openRequestsByUrgency: Array<{ urgency: (typeof URGENCIES)[number]; count: number }>;
  } | null;
  stock: ItemQuantity[] | null;
  stockInTransit: ItemQuantity[] | null;
  warehouses: { nodes: Array<{ lowStock: Array<{ item: string }> }> } | null;
}
