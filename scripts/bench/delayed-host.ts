// Bench helper process: the region host for every region, on two ports: one answering
// after DELAY_MS (the network between regions: in production each region is its own
// machine far away) and one answering at once. Prints both base URLs on one line.
import "reflect-metadata";
import { pino } from "pino";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config } from "../../subgraphs/shared/auth.js";
import { listen } from "../../subgraphs/shared/http.js";
import { connectMongo } from "../../subgraphs/shared/mongo.js";
import { RegionRegistry } from "../../subgraphs/shared/regions.js";
import { createRegionHost } from "../../subgraphs/shared/server.js";

const delay = Number(process.env.DELAY_MS ?? 50);
const registry = RegionRegistry.load();
const mongo = await connectMongo(process.env.MONGODB_URI!);
const host = await createRegionHost({
  subgraphs: await buildSubgraphs(),
  regions: registry.regions,
  registry,
  mongo,
  dbPrefix: process.env.DB_PREFIX!,
  auth: hs256Config(process.env.JWT_SECRET!),
  pseudonymKey: process.env.PSEUDONYM_KEY!,
  log: pino({ level: "silent" }),
  production: process.env.NODE_ENV === "production",
});
const delayed = await listen((req, res) => void setTimeout(() => host.handler(req, res), delay));
const direct = await listen(host.handler);
console.log(`${delayed.url} ${direct.url}`);
process.once("SIGTERM", () => process.exit(0));
