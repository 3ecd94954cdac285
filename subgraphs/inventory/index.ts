// The inventory subgraph on its own; env as for the region host (subgraphs/shared/main.ts).
import "reflect-metadata";
import { runHost } from "../shared/main.js";
import { inventorySubgraph } from "./schema.js";

await runHost([await inventorySubgraph()], "inventory");
