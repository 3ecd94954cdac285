// `npm start`: the embedded default. Until the gateway and subgraphs exist it only starts
// the embedded engine (or checks MONGODB_URI) and waits for Ctrl-C.
import { MongoClient } from "mongodb";
import { z } from "zod";
import { startEmbeddedMongo } from "./embedded-mongo/index.js";
import { onShutdown, optionalEnv, parseOrExit, port } from "../subgraphs/shared/config.js";

const env = parseOrExit(
  z.object({
    MONGODB_URI: optionalEnv(z.string().startsWith("mongodb")),
    MONGO_PORT: port(0),
  }),
  process.env,
  "environment variable",
);

const embedded = env.MONGODB_URI ? undefined : await startEmbeddedMongo({ port: env.MONGO_PORT });
const uri = env.MONGODB_URI ?? embedded!.uri;
const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
await client.connect();
await client.db("admin").command({ ping: 1 });
console.log(embedded ? `embedded MongoDB-compatible engine: ${uri}` : "MongoDB reachable at MONGODB_URI");
console.log("aidgraph: the gateway and subgraphs are not built yet; idling. Ctrl-C stops.");

onShutdown(async () => {
  await client.close();
  await embedded?.stop();
});
