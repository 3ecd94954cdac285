// `npm run token -- --role REGIONAL_STAFF --region KZ-75 [--sub id] [--expires 8h]`:
// a development token signed with JWT_SECRET.
import { parseArgs } from "node:util";
import { z } from "zod";
import { hs256Config, mintToken, ROLES } from "../subgraphs/kernel/auth.js";
import { parseOrExit, tokenEnv } from "../subgraphs/kernel/config.js";
import { REGION_CODE } from "../subgraphs/kernel/ids.js";

const { values } = parseArgs({
  options: { role: { type: "string" }, region: { type: "string" }, sub: { type: "string" }, expires: { type: "string" } },
});
const args = parseOrExit(
  z
    .object({
      role: z.enum(ROLES),
      region: z.string().regex(REGION_CODE).optional(),
      sub: z.string().min(1).optional(),
      expires: z.string().default("8h"),
    })
    .refine((a) => a.role !== "REGIONAL_STAFF" || a.region, { message: "REGIONAL_STAFF needs --region", path: ["region"] }),
  values,
  "argument",
);
const env = parseOrExit(tokenEnv, process.env, "environment variable");
const sub = args.sub ?? `dev-${args.role.toLowerCase()}${args.region ? `-${args.region.toLowerCase()}` : ""}`;
console.log(
  await mintToken(
    hs256Config(env.JWT_SECRET, env.JWT_ISSUER, env.JWT_AUDIENCE),
    { sub, role: args.role, region: args.region },
    args.expires,
  ),
);
