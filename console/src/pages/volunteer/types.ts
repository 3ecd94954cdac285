// What the volunteer view reads of the signed-in volunteer.
import type { HelpRequest, Skill } from "../hotline/model";

type EventKind = "BLOOD_DRIVE" | "CHARITY_DRIVE" | "TRAINING" | "SEMINAR" | "DISTRIBUTION" | "CLEANUP" | "CONSULTATION";

export interface SignUp {
  id: string;
  title: string;
  kind: EventKind;
  startsAt: string;
  endsAt: string;
  location: string | null;
  status: "SCHEDULED" | "CANCELLED" | "COMPLETED";
  region: { code: string; name: string };
}

export interface Me {
  id: string;
  fullName: string;
  phone: string | null;
  skills: Skill[];
  languages: string[];
  status: "ACTIVE" | "INACTIVE" | "SUSPENDED";
  region: { code: string; name: string };
  /** Null when the events of some region could not be read. */
  hoursServed: number | null;
  events: SignUp[] | null;
  assignedHelpRequests: HelpRequest[] | null;
}
