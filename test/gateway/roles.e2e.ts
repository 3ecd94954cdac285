// Who may do what, over every operation of the contract, through the gateway: allowed
// operations succeed; denied ones answer with the right code (a whole operation, or
// just the personal fields) and write nothing.
import { readFileSync } from "node:fs";
import { Kind, parse, print, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNational, type National } from "../support/national.js";

const contract = parse(readFileSync(new URL("../contract/operations.graphql", import.meta.url), "utf8"));
const op = (name: string) =>
  print(contract.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name)!);

type Role = "anonymous" | "coordinator" | "staff75" | "staff43" | "volunteer";
/** ok: no errors; partial: data with FORBIDDEN on some fields; otherwise the code of a refused operation. */
type Outcome = "ok" | "partial" | "FORBIDDEN" | "UNAUTHENTICATED";

let national: National;
const tokens: Partial<Record<Role, string>> = {};
const ids: Record<string, string> = {};
let counter = 0;
const unique = () => `${Date.now()}${counter++}`;

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43"] });
  tokens.coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  tokens.staff75 = await national.token({ sub: "s75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staff43 = await national.token({ sub: "s43", role: "REGIONAL_STAFF", region: "KZ-43" });
  const q = async (name: string, variables: Record<string, unknown>) => {
    const res = await national.query<Record<string, { id: string }>>(op(name), variables, tokens.staff75);
    expect(res.errors).toBeUndefined();
    return Object.values(res.data!)[0]!.id;
  };
  ids.volunteer = await q("RegisterVolunteer", { input: { region: "KZ-75", fullName: "Aigerim Sadykova", phone: "+77011234567", skills: ["DRIVING"], languages: ["kk"] } });
  tokens.volunteer = await national.token({ sub: ids.volunteer, role: "VOLUNTEER" });
  ids.beneficiary = await q("EnrollBeneficiary", { input: { region: "KZ-75", fullName: "Raikhan family", householdSize: 6, nationalId: "900101300126", needs: ["FOOD"], consent: { given: true, purpose: "food aid" } } });
  ids.warehouse = await q("AddWarehouse", { input: { region: "KZ-75", name: "Almaty support centre #1" } });
  await q("ReceiveDonation", { input: { warehouseId: ids.warehouse, donor: "donors", items: [{ item: "FOOD_KIT", quantity: 100 }], idempotencyKey: "seed-donation" } });
  ids.event = await q("CreateEvent", { input: { region: "KZ-75", title: "Cleanup", kind: "CLEANUP", startsAt: "2999-05-01T09:00:00Z", endsAt: "2999-05-01T12:00:00Z", location: "Park", capacity: 50 } });
});
afterAll(async () => {
  await national?.stop();
});

const db = () => national.host.db("KZ-75");

/** Each operation: its variables (fresh for every call) and the collection a write changes. */
const OPERATIONS: Record<string, { variables: () => Promise<Record<string, unknown>> | Record<string, unknown>; writes?: string }> = {
  NationalOverview: { variables: () => ({}) },
  AvailableVolunteers: { variables: () => ({ skill: "DRIVING" }) },
  Volunteer: { variables: () => ({ id: ids.volunteer }) },
  Beneficiary: { variables: () => ({ id: ids.beneficiary }) },
  RegisterVolunteer: { variables: () => ({ input: { region: "KZ-75", fullName: "New Volunteer", phone: `+7702${unique().slice(-7)}` } }), writes: "volunteers" },
  EnrollBeneficiary: {
    variables: () => ({ input: { region: "KZ-75", fullName: "New family", householdSize: 2, nationalId: unique().slice(-12), consent: { given: true, purpose: "aid" } } }),
    writes: "beneficiaries",
  },
  OpenHelpRequest: { variables: () => ({ input: { region: "KZ-75", channel: "HOTLINE", need: "FOOD", urgency: "NORMAL" } }), writes: "help_requests" },
  AssignHelpRequest: {
    variables: async () => {
      const res = await national.query<{ openHelpRequest: { id: string } }>(op("OpenHelpRequest"), { input: { region: "KZ-75", channel: "HOTLINE", need: "FOOD" } }, tokens.staff75);
      return { id: res.data!.openHelpRequest.id, volunteerId: ids.volunteer };
    },
    writes: "help_requests",
  },
  AddWarehouse: { variables: () => ({ input: { region: "KZ-75", name: `Warehouse ${unique()}` } }), writes: "warehouses" },
  ReceiveDonation: { variables: () => ({ input: { warehouseId: ids.warehouse, donor: "donor", items: [{ item: "MASK", quantity: 5 }], idempotencyKey: `don-${unique()}` } }), writes: "stock_movements" },
  DistributeAid: {
    variables: () => ({ input: { warehouseId: ids.warehouse, beneficiaryId: ids.beneficiary, deliveredBy: ids.volunteer, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: `dist-${unique()}` } }),
    writes: "stock_movements",
  },
  CreateEvent: {
    variables: () => ({ input: { region: "KZ-75", title: "Seminar", kind: "SEMINAR", startsAt: "2999-06-01T09:00:00Z", endsAt: "2999-06-01T10:00:00Z", onlineUrl: "https://meet.example.org/x", capacity: 10 } }),
    writes: "events",
  },
  SignUpForEvent: { variables: () => ({ eventId: ids.event, volunteerId: ids.volunteer }) },
};

const OK_FOR_STAFF75: Outcome = "ok";
const MATRIX: Record<string, Record<Role, Outcome>> = {
  NationalOverview: { anonymous: "UNAUTHENTICATED", coordinator: "ok", staff75: "ok", staff43: "ok", volunteer: "partial" },
  AvailableVolunteers: { anonymous: "UNAUTHENTICATED", coordinator: "ok", staff75: "ok", staff43: "ok", volunteer: "partial" },
  Volunteer: { anonymous: "UNAUTHENTICATED", coordinator: "ok", staff75: "ok", staff43: "ok", volunteer: "ok" },
  Beneficiary: { anonymous: "UNAUTHENTICATED", coordinator: "partial", staff75: "ok", staff43: "partial", volunteer: "FORBIDDEN" },
  RegisterVolunteer: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: OK_FOR_STAFF75, staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  EnrollBeneficiary: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  OpenHelpRequest: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  AssignHelpRequest: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  AddWarehouse: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  ReceiveDonation: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  DistributeAid: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  CreateEvent: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  // Volunteers sign themselves up; staff of the event's region sign anyone up.
  SignUpForEvent: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "ok" },
};

const cases = Object.entries(MATRIX).flatMap(([operation, roles]) => (Object.entries(roles) as Array<[Role, Outcome]>).map(([role, outcome]) => [operation, role, outcome] as const));

describe("role × operation", () => {
  it.each(cases)("%s as %s: %s", async (operation, role, outcome) => {
    const spec = OPERATIONS[operation]!;
    const variables = await spec.variables();
    const before = spec.writes ? await db().collection(spec.writes).countDocuments() : 0;
    // Sign-ups are made once per volunteer: let every allowed role sign up someone new.
    if (operation === "SignUpForEvent" && role === "staff75") variables.volunteerId = (await national.query<{ registerVolunteer: { id: string } }>(op("RegisterVolunteer"), { input: { region: "KZ-75", fullName: "Another", phone: `+7703${unique().slice(-7)}` } }, tokens.staff75)).data!.registerVolunteer.id;
    const res = await national.query(op(operation), variables, tokens[role]);
    const codes = (res.errors ?? []).map((e) => e.extensions?.code);
    if (outcome === "ok") {
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    } else if (outcome === "partial") {
      expect(codes.length).toBeGreaterThan(0);
      expect(new Set(codes)).toEqual(new Set(["FORBIDDEN"]));
      expect(Object.values(res.data ?? {}).some((v) => v !== null)).toBe(true);
    } else {
      expect(codes[0]).toBe(outcome);
      expect(Object.values(res.data ?? {}).every((v) => v === null)).toBe(true);
      if (spec.writes) expect(await db().collection(spec.writes).countDocuments()).toBe(before);
    }
  });
});
