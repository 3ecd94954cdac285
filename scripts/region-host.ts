// `npm run region-host`: every subgraph kind for the regions in REGIONS (`all` or codes),
// at /<REGION>/<subgraph>/graphql. Env: REGIONS, PORT, MONGODB_URI, JWT_SECRET.
import "reflect-metadata";
import { buildSubgraphs } from "../subgraphs/index.js";
import { runHost } from "../subgraphs/host/main.js";

await runHost(await buildSubgraphs(), "region-host");
