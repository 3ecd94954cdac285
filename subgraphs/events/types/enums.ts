import { registerEnumType } from "type-graphql";

export enum EventKind {
  BLOOD_DRIVE = "BLOOD_DRIVE",
  CHARITY_DRIVE = "CHARITY_DRIVE",
  TRAINING = "TRAINING",
  SEMINAR = "SEMINAR",
  DISTRIBUTION = "DISTRIBUTION",
  CLEANUP = "CLEANUP",
  CONSULTATION = "CONSULTATION",
}
registerEnumType(EventKind, { name: "EventKind" });

export enum EventStatus {
  SCHEDULED = "SCHEDULED",
  CANCELLED = "CANCELLED",
  COMPLETED = "COMPLETED",
}
registerEnumType(EventStatus, { name: "EventStatus", description: "COMPLETED once the event has ended (unless cancelled)." });
