// Fair distribution through the one endpoint: a region's entitlement rule refusing a second
// kit (the error's figures reach the client), coordinators' statistics for every region in one
// query while one region is down, and households enrolled in two regions counted per pair.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeIins } from "../support/iin.js";
import { startNational, type National } from "../support/national.js";

let national: National;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-11"], down: ["KZ-43"] });
  tokens.staff75 = await national.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staff11 = await national.token({ sub: "staff-11", role: "REGIONAL_STAFF", region: "KZ-11" });
  tokens.coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  await national?.stop();
});

async function enroll(region: string, nationalId: string, token: string): Promise<{ id: string; possibleDuplicateRegions: string[] }> {
  const res = await national.query<{ enrollBeneficiary: { id: string; possibleDuplicateRegions: string[] } }>(
    `mutation ($input: EnrollBeneficiaryInput!) { enrollBeneficiary(input: $input) { id possibleDuplicateRegions } }`,
    {
      input: { region, fullName: "Family", nationalId, householdSize: 3, needs: ["FOOD"], consent: { given: true, purpose: "food aid" } },
    },
    token,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.enrollBeneficiary;
}

describe("fair distribution through the gateway", () => {
  it("a second kit inside the period is refused with the figures a clerk needs, and counted for coordinators", async () => {
    const q = (query: string, variables: Record<string, unknown> = {}, token = tokens.staff75) => national.query(query, variables, token);
    const rule = await q(
      `mutation { setEntitlementRule(input: { region: "KZ-75", item: FOOD_KIT, quantity: 1, periodDays: 30 }) { item quantity periodDays } }`,
    );
    expect(rule.errors).toBeUndefined();
    const added = await q(`mutation { addWarehouse(input: { region: "KZ-75", name: "Fair centre" }) { id } }`);
    const warehouseId = (added.data as { addWarehouse: { id: string } }).addWarehouse.id;
    await q(
      `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "Bank", donorKind: ORGANISATION, items: [{ item: FOOD_KIT, quantity: 5 }], idempotencyKey: "fair-don" }) { id } }`,
      {
        w: warehouseId,
      },
    );
    const household = await enroll("KZ-75", makeIins(1, new Date(Date.UTC(1970, 6, 7)))[0], tokens.staff75);
    const DISTRIBUTE = `mutation ($w: ID!, $b: ID!, $k: String!) { distributeAid(input: { warehouseId: $w, beneficiaryId: $b, items: [{ item: FOOD_KIT, quantity: 1 }], idempotencyKey: $k }) { id } }`;
    expect((await q(DISTRIBUTE, { w: warehouseId, b: household.id, k: "fair-1" })).errors).toBeUndefined();
    const refused = await q(DISTRIBUTE, { w: warehouseId, b: household.id, k: "fair-2" });
    expect(refused.errors![0].extensions).toMatchObject({ code: "ENTITLEMENT_EXCEEDED", item: "FOOD_KIT", remaining: 0 });
    expect(typeof refused.errors![0].extensions!.nextEligibleAt).toBe("string");

    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const stats = await national.query<{
      regions: Array<{
        code: string;
        distributionStats: { householdsServed: number; refusals: Array<{ reason: string; count: number }> } | null;
      }>;
    }>(
      `query ($from: DateTimeISO!, $to: DateTimeISO!) { regions { code distributionStats(from: $from, to: $to) { householdsServed refusals { reason count } } } }`,
      { from, to },
      tokens.coordinator,
    );
    const byCode = new Map(stats.data!.regions.map((r) => [r.code, r.distributionStats]));
    expect(byCode.get("KZ-75")).toEqual({ householdsServed: 1, refusals: [{ reason: "ENTITLEMENT_EXCEEDED", count: 1 }] });
    expect(byCode.get("KZ-11")).toEqual({ householdsServed: 0, refusals: [] });
    // The region that is down: partial, named.
    expect(byCode.get("KZ-43")).toBeNull();
    expect(stats.errors!.map((e) => [e.extensions!.code, e.extensions!.region])).toContainEqual(["REGION_UNAVAILABLE", "KZ-43"]);
  });

  it("households enrolled in two regions: counted per pair for coordinators, nothing more", async () => {
    const iin = makeIins(1, new Date(Date.UTC(1966, 2, 3)))[0];
    await enroll("KZ-75", iin, tokens.staff75);
    const again = await enroll("KZ-11", iin, tokens.staff11);
    expect(again.possibleDuplicateRegions).toEqual(["KZ-75"]);
    const res = await national.query<{ nationalDuplicates: Array<{ regions: string[]; households: number }> }>(
      `{ nationalDuplicates { regions households } }`,
      {},
      tokens.coordinator,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.nationalDuplicates).toEqual([{ regions: ["KZ-11", "KZ-75"], households: 1 }]);
    const notices = (res.extensions?.notices ?? []) as Array<{ code: string; region: string }>;
    expect(notices.map((n) => [n.code, n.region])).toEqual([["REGION_UNAVAILABLE", "KZ-43"]]);
    const staff = await national.query(`{ nationalDuplicates { regions households } }`, {}, tokens.staff75);
    expect(staff.errors![0].extensions!.code).toBe("FORBIDDEN");
    expect((await national.query(`{ nationalDuplicates { regions households } }`)).errors![0].extensions!.code).toBe("UNAUTHENTICATED");
  });
});
