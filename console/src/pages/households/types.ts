// What the households page asks the graph about a household, and the enumerations it labels.
import type { ItemQuantity } from "../../ui/workspace";

export const VULNERABILITIES = [
  "UNEMPLOYED",
  "LARGE_FAMILY",
  "ELDERLY_ALONE",
  "DISABILITY",
  "SINGLE_PARENT",
  "ORPHAN",
  "CHRONIC_ILLNESS",
  "DISPLACED",
  "LOW_INCOME",
] as const;

export const STATUSES = ["ACTIVE", "CONSENT_WITHDRAWN"] as const;

export interface HouseholdRow {
  id: string;
  /** Null once consent is withdrawn. */
  fullName: string | null;
  householdSize: number;
  address: string | null;
  needs: string[];
  vulnerabilities: string[];
  status: string;
  registeredAt: string;
}

export interface HouseholdDetailData extends HouseholdRow {
  phone: string | null;
  possibleDuplicateRegions: string[];
  duplicateCheckMissing: string[];
  consent: { given: boolean; purpose: string | null; recordedAt: string; recordedBy: string; withdrawnAt: string | null };
  helpRequests: Array<{ id: string; need: string; urgency: string; status: string; createdAt: string }>;
  /** Null when the region's stock records could not be reached. */
  distributions: Array<{
    id: string;
    distributedAt: string;
    items: ItemQuantity[];
    warehouse: { name: string };
    deliveredBy: { fullName: string } | null;
  }> | null;
  entitlements: Array<{ item: string; allowed: number; used: number; remaining: number; nextEligibleAt: string | null }> | null;
}
