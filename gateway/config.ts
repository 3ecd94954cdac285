// The gateway's configuration from the environment (fail fast; secrets never printed).
import { z } from "zod";
import { authEnv, limitsEnv, optionalEnv, port } from "../subgraphs/kernel/config.js";

export const gatewayEnv = authEnv
  .and(limitsEnv)
  .and(
    z.object({
      PORT: port(4000),
      HOST: z.string().min(1).default("127.0.0.1"),
      REGISTRY: z.string().min(1, "the path of the region registry JSON (regions with their subgraph URLs)"),
      SUPERGRAPH: optionalEnv(z.string()),
      REGION_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(5000),
      HEALTH_INTERVAL_MS: z.coerce.number().int().min(500).default(10_000),
      CORS_ORIGINS: z.string().default("*"),
      /** The gateway's private Ed25519 JWK file (`npm run gateway-key`): how it speaks for callers to regions. */
      GATEWAY_KEY: optionalEnv(z.string()),
    }),
  )
  .refine((e) => e.NODE_ENV !== "production" || e.GATEWAY_KEY, {
    message: "is required with NODE_ENV=production: without it the gateway would hand every region the caller's own token (see npm run gateway-key)",
    path: ["GATEWAY_KEY"],
  });
export type GatewayEnv = z.infer<typeof gatewayEnv>;
