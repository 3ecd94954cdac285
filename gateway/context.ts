import type { Caller } from "../subgraphs/shared/auth.js";
import type { RegionRegistry } from "../subgraphs/shared/regions.js";
import type { HealthMonitor } from "./health.js";

/** Per request at the gateway; also what the local regions subgraph resolves with. */
export interface GatewayContext {
  requestId: string;
  /** Forwarded to the subgraphs, which verify it again. */
  authorization?: string;
  caller: Caller | null;
  registry: RegionRegistry;
  health: HealthMonitor;
}
