// What the hotline and the volunteer view know of help requests: the graph's enumerations in
// the order people read them, the fields asked for, and the queue's order.
import { URGENCIES, type NEEDS } from "../../ui/workspace";

export const CHANNELS = ["HOTLINE", "WALK_IN", "ONLINE", "REFERRAL", "OUTREACH"] as const;
export const OPEN_STATUSES = ["NEW", "TRIAGED", "ASSIGNED", "IN_PROGRESS"] as const;
export const STATUSES = [...OPEN_STATUSES, "FULFILLED", "CANCELLED"] as const;
export const SKILLS = ["DRIVING", "FIRST_AID", "MEDICAL", "PSYCHOLOGY", "LEGAL", "COOKING", "LOGISTICS", "TRANSLATION", "IT"] as const;
/** The languages volunteers record (ISO 639-1), as the graph stores them. */
export const VOLUNTEER_LANGUAGES = ["kk", "ru", "en"] as const;

type Channel = (typeof CHANNELS)[number];
export type Need = (typeof NEEDS)[number];
export type Urgency = (typeof URGENCIES)[number];
export type Status = (typeof STATUSES)[number];
export type Skill = (typeof SKILLS)[number];

/** The skill a volunteer most likely needs for a need ("" when any volunteer can help). */
export const SKILL_FOR_NEED: Record<Need, Skill | ""> = {
  FOOD: "LOGISTICS",
  MEDICINE: "MEDICAL",
  CLOTHING: "LOGISTICS",
  HYGIENE: "LOGISTICS",
  SHELTER: "LOGISTICS",
  LEGAL_AID: "LEGAL",
  PSYCHOLOGICAL_SUPPORT: "PSYCHOLOGY",
  TRANSPORT: "DRIVING",
  INFORMATION: "",
};

interface StatusChange {
  from: Status | null;
  to: Status;
  at: string;
  actor: string;
  note: string | null;
}

export interface HelpRequest {
  id: string;
  channel: Channel;
  need: Need;
  urgency: Urgency;
  status: Status;
  description: string | null;
  contactPhone: string | null;
  createdAt: string;
  history: StatusChange[];
  beneficiary?: { id: string; fullName: string | null } | null;
  assignedVolunteer?: { id: string; fullName: string } | null;
}

/** What a volunteer may read of a request assigned to them. */
export const REQUEST_FIELDS = `
  fragment RequestFields on HelpRequest {
    id channel need urgency status description contactPhone createdAt
    history { from to at actor note }
  }
`;

/** And what the region's staff read besides: whose request it is and who has it. */
export const STAFF_REQUEST_FIELDS = `
  fragment StaffRequestFields on HelpRequest {
    ...RequestFields
    beneficiary { id fullName }
    assignedVolunteer { id fullName }
  }
  ${REQUEST_FIELDS}
`;

/** The graph's queue order: most urgent first, then the oldest. */
export const byQueueOrder = (a: HelpRequest, b: HelpRequest): number =>
  URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency) || a.createdAt.localeCompare(b.createdAt);

export const isOpen = (status: Status): boolean => (OPEN_STATUSES as readonly Status[]).includes(status);
