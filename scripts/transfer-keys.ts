// `npm run transfer-keys -- --regions KZ-75,KZ-43 --out keys.json`: a new Ed25519 key pair
// per region for signed region-to-region messages (transfers). The private keys go to
// `--out` (mode 0600; give it to the region hosts that serve those regions as
// TRANSFER_KEYS); the public keys are printed, to be added to the registry as each
// region's `publicKey`. Private keys are never printed.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseOrExit } from "../subgraphs/kernel/config.js";
import { generatePrivateJwk, publicPart } from "../subgraphs/kernel/keys.js";
import { RegionRegistry } from "../subgraphs/kernel/regions.js";

const { values } = parseArgs({ options: { regions: { type: "string" }, out: { type: "string" }, registry: { type: "string" } } });
const args = parseOrExit(
  z.object({ regions: z.string().min(1), out: z.string().min(1), registry: z.string().optional() }),
  values,
  "argument",
);
let regions;
try {
  regions = RegionRegistry.load(args.registry).select(args.regions);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(2);
}
const keys = Object.fromEntries(await Promise.all(regions.map(async (r) => [r.code, await generatePrivateJwk()] as const)));
writeFileSync(args.out, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600, flag: "wx" });
process.stderr.write(`private keys of ${regions.length} region(s) written to ${args.out}; public keys (registry "publicKey"):\n`);
console.log(JSON.stringify(Object.fromEntries(Object.entries(keys).map(([code, jwk]) => [code, publicPart(jwk)])), null, 2));
