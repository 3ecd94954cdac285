// The events subgraph on its own; env as for the region host (subgraphs/shared/main.ts).
import "reflect-metadata";
import { runHost } from "../shared/main.js";
import { eventsSubgraph } from "./schema.js";

await runHost([await eventsSubgraph()], "events");
