// The events subgraph on its own; env as for the region host (subgraphs/host/main.ts).
import "reflect-metadata";
import { runHost } from "../host/main.js";
import { eventsSubgraph } from "./schema.js";

await runHost([await eventsSubgraph()], "events");
