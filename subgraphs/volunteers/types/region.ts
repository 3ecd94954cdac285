import { defineRegionEntity } from "../../kernel/region-entity.js";

/** Region as the volunteers subgraph extends it. */
export const Region = defineRegionEntity();
export type Region = InstanceType<typeof Region>;
