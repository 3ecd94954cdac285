import { registerEnumType } from "type-graphql";

export enum Skill {
  DRIVING = "DRIVING",
  FIRST_AID = "FIRST_AID",
  MEDICAL = "MEDICAL",
  PSYCHOLOGY = "PSYCHOLOGY",
  LEGAL = "LEGAL",
  COOKING = "COOKING",
  LOGISTICS = "LOGISTICS",
  TRANSLATION = "TRANSLATION",
  IT = "IT",
}
registerEnumType(Skill, { name: "Skill", description: "What a volunteer can do." });

export enum VolunteerStatus {
  ACTIVE = "ACTIVE",
  INACTIVE = "INACTIVE",
  SUSPENDED = "SUSPENDED",
}
registerEnumType(VolunteerStatus, {
  name: "VolunteerStatus",
  description: "ACTIVE volunteers can be assigned; INACTIVE are on a break; SUSPENDED are barred by staff.",
});
