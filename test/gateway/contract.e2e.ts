// Every operation of the national graph's contract (test/contract/operations.graphql, a
// copy of shared/contract) through the gateway, end to end over HTTP, as the regional
// offices and national coordinators of the story would send them.
import { readFileSync } from "node:fs";
import { Kind, parse, print, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNational, type National } from "../support/national.js";

const contract = parse(readFileSync(new URL("../contract/operations.graphql", import.meta.url), "utf8"));
const operations = new Map(
  contract.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => [d.name!.value, print(d)]),
);
const op = (name: string) => {
  const text = operations.get(name);
  if (!text) throw new Error(`the contract has no operation ${name}`);
  return text;
};

// Responses are checked whole by assertions; where a test reads on in one, it names what it reads.
type Json = Record<string, unknown>;
/** The answer of a mutation that creates a record, as far as the tests read it. */
type Created<Field extends string> = Record<Field, { id: string }>;
/** A region of NationalOverview, as far as the tests read it. */
interface RegionOverview {
  code: string;
  volunteerStats: { bySkill: unknown[] };
  stock: unknown[];
}

let national: National;
let staff75: string;
let staff43: string;
let coordinator: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43", "KZ-11"] });
  staff75 = await national.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  staff43 = await national.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  await national?.stop();
});

async function run<T = Json>(name: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await national.query<T>(op(name), variables, token);
  expect(res.errors, `${name}: ${JSON.stringify(res.errors)}`).toBeUndefined();
  return res.data as T;
}

describe("the contract, in the order a regional office lives it", () => {
  it("RegisterVolunteer", async () => {
    const data = await run<Created<"registerVolunteer">>(
      "RegisterVolunteer",
      {
        input: {
          region: "KZ-75",
          fullName: "Aigerim Sadykova",
          phone: "+77011234567",
          skills: ["DRIVING", "FIRST_AID"],
          languages: ["kk", "ru"],
        },
      },
      staff75,
    );
    expect(data.registerVolunteer).toMatchObject({
      region: { code: "KZ-75" },
      fullName: "Aigerim Sadykova",
      phone: "+77011234567",
      skills: ["DRIVING", "FIRST_AID"],
      languages: ["kk", "ru"],
      status: "ACTIVE",
    });
    ids.volunteer = data.registerVolunteer.id;
    ids.volunteer43 = (
      await run<Created<"registerVolunteer">>(
        "RegisterVolunteer",
        { input: { region: "KZ-43", fullName: "Nurlan Abenov", phone: "+77021234567", skills: ["DRIVING"], languages: ["kk"] } },
        staff43,
      )
    ).registerVolunteer.id;
  });

  it("EnrollBeneficiary", async () => {
    const data = await run<Created<"enrollBeneficiary">>(
      "EnrollBeneficiary",
      {
        input: {
          region: "KZ-75",
          fullName: "Raikhan family",
          householdSize: 6,
          nationalId: "900101300126",
          phone: "+77027654321",
          address: "Almaly district",
          vulnerabilities: ["UNEMPLOYED", "LARGE_FAMILY"],
          needs: ["FOOD"],
          consent: { given: true, purpose: "food aid" },
        },
      },
      staff75,
    );
    expect(data.enrollBeneficiary).toMatchObject({
      region: { code: "KZ-75" },
      fullName: "Raikhan family",
      householdSize: 6,
      needs: ["FOOD"],
      consent: { given: true },
    });
    expect(JSON.stringify(data)).not.toContain("900101300126");
    ids.beneficiary = data.enrollBeneficiary.id;
  });

  it("OpenHelpRequest and AssignHelpRequest", async () => {
    const opened = await run<Created<"openHelpRequest">>(
      "OpenHelpRequest",
      {
        input: {
          region: "KZ-75",
          channel: "HOTLINE",
          need: "MEDICINE",
          urgency: "HIGH",
          description: "insulin for elderly neighbour",
          beneficiaryId: null,
          contactPhone: "+77051112233",
        },
      },
      staff75,
    );
    expect(opened.openHelpRequest).toMatchObject({
      status: "NEW",
      need: "MEDICINE",
      urgency: "HIGH",
      channel: "HOTLINE",
      beneficiary: null,
    });
    const assigned = await run("AssignHelpRequest", { id: opened.openHelpRequest.id, volunteerId: ids.volunteer }, staff75);
    expect(assigned.assignHelpRequest).toEqual({
      id: opened.openHelpRequest.id,
      status: "ASSIGNED",
      assignedVolunteer: { id: ids.volunteer, fullName: "Aigerim Sadykova", phone: "+77011234567" },
    });
    ids.helpRequest = opened.openHelpRequest.id;
  });

  it("AddWarehouse, ReceiveDonation and DistributeAid", async () => {
    const wh = await run<Created<"addWarehouse">>(
      "AddWarehouse",
      { input: { region: "KZ-75", name: "Almaty support centre #1", address: "Abay ave 10" } },
      staff75,
    );
    expect(wh.addWarehouse).toMatchObject({ name: "Almaty support centre #1", region: { code: "KZ-75" } });
    const warehouseId = wh.addWarehouse.id;
    const donation = {
      warehouseId,
      donor: "local entrepreneurs",
      items: [{ item: "FOOD_KIT", quantity: 120 }],
      idempotencyKey: "don-2026-0001",
    };
    const don = await run<Created<"receiveDonation">>("ReceiveDonation", { input: donation }, staff75);
    expect(don.receiveDonation).toMatchObject({ warehouse: { id: warehouseId }, items: [{ item: "FOOD_KIT", quantity: 120 }] });
    expect((await run<Created<"receiveDonation">>("ReceiveDonation", { input: donation }, staff75)).receiveDonation.id).toBe(
      don.receiveDonation.id,
    );
    const dist = await run<Created<"distributeAid">>(
      "DistributeAid",
      {
        input: {
          warehouseId,
          beneficiaryId: ids.beneficiary,
          deliveredBy: ids.volunteer,
          items: [{ item: "FOOD_KIT", quantity: 1 }],
          idempotencyKey: "dist-0001",
        },
      },
      staff75,
    );
    expect(dist.distributeAid).toMatchObject({
      items: [{ item: "FOOD_KIT", quantity: 1 }],
      beneficiary: { id: ids.beneficiary, fullName: "Raikhan family" },
      deliveredBy: { id: ids.volunteer, fullName: "Aigerim Sadykova" },
    });
    ids.distribution = dist.distributeAid.id;
  });

  it("Beneficiary", async () => {
    const data = await run("Beneficiary", { id: ids.beneficiary }, staff75);
    expect(data.beneficiary).toEqual({
      id: ids.beneficiary,
      fullName: "Raikhan family",
      needs: ["FOOD"],
      distributions: [{ id: ids.distribution, items: [{ item: "FOOD_KIT", quantity: 1 }] }],
      helpRequests: [],
    });
  });

  it("CreateEvent and SignUpForEvent, with volunteers of two regions", async () => {
    const created = await run<Created<"createEvent">>(
      "CreateEvent",
      {
        input: {
          region: "KZ-43",
          title: "Donor bol blood drive",
          kind: "BLOOD_DRIVE",
          startsAt: "2999-12-05T09:00:00Z",
          endsAt: "2999-12-05T15:00:00Z",
          location: "Regional youth resource centre",
          capacity: 40,
        },
      },
      staff43,
    );
    expect(created.createEvent).toMatchObject({
      title: "Donor bol blood drive",
      kind: "BLOOD_DRIVE",
      capacity: 40,
      region: { code: "KZ-43" },
    });
    ids.event = created.createEvent.id;
    await run("SignUpForEvent", { eventId: ids.event, volunteerId: ids.volunteer43 }, staff43);
    const signed = await run("SignUpForEvent", { eventId: ids.event, volunteerId: ids.volunteer }, staff43);
    expect(signed.signUpForEvent).toEqual({
      id: ids.event,
      spotsLeft: 38,
      participants: [
        { id: ids.volunteer43, fullName: "Nurlan Abenov" },
        { id: ids.volunteer, fullName: "Aigerim Sadykova" },
      ],
    });
  });

  it("Volunteer: events of every region, hours, and assigned help requests", async () => {
    const data = await run("Volunteer", { id: ids.volunteer }, staff75);
    expect(data.volunteer).toEqual({
      id: ids.volunteer,
      fullName: "Aigerim Sadykova",
      skills: ["DRIVING", "FIRST_AID"],
      events: [{ id: ids.event, title: "Donor bol blood drive" }],
      hoursServed: 0,
      assignedHelpRequests: [{ id: ids.helpRequest, status: "ASSIGNED" }],
    });
  });

  it("NationalOverview, for a national coordinator", async () => {
    const data = await run<{ regions: RegionOverview[] }>("NationalOverview", {}, coordinator);
    expect(data.regions.map((r) => r.code)).toEqual(["KZ-75", "KZ-43", "KZ-11"]);
    const [almaty, kyzylorda, akmola] = data.regions;
    expect(almaty).toMatchObject({
      name: "Almaty",
      status: { healthy: true },
      volunteerStats: { total: 1, active: 1 },
      beneficiaryStats: { beneficiaries: 1, people: 6, openHelpRequests: 1 },
      upcomingEvents: [],
    });
    expect(almaty.volunteerStats.bySkill).toContainEqual({ skill: "DRIVING", count: 1 });
    expect(almaty.stock).toContainEqual({ item: "FOOD_KIT", quantity: 119 });
    expect(kyzylorda).toMatchObject({
      name: "Kyzylorda Region",
      volunteerStats: { total: 1 },
      upcomingEvents: [{ id: ids.event, title: "Donor bol blood drive" }],
    });
    expect(akmola).toMatchObject({ volunteerStats: { total: 0, active: 0 }, beneficiaryStats: { beneficiaries: 0 } });
  });

  it("counts open help requests per urgency, most urgent first, every urgency listed (the console's overview)", async () => {
    const res = await national.query<{ regions: Array<{ code: string; beneficiaryStats: { openRequestsByUrgency: unknown[] } }> }>(
      `{ regions { code beneficiaryStats { openRequestsByUrgency { urgency count } } } }`,
      {},
      coordinator,
    );
    expect(res.errors).toBeUndefined();
    const byRegion = Object.fromEntries(res.data!.regions.map((r) => [r.code, r.beneficiaryStats.openRequestsByUrgency]));
    const counts = (critical: number, high: number, normal: number, low: number) => [
      { urgency: "CRITICAL", count: critical },
      { urgency: "HIGH", count: high },
      { urgency: "NORMAL", count: normal },
      { urgency: "LOW", count: low },
    ];
    // KZ-75's one open request (opened HIGH above, since assigned) and none elsewhere.
    expect(byRegion).toEqual({ "KZ-75": counts(0, 1, 0, 0), "KZ-43": counts(0, 0, 0, 0), "KZ-11": counts(0, 0, 0, 0) });
  });

  it("AvailableVolunteers, re-assembled region by region", async () => {
    const data = await run<{
      regions: Array<{ code: string; volunteers: { nodes: Array<{ id: string; region: { code: string } }>; totalCount: number } }>;
    }>("AvailableVolunteers", { skill: "DRIVING" }, coordinator);
    expect(data.regions.map((r) => [r.code, r.volunteers.totalCount, r.volunteers.nodes.map((n) => n.region.code)])).toEqual([
      ["KZ-75", 1, ["KZ-75"]],
      ["KZ-43", 1, ["KZ-43"]],
      ["KZ-11", 0, []],
    ]);
  });
});
