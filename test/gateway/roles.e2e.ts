// Who may do what, over every operation of the contract, through the gateway: allowed
// operations succeed; denied ones answer with the right code (a whole operation, or
// just the personal fields) and write nothing.
import { readFileSync } from "node:fs";
import { Kind, parse, print, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postGraphQL, type GraphQLResponse } from "../support/host.js";
import { makeIins } from "../support/iin.js";
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
/** Valid IINs, a fresh one per enrolment. */
const iins = makeIins(100, new Date(Date.UTC(1985, 4, 17)), 4);
let enrolled = 0;

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43"] });
  tokens.coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  tokens.staff75 = await national.token({ sub: "s75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staff43 = await national.token({ sub: "s43", role: "REGIONAL_STAFF", region: "KZ-43" });
  const q = async (name: string, variables: Record<string, unknown>) => {
    const res = await national.query<Record<string, { id: string }>>(op(name), variables, tokens.staff75);
    expect(res.errors).toBeUndefined();
    return Object.values(res.data!)[0].id;
  };
  ids.volunteer = await q("RegisterVolunteer", {
    input: { region: "KZ-75", fullName: "Aigerim Sadykova", phone: "+77011234567", skills: ["DRIVING"], languages: ["kk"] },
  });
  tokens.volunteer = await national.token({ sub: ids.volunteer, role: "VOLUNTEER" });
  ids.beneficiary = await q("EnrollBeneficiary", {
    input: {
      region: "KZ-75",
      fullName: "Raikhan family",
      householdSize: 6,
      nationalId: "900101300126",
      needs: ["FOOD"],
      consent: { given: true, purpose: "food aid" },
    },
  });
  ids.warehouse = await q("AddWarehouse", { input: { region: "KZ-75", name: "Almaty support centre #1" } });
  ids.donation = await q("ReceiveDonation", {
    input: { warehouseId: ids.warehouse, donor: "donors", items: [{ item: "FOOD_KIT", quantity: 100 }], idempotencyKey: "seed-donation" },
  });
  ids.event = await q("CreateEvent", {
    input: {
      region: "KZ-75",
      title: "Cleanup",
      kind: "CLEANUP",
      startsAt: "2999-05-01T09:00:00Z",
      endsAt: "2999-05-01T12:00:00Z",
      location: "Park",
      capacity: 50,
    },
  });
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
  RegisterVolunteer: {
    variables: () => ({ input: { region: "KZ-75", fullName: "New Volunteer", phone: `+7702${unique().slice(-7)}` } }),
    writes: "volunteers",
  },
  EnrollBeneficiary: {
    variables: () => ({
      input: {
        region: "KZ-75",
        fullName: "New family",
        householdSize: 2,
        nationalId: iins[enrolled++],
        consent: { given: true, purpose: "aid" },
      },
    }),
    writes: "beneficiaries",
  },
  OpenHelpRequest: {
    variables: () => ({ input: { region: "KZ-75", channel: "HOTLINE", need: "FOOD", urgency: "NORMAL" } }),
    writes: "help_requests",
  },
  AssignHelpRequest: {
    variables: async () => {
      const res = await national.query<{ openHelpRequest: { id: string } }>(
        op("OpenHelpRequest"),
        { input: { region: "KZ-75", channel: "HOTLINE", need: "FOOD" } },
        tokens.staff75,
      );
      return { id: res.data!.openHelpRequest.id, volunteerId: ids.volunteer };
    },
    writes: "help_requests",
  },
  AddWarehouse: { variables: () => ({ input: { region: "KZ-75", name: `Warehouse ${unique()}` } }), writes: "warehouses" },
  ReceiveDonation: {
    variables: () => ({
      input: { warehouseId: ids.warehouse, donor: "donor", items: [{ item: "MASK", quantity: 5 }], idempotencyKey: `don-${unique()}` },
    }),
    writes: "stock_movements",
  },
  DistributeAid: {
    variables: () => ({
      input: {
        warehouseId: ids.warehouse,
        beneficiaryId: ids.beneficiary,
        deliveredBy: ids.volunteer,
        items: [{ item: "FOOD_KIT", quantity: 1 }],
        idempotencyKey: `dist-${unique()}`,
      },
    }),
    writes: "stock_movements",
  },
  CreateEvent: {
    variables: () => ({
      input: {
        region: "KZ-75",
        title: "Seminar",
        kind: "SEMINAR",
        startsAt: "2999-06-01T09:00:00Z",
        endsAt: "2999-06-01T10:00:00Z",
        onlineUrl: "https://meet.example.org/x",
        capacity: 10,
      },
    }),
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
  RegisterVolunteer: {
    anonymous: "UNAUTHENTICATED",
    coordinator: "FORBIDDEN",
    staff75: OK_FOR_STAFF75,
    staff43: "FORBIDDEN",
    volunteer: "FORBIDDEN",
  },
  EnrollBeneficiary: {
    anonymous: "UNAUTHENTICATED",
    coordinator: "FORBIDDEN",
    staff75: "ok",
    staff43: "FORBIDDEN",
    volunteer: "FORBIDDEN",
  },
  OpenHelpRequest: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  AssignHelpRequest: {
    anonymous: "UNAUTHENTICATED",
    coordinator: "FORBIDDEN",
    staff75: "ok",
    staff43: "FORBIDDEN",
    volunteer: "FORBIDDEN",
  },
  AddWarehouse: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  ReceiveDonation: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  DistributeAid: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  CreateEvent: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "FORBIDDEN" },
  // Volunteers sign themselves up; staff of the event's region sign anyone up. The answer lists
  // the other participants, whose names a volunteer does not see.
  SignUpForEvent: { anonymous: "UNAUTHENTICATED", coordinator: "FORBIDDEN", staff75: "ok", staff43: "FORBIDDEN", volunteer: "partial" },
};

const cases = Object.entries(MATRIX).flatMap(([operation, roles]) =>
  (Object.entries(roles) as Array<[Role, Outcome]>).map(([role, outcome]) => [operation, role, outcome] as const),
);

describe("role × operation", () => {
  it.each(cases)("%s as %s: %s", async (operation, role, outcome) => {
    const spec = OPERATIONS[operation];
    const variables = await spec.variables();
    const before = spec.writes ? await db().collection(spec.writes).countDocuments() : 0;
    // Sign-ups are made once per volunteer: let every allowed role sign up someone new.
    if (operation === "SignUpForEvent" && role === "staff75")
      variables.volunteerId = (
        await national.query<{ registerVolunteer: { id: string } }>(
          op("RegisterVolunteer"),
          { input: { region: "KZ-75", fullName: "Another", phone: `+7703${unique().slice(-7)}` } },
          tokens.staff75,
        )
      ).data!.registerVolunteer.id;
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

/**
 * Volunteers see their own profile, sign-ups and hours, and the help requests assigned to
 * them — however the objects are reached: nested fields through the gateway, `_entities`
 * called directly on a region host, or a batch.
 */
describe("a volunteer, over nested and _entities paths", () => {
  const extra: Record<string, string> = {};
  const staff = (query: string, variables: Record<string, unknown> = {}) =>
    national.query<Record<string, { id: string }>>(query, variables, tokens.staff75);

  beforeAll(async () => {
    const first = (res: GraphQLResponse<Record<string, { id: string }>>) => {
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      return Object.values(res.data!)[0].id;
    };
    extra.other = first(
      await staff(op("RegisterVolunteer"), {
        input: { region: "KZ-75", fullName: "Daulet Omarov", phone: "+77015556677", skills: ["MEDICAL"], languages: ["ru"] },
      }),
    );
    extra.event = first(
      await staff(op("CreateEvent"), {
        input: {
          region: "KZ-75",
          title: "Blood drive",
          kind: "BLOOD_DRIVE",
          startsAt: "2999-07-01T09:00:00Z",
          endsAt: "2999-07-01T12:00:00Z",
          location: "Youth centre",
          capacity: 10,
        },
      }),
    );
    for (const volunteerId of [ids.volunteer, extra.other]) first(await staff(op("SignUpForEvent"), { eventId: extra.event, volunteerId }));
    const open = (input: Record<string, unknown>) =>
      staff(op("OpenHelpRequest"), { input: { region: "KZ-75", channel: "HOTLINE", need: "FOOD", ...input } });
    extra.mine = first(await open({ beneficiaryId: ids.beneficiary, description: "food for six", contactPhone: "+77051112233" }));
    first(await staff(op("AssignHelpRequest"), { id: extra.mine, volunteerId: ids.volunteer }));
    extra.theirs = first(await open({ description: "medicine for a neighbour", contactPhone: "+77059998877" }));
    first(await staff(op("AssignHelpRequest"), { id: extra.theirs, volunteerId: extra.other }));
    extra.distribution = first(
      await staff(op("DistributeAid"), {
        input: {
          warehouseId: ids.warehouse,
          beneficiaryId: ids.beneficiary,
          items: [{ item: "FOOD_KIT", quantity: 1 }],
          idempotencyKey: "nested-dist",
        },
      }),
    );
    extra.group = first(
      await staff(`mutation ($input: CreateVolunteerGroupInput!) { createVolunteerGroup(input: $input) { id } }`, {
        input: { region: "KZ-75", name: "Red Crescent volunteers", leaderId: extra.other },
      }),
    );
    first(
      await staff(`mutation ($id: ID!, $input: UpdateVolunteerInput!) { updateVolunteer(id: $id, input: $input) { id } }`, {
        id: ids.volunteer,
        input: { groupId: extra.group },
      }),
    );
    const to = await national.query<Record<string, { id: string }>>(
      op("AddWarehouse"),
      { input: { region: "KZ-43", name: "Karaganda hub" } },
      tokens.staff43,
    );
    extra.transfer = first(
      await staff(`mutation ($input: TransferStockInput!) { transferStock(input: $input) { id } }`, {
        input: {
          fromWarehouseId: ids.warehouse,
          toWarehouseId: Object.values(to.data!)[0].id,
          items: [{ item: "FOOD_KIT", quantity: 2 }],
          idempotencyKey: "nested-transfer",
        },
      }),
    );
  });

  /** Every error FORBIDDEN, and none of `secrets` anywhere in the answer. */
  function expectWithheld(res: GraphQLResponse, secrets: string[]) {
    const codes = new Set((res.errors ?? []).map((e) => e.extensions?.code));
    expect(codes).toEqual(new Set(["FORBIDDEN"]));
    const text = JSON.stringify(res.data);
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it("sees an event's other participants and their attendance only as ids", async () => {
    const res = await national.query<{
      event: { participants: Array<{ id: string; fullName: string } | null>; attendance: Array<{ volunteer: { id: string } }> };
    }>(
      `query ($id: ID!) { event(id: $id) { id title participants { id fullName skills group { name } } attendance { volunteer { id } signedUpAt } } }`,
      { id: extra.event },
      tokens.volunteer,
    );
    expectWithheld(res, ["Daulet", "Omarov", "MEDICAL", "Red Crescent"]);
    expect(res.data!.event.participants).toContainEqual(expect.objectContaining({ id: ids.volunteer, fullName: "Aigerim Sadykova" }));
    expect(res.data!.event.attendance.map((a) => a.volunteer.id)).toEqual([ids.volunteer]);
    expect(res.errors!.some((e) => /Volunteer\.fullName: volunteers see only their own profile/.test(e.message))).toBe(true);
  });

  it("sees the help requests assigned to them, but not the household behind one", async () => {
    const res = await national.query<{
      volunteer: { assignedHelpRequests: Array<{ id: string; description: string; beneficiary: unknown }> };
    }>(
      `query ($id: ID!) { volunteer(id: $id) { assignedHelpRequests { id description contactPhone beneficiary { id fullName householdSize vulnerabilities consent { given } helpRequests { id } distributions { id } } } } }`,
      { id: ids.volunteer },
      tokens.volunteer,
    );
    expectWithheld(res, ["Raikhan", extra.theirs]);
    const assigned = res.data!.volunteer.assignedHelpRequests;
    expect(assigned).toContainEqual(expect.objectContaining({ id: extra.mine, description: "food for six", contactPhone: "+77051112233" }));
    expect(assigned.map((r) => r.id)).not.toContain(extra.theirs);
    const mine = assigned.findIndex((r) => r.id === extra.mine);
    expect(res.errors!.map((e) => e.path?.join("."))).toContain(`volunteer.assignedHelpRequests.${mine}.beneficiary.householdSize`);
  });

  it("does not see their group or its members", async () => {
    const res = await national.query(
      `query ($id: ID!) { volunteer(id: $id) { id fullName group { id name members { nodes { fullName } } } } }`,
      { id: ids.volunteer },
      tokens.volunteer,
    );
    expectWithheld(res, ["Red Crescent", "Daulet"]);
    expect(res.data).toMatchObject({ volunteer: { id: ids.volunteer, fullName: "Aigerim Sadykova" } });
  });

  /** `_entities` as the gateway would send it, straight to KZ-75's host. */
  const ENTITIES: Array<[string, string, () => string, string, "ok" | "FORBIDDEN"]> = [
    ["volunteers", "Volunteer", () => ids.volunteer, "fullName phone skills", "ok"],
    ["volunteers", "Volunteer", () => extra.other, "fullName phone skills", "FORBIDDEN"],
    ["volunteers", "VolunteerGroup", () => extra.group, "name organisation { id }", "FORBIDDEN"],
    ["beneficiaries", "Beneficiary", () => ids.beneficiary, "householdSize vulnerabilities needs consent { given purpose }", "FORBIDDEN"],
    ["beneficiaries", "HelpRequest", () => extra.mine, "status need description history { to }", "ok"],
    ["beneficiaries", "HelpRequest", () => extra.theirs, "status need description history { to }", "FORBIDDEN"],
    ["inventory", "Warehouse", () => ids.warehouse, "name stock { item quantity }", "FORBIDDEN"],
    ["inventory", "Donation", () => ids.donation, "donor items { item quantity }", "FORBIDDEN"],
    ["inventory", "Distribution", () => extra.distribution, "items { item quantity } beneficiary { id }", "FORBIDDEN"],
    ["inventory", "Transfer", () => extra.transfer, "status items { item quantity }", "FORBIDDEN"],
    ["events", "Event", () => extra.event, "title attendance { volunteer { id } }", "ok"],
  ];
  const entitiesQuery = (type: string, fields: string) =>
    `query ($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} { id ${fields} } } }`;

  it.each(ENTITIES)("_entities on %s for a %s (%#): %s", async (subgraph, type, id, fields, outcome) => {
    const res = await postGraphQL<{ _entities: Array<Record<string, unknown> | null> }>(
      national.host.url("KZ-75", subgraph),
      entitiesQuery(type, fields),
      { r: [{ __typename: type, id: id() }] },
      tokens.volunteer,
    );
    if (outcome === "ok") {
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(res.data!._entities[0]).toMatchObject({ id: id() });
    } else {
      expect(res.errors?.length).toBeGreaterThan(0);
      expectWithheld(res, [
        "Daulet",
        "Raikhan",
        "medicine for a neighbour",
        "food aid",
        "Almaty support centre",
        "Red Crescent",
        "FOOD_KIT",
      ]);
      expect(res.errors!.every((e) => e.path?.[0] === "_entities" && e.path[1] === 0)).toBe(true);
      // Nothing but the key: the entity is null, or every other field is.
      const entity = res.data?._entities[0] ?? null;
      expect(entity === null || Object.entries(entity).every(([k, v]) => k === "id" || v === null), JSON.stringify(entity)).toBe(true);
    }
  });

  it("gets the same answers from the region's batch endpoint", async () => {
    const res = await fetch(`${national.host.baseUrl}/KZ-75/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.volunteer}` },
      body: JSON.stringify({
        requests: ENTITIES.map(([subgraph, type, id, fields]) => ({
          subgraph,
          query: entitiesQuery(type, fields),
          variables: { r: [{ __typename: type, id: id() }] },
        })),
      }),
    });
    expect(res.status).toBe(200);
    const { responses } = (await res.json()) as { responses: Array<{ status: number; body: GraphQLResponse }> };
    responses.forEach((answer, i) => {
      const forbidden = (answer.body.errors ?? []).some((e) => e.extensions?.code === "FORBIDDEN");
      expect({ i, forbidden }).toEqual({ i, forbidden: ENTITIES[i][4] === "FORBIDDEN" });
    });
  });
});
