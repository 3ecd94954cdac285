// The gateway's configuration from the environment (fail fast; secrets never printed).
import { z } from "zod";
import { authEnv, optionalEnv, port } from "../subgraphs/shared/config.js";

export const gatewayEnv = authEnv.and(z.object({
  PORT: port(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  REGISTRY: z.string().min(1, "the path of the region registry JSON (regions with their subgraph URLs)"),
  SUPERGRAPH: optionalEnv(z.string()),
  REGION_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(5000),
  HEALTH_INTERVAL_MS: z.coerce.number().int().min(500).default(10_000),
  CORS_ORIGINS: z.string().default("*"),
  MAX_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  MAX_COST: z.coerce.number().int().min(1).default(50_000),
  NODE_ENV: z.string().default("development"),
}));
export type GatewayEnv = z.infer<typeof gatewayEnv>;
