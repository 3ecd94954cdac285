// `npm run compose`: builds every subgraph schema in-process, writes schema/<name>.graphql
// and the composed schema/supergraph.graphql. `-- --check` fails when schema/ is stale.
import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { buildRegionsSchema, REGIONS_SUBGRAPH } from "../gateway/regions/schema.js";
import { buildSubgraphs } from "../subgraphs/index.js";

const check = process.argv.includes("--check");
const schemaDir = new URL("../../schema/", import.meta.url);

// The four regional subgraphs and the gateway's own regions subgraph.
const subgraphs = [...(await buildSubgraphs()), { name: REGIONS_SUBGRAPH, schema: await buildRegionsSchema() }];
const sdls = subgraphs.map((s) => ({ name: s.name, sdl: `${printSubgraphSchema(s.schema)}\n` }));
const composed = composeServices(
  // The URLs are placeholders: the regional router sends each fetch to a region's instance,
  // and the regions subgraph runs inside the gateway.
  sdls.map(({ name, sdl }) => ({ name, typeDefs: parse(sdl), url: `http://${name}.regional.invalid/graphql` })),
);
if (composed.errors) {
  for (const e of composed.errors) console.error(`composition error: ${e.message}`);
  process.exit(1);
}
const outputs = [...sdls.map(({ name, sdl }) => [`${name}.graphql`, sdl]), ["supergraph.graphql", `${composed.supergraphSdl}\n`]] as const;

const stale: string[] = [];
for (const [file, text] of outputs) {
  const path = new URL(file, schemaDir);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) stale.push(file);
  else writeFileSync(path, text);
}
if (check && stale.length) {
  console.error(`schema/ is stale: ${stale.join(", ")}. Run \`npm run compose\` and commit the result.`);
  process.exit(1);
}
console.log(check ? "schema/ is up to date" : `wrote ${outputs.map(([f]) => `schema/${f}`).join(", ")}`);
