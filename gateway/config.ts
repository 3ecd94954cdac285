// The gateway's configuration from the environment (fail fast; secrets never printed): the
// variables it reads, as subgraphs/kernel/config.ts declares them.
import { AUTH_VARIABLES, env, LIMIT_VARIABLES } from "../subgraphs/kernel/config.js";

export const gatewayEnv = env(
  "gateway",
  [
    ...AUTH_VARIABLES,
    "LOG_LEVEL",
    "PORT",
    "HOST",
    "REGISTRY",
    "SUPERGRAPH",
    "GATEWAY_KEY",
    "REGION_TIMEOUT_MS",
    "HEALTH_INTERVAL_MS",
    "CORS_ORIGINS",
    "EXPORT_MIN_COUNT",
    "CONSOLE",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    ...LIMIT_VARIABLES,
  ],
  // Without a registry it would know no region's address.
  { defaults: { PORT: 4000 }, required: ["REGISTRY"] },
);
