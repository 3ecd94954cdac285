import { registerEnumType } from "type-graphql";

export enum Need {
  FOOD = "FOOD",
  MEDICINE = "MEDICINE",
  CLOTHING = "CLOTHING",
  HYGIENE = "HYGIENE",
  SHELTER = "SHELTER",
  LEGAL_AID = "LEGAL_AID",
  PSYCHOLOGICAL_SUPPORT = "PSYCHOLOGICAL_SUPPORT",
  TRANSPORT = "TRANSPORT",
  INFORMATION = "INFORMATION",
}
registerEnumType(Need, { name: "Need" });

export enum Vulnerability {
  UNEMPLOYED = "UNEMPLOYED",
  LARGE_FAMILY = "LARGE_FAMILY",
  ELDERLY_ALONE = "ELDERLY_ALONE",
  DISABILITY = "DISABILITY",
  SINGLE_PARENT = "SINGLE_PARENT",
  ORPHAN = "ORPHAN",
  CHRONIC_ILLNESS = "CHRONIC_ILLNESS",
  DISPLACED = "DISPLACED",
  LOW_INCOME = "LOW_INCOME",
}
registerEnumType(Vulnerability, { name: "Vulnerability" });

export enum BeneficiaryStatus {
  ACTIVE = "ACTIVE",
  CONSENT_WITHDRAWN = "CONSENT_WITHDRAWN",
}
registerEnumType(BeneficiaryStatus, {
  name: "BeneficiaryStatus",
  description: "CONSENT_WITHDRAWN records keep only what aggregates need; personal fields are erased.",
});

export enum HelpChannel {
  HOTLINE = "HOTLINE",
  WALK_IN = "WALK_IN",
  ONLINE = "ONLINE",
  REFERRAL = "REFERRAL",
  OUTREACH = "OUTREACH",
}
registerEnumType(HelpChannel, { name: "HelpChannel" });

export enum Urgency {
  LOW = "LOW",
  NORMAL = "NORMAL",
  HIGH = "HIGH",
  CRITICAL = "CRITICAL",
}
registerEnumType(Urgency, { name: "Urgency" });

/** Queue order: most urgent first. */
export const URGENCY_RANK: Record<Urgency, number> = { CRITICAL: 0, HIGH: 1, NORMAL: 2, LOW: 3 };

export enum HelpRequestStatus {
  NEW = "NEW",
  TRIAGED = "TRIAGED",
  ASSIGNED = "ASSIGNED",
  IN_PROGRESS = "IN_PROGRESS",
  FULFILLED = "FULFILLED",
  CANCELLED = "CANCELLED",
}
registerEnumType(HelpRequestStatus, {
  name: "HelpRequestStatus",
  description: "NEW → TRIAGED (optional) → ASSIGNED → IN_PROGRESS → FULFILLED; CANCELLED from any open status.",
});

export const OPEN_STATUSES = [HelpRequestStatus.NEW, HelpRequestStatus.TRIAGED, HelpRequestStatus.ASSIGNED, HelpRequestStatus.IN_PROGRESS];
