import { defineEntityRef } from "../../kernel/entity-refs.js";
import { defineRegionEntity } from "../../kernel/region-entity.js";

/** Region, Beneficiary and Volunteer as the inventory subgraph sees them. */
export const Region = defineRegionEntity();
export type Region = InstanceType<typeof Region>;
export const BeneficiaryRef = defineEntityRef("Beneficiary", "A beneficiary (owned by the beneficiaries subgraph).");
export type BeneficiaryRef = InstanceType<typeof BeneficiaryRef>;
export const VolunteerRef = defineEntityRef("Volunteer", "A volunteer (owned by the volunteers subgraph).");
export type VolunteerRef = InstanceType<typeof VolunteerRef>;
export const OrganisationRef = defineEntityRef("Organisation", "An organisation (owned by the volunteers subgraph).");
export type OrganisationRef = InstanceType<typeof OrganisationRef>;
