// What the stock page asks the graph: the region's warehouses and its transfers both ways.
import type { ItemQuantity } from "../../ui/workspace";

export const STOCK = `
  query ConsoleStock($region: String!, $lang: Language!) {
    regions { code name(lang: $lang) }
    region(code: $region) {
      code
      name(lang: $lang)
      warehouses(first: 100) {
        nodes {
          id name address
          stock { item quantity }
          thresholds { item quantity }
          lowStock { item quantity threshold }
        }
      }
      incomingTransfers(first: 20) { nodes { ...ConsoleTransfer } }
      outgoingTransfers(first: 20) { nodes { ...ConsoleTransfer } }
    }
  }
  fragment ConsoleTransfer on Transfer {
    id status requestedAt receivedAt cancelledAt cancelRequestedAt
    items { item quantity }
    from { region { code name(lang: $lang) } warehouseName }
    to { region { code name(lang: $lang) } warehouseName }
  }
`;

export const DONOR_KINDS = ["PERSON", "ORGANISATION"] as const;

/** What a stock form is given: the region, its warehouses, and what to do once stock has moved. */
export interface StockFormProps {
  region: string;
  warehouses: Warehouse[];
  onDone: () => void;
}

export interface Warehouse {
  id: string;
  name: string;
  address: string | null;
  stock: ItemQuantity[];
  thresholds: ItemQuantity[];
  lowStock: Array<{ item: string; quantity: number; threshold: number }>;
}

export interface TransferEnd {
  region: { code: string; name: string };
  warehouseName: string | null;
}

export interface Transfer {
  id: string;
  status: string;
  requestedAt: string;
  receivedAt: string | null;
  cancelledAt: string | null;
  cancelRequestedAt: string | null;
  items: ItemQuantity[];
  from: TransferEnd;
  to: TransferEnd;
}

export interface StockData {
  regions: Array<{ code: string; name: string }>;
  region: {
    code: string;
    name: string;
    warehouses: { nodes: Warehouse[] } | null;
    incomingTransfers: { nodes: Transfer[] } | null;
    outgoingTransfers: { nodes: Transfer[] } | null;
  } | null;
}
