// `npm run gateway-key -- --out gateway-key.json`: a new Ed25519 key pair for the gateway,
// which signs its per-region assertions of callers with it (see gateway/identity.ts). The
// private key goes to `--out` (mode 0600; the gateway's GATEWAY_KEY); the public key is
// printed, for every region host's GATEWAY_PUBLIC_KEY. The private key is never printed.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { parseOrExit } from "../subgraphs/kernel/config.js";
import { generatePrivateJwk, publicPart } from "../subgraphs/kernel/keys.js";

const { values } = parseArgs({ options: { out: { type: "string" } } });
const args = parseOrExit(z.object({ out: z.string().min(1) }), values, "argument");
const key = await generatePrivateJwk();
writeFileSync(args.out, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600, flag: "wx" });
process.stderr.write(`private key written to ${args.out} (GATEWAY_KEY); public key (GATEWAY_PUBLIC_KEY of every region host):\n`);
console.log(JSON.stringify(publicPart(key)));
