// `npm run mongo -- --port <p>`: the embedded MongoDB-compatible engine in the foreground.
import { parseArgs } from "node:util";
import { z } from "zod";
import { startEmbeddedMongo } from "./embedded-mongo/index.js";
import { onShutdown, parseOrExit, port } from "../subgraphs/kernel/config.js";

const { values } = parseArgs({
  options: { port: { type: "string" }, host: { type: "string" } },
  allowPositionals: false,
});
const args = parseOrExit(
  z.object({
    port: port(27017),
    host: z.string().min(1).default("127.0.0.1"),
  }),
  values,
  "argument",
);

const mongo = await startEmbeddedMongo({ port: args.port, host: args.host });
console.log(mongo.uri);
console.error("embedded MongoDB-compatible engine ready (in memory; data is lost on exit). Ctrl-C stops it.");
onShutdown(() => mongo.stop());
