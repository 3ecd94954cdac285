// The beneficiaries subgraph on its own; env as for the region host (subgraphs/host/main.ts).
import "reflect-metadata";
import { runHost } from "../host/main.js";
import { beneficiariesSubgraph } from "./schema.js";

await runHost([await beneficiariesSubgraph()], "beneficiaries");
