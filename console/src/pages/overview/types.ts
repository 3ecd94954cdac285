// What the overview reads of each region: aggregates only.
import type { ItemQuantity, URGENCIES } from "../../ui/workspace";

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
