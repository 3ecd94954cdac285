// Transfers through the national graph: routed to the source region whatever order the
// input lists the warehouses in, received in the destination region, and visible in the
// national view of everything in transit.
import { readFileSync } from "node:fs";
import { Kind, parse, print, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNational, type National } from "../support/national.js";
import { eventually } from "../support/wait.js";

const operations = new Map(
  parse(readFileSync(new URL("../contract/transfers.graphql", import.meta.url), "utf8"))
    .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((d) => [d.name!.value, print(d)]),
);
const op = (name: string) => operations.get(name)!;

type Json = Record<string, unknown>;
/** A region of TransfersInTransit, as far as the tests read it. */
interface RegionInTransit {
  code: string;
  outgoingTransfers: { totalCount: number } | null;
  stockInTransit: unknown;
}

let national: National;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  national = await startNational({ healthy: ["KZ-75", "KZ-43", "KZ-11"] });
  tokens.staff75 = await national.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staff43 = await national.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  tokens.coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
  // A volunteer is always a volunteer id.
  tokens.volunteer = await national.token({ sub: "KZ-75:vol:6650c0ffee0123456789abcd", role: "VOLUNTEER" });
});
afterAll(async () => {
  await national?.stop();
});

async function ok<T = Json>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await national.query<T>(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

async function warehouse(region: string, token: string, name: string, food = 0): Promise<string> {
  const data = await ok<{ addWarehouse: { id: string } }>(
    `mutation ($input: AddWarehouseInput!) { addWarehouse(input: $input) { id } }`,
    { input: { region, name } },
    token,
  );
  const id = data.addWarehouse.id;
  if (food) {
    await ok(
      `mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id } }`,
      {
        input: { warehouseId: id, donor: "donors", items: [{ item: "FOOD_KIT", quantity: food }], idempotencyKey: `seed-${name}` },
      },
      token,
    );
  }
  return id;
}

const settled = (id: string, status: string): Promise<Json> =>
  eventually(
    async () => (await ok<{ transfer: Json }>(op("Transfer"), { id }, tokens.coordinator)).transfer,
    (t) => t.status === status,
    `${id} ${status}`,
  );

describe("transfers through the gateway", () => {
  it("routes to the source, announces to the destination, shows what is in transit nationally, and is received once", async () => {
    const from = await warehouse("KZ-75", tokens.staff75, "Almaty hub", 100);
    const to = await warehouse("KZ-43", tokens.staff43, "Kyzylorda centre");

    // The destination listed first: the source warehouse still decides where this goes.
    const started = await ok<{ transferStock: { id: string } }>(
      op("TransferStock"),
      {
        input: { toWarehouseId: to, fromWarehouseId: from, items: [{ item: "FOOD_KIT", quantity: 30 }], idempotencyKey: "gw-trf-1" },
      },
      tokens.coordinator,
    );
    const t = started.transferStock;
    expect(t).toMatchObject({
      from: { region: { code: "KZ-75", name: "Almaty" }, warehouseId: from, warehouseName: "Almaty hub" },
      to: { region: { code: "KZ-43" }, warehouseId: to },
      items: [{ item: "FOOD_KIT", quantity: 30 }],
    });
    expect(t.id).toMatch(/^KZ-75:trf:/);
    await settled(t.id, "IN_TRANSIT");

    const view = (await ok<{ regions: RegionInTransit[] }>(op("TransfersInTransit"), {}, tokens.coordinator)).regions;
    const byCode = new Map(view.map((r) => [r.code, r]));
    expect(byCode.get("KZ-75")!.outgoingTransfers).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: t.id,
          status: "IN_TRANSIT",
          from: { region: { code: "KZ-75" }, warehouseName: "Almaty hub" },
          to: { region: { code: "KZ-43", name: "Kyzylorda Region" }, warehouseName: "Kyzylorda centre" },
          items: [{ item: "FOOD_KIT", quantity: 30 }],
        },
      ],
    });
    // Counted once nationally: the destination, which has recorded it, counts it; the source no longer does.
    expect(byCode.get("KZ-43")!.stockInTransit).toContainEqual({ item: "FOOD_KIT", quantity: 30 });
    expect(byCode.get("KZ-75")!.stockInTransit).toContainEqual({ item: "FOOD_KIT", quantity: 0 });
    expect(byCode.get("KZ-43")!.outgoingTransfers!.totalCount).toBe(0);

    const incoming = (await ok<{ region: Json }>(op("IncomingTransfers"), { code: "KZ-43" }, tokens.staff43)).region;
    expect(incoming.incomingTransfers).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: t.id,
          status: "IN_TRANSIT",
          from: { region: { code: "KZ-75", name: "Almaty" } },
          items: [{ item: "FOOD_KIT", quantity: 30 }],
        },
      ],
    });

    const received = await ok(op("ReceiveTransfer"), { region: "KZ-43", id: t.id }, tokens.staff43);
    expect(received.receiveTransfer).toMatchObject({
      id: t.id,
      status: "RECEIVED",
      receivedBy: "REGIONAL_STAFF:staff-43",
      to: { warehouseName: "Kyzylorda centre" },
    });
    await settled(t.id, "RECEIVED");
    const after = (await ok<{ region: Json }>(op("IncomingTransfers"), { code: "KZ-43" }, tokens.staff43)).region;
    expect(after.stock).toContainEqual({ item: "FOOD_KIT", quantity: 30 });
    const national2 = (await ok<{ regions: RegionInTransit[] }>(op("TransfersInTransit"), {}, tokens.coordinator)).regions;
    expect(national2.every((r) => r.outgoingTransfers!.totalCount === 0)).toBe(true);

    // Cancelling what has been received is refused by the destination's record.
    const late = await national.query<Json>(op("CancelTransfer"), { id: t.id }, tokens.staff75);
    expect(late.errors![0]).toMatchObject({ path: ["cancelTransfer"], extensions: { code: "CONFLICT", status: "RECEIVED" } });
  });

  it("keeps transfers from volunteers and anonymous callers", async () => {
    const from = await warehouse(
      "KZ-11",
      await national.token({ sub: "s11", role: "REGIONAL_STAFF", region: "KZ-11" }),
      "Astana store",
      10,
    );
    const to = await warehouse("KZ-43", tokens.staff43, "Kyzylorda annex");
    const input = { fromWarehouseId: from, toWarehouseId: to, items: [{ item: "FOOD_KIT", quantity: 1 }], idempotencyKey: "gw-trf-2" };
    const volunteer = await national.query<Json>(op("TransferStock"), { input }, tokens.volunteer);
    expect(volunteer.errors![0].extensions!.code).toBe("FORBIDDEN");
    const anonymous = await national.query<Json>(op("TransferStock"), { input });
    expect(anonymous.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    const inTransit = await national.query<Json>(op("TransfersInTransit"), {}, tokens.volunteer);
    // Three regions, two fields each: every one refused, nothing shown.
    expect(inTransit.errors!.map((e) => e.extensions!.code)).toEqual(Array(6).fill("FORBIDDEN"));
    expect((inTransit.data!.regions as Json[]).every((r) => r.outgoingTransfers === null && r.stockInTransit === null)).toBe(true);
    const staffOf43 = await national.query<Json>(op("TransferStock"), { input }, tokens.staff43);
    expect(staffOf43.errors![0].extensions!.code).toBe("FORBIDDEN");
  });
});
