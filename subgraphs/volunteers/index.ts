// The volunteers subgraph on its own (a regional office that runs only this one):
// env REGIONS, PORT, MONGODB_URI, JWT_SECRET; see subgraphs/shared/main.ts.
import "reflect-metadata";
import { runHost } from "../shared/main.js";
import { volunteersSubgraph } from "./schema.js";

await runHost([await volunteersSubgraph()], "volunteers");
