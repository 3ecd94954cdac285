// The volunteers subgraph on its own (a regional office that runs only this one):
// env REGIONS, PORT, MONGODB_URI, JWT_SECRET; see subgraphs/host/main.ts.
import "reflect-metadata";
import { runHost } from "../host/main.js";
import { volunteersSubgraph } from "./schema.js";

await runHost([await volunteersSubgraph()], "volunteers");
