import { defineEntityRef } from "../../kernel/entity-refs.js";
import { defineRegionEntity } from "../../kernel/region-entity.js";

/** Region as the beneficiaries subgraph extends it. */
export const Region = defineRegionEntity();
export const VolunteerRef = defineEntityRef("Volunteer", "A volunteer (owned by the volunteers subgraph).");
export type Region = InstanceType<typeof Region>;
export type VolunteerRef = InstanceType<typeof VolunteerRef>;
