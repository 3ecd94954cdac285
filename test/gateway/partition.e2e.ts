// Transfers through the national endpoint during a network partition: the destination
// accepts connections and never answers. A cancellation answers within the gateway's
// region timeout with what is recorded and a notice naming the region that has not
// answered (not REGION_UNAVAILABLE about the healthy source); the national view adds up
// while the destination receives and the source has not heard yet.
import { ObjectId } from "bson";
import { ServerResponse } from "node:http";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNational, type National } from "../support/national.js";
import { eventually } from "../support/wait.js";

const TIMEOUT_MS = 2500;
let national: National;
const tokens: Record<string, string> = {};
/** Message paths that hang (accepted, never answered) while listed. */
const hangs = new Set<string>();
/** Message paths whose requests are handled but whose answers are lost on the way back. */
const blackholes = new Set<string>();
const hung: http.ServerResponse[] = [];

beforeAll(async () => {
  national = await startNational({
    healthy: ["KZ-75", "KZ-43"],
    timeoutMs: TIMEOUT_MS,
    // The host was set up to wait longer than this gateway gives it: the gateway's word decides.
    retry: { baseMs: 50, maxMs: 300, idleMs: 200, waitMs: 10_000 },
    front: (req, res, host) => {
      if (hangs.has(req.url ?? "")) return void hung.push(res);
      if (blackholes.has(req.url ?? "")) {
        hung.push(res);
        // The region acts on it; its answer goes nowhere.
        return void host(req, new ServerResponse(req));
      }
      host(req, res);
    },
  });
  tokens.staff75 = await national.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
  tokens.staff43 = await national.token({ sub: "staff-43", role: "REGIONAL_STAFF", region: "KZ-43" });
  tokens.coordinator = await national.token({ sub: "coord", role: "NATIONAL_COORDINATOR" });
});
afterAll(async () => {
  for (const res of hung) res.destroy();
  await national?.stop();
});

type Json = Record<string, unknown>;
async function ok<T = Json>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await national.query<T>(query, variables, token);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

async function warehouse(region: string, token: string, food = 0): Promise<string> {
  const { addWarehouse } = await ok<{ addWarehouse: { id: string } }>(
    `mutation ($input: AddWarehouseInput!) { addWarehouse(input: $input) { id } }`,
    { input: { region, name: `Depot ${Math.random().toString(36).slice(2)}` } },
    token,
  );
  if (food) {
    await ok(
      `mutation ($input: ReceiveDonationInput!) { receiveDonation(input: $input) { id } }`,
      {
        input: {
          warehouseId: addWarehouse.id,
          donor: "WFP",
          donorKind: "ORGANISATION",
          items: [{ item: "FOOD_KIT", quantity: food }],
          idempotencyKey: `d-${addWarehouse.id}`,
        },
      },
      token,
    );
  }
  return addWarehouse.id;
}

const TRANSFER = `query ($id: ID!) { transfer(id: $id) { id status cancelRequestedAt } }`;
async function settled(id: string, status: string) {
  const found = await eventually(
    async () => (await ok<{ transfer: { status: string } }>(TRANSFER, { id }, tokens.coordinator)).transfer,
    (t) => t.status === status,
    `${id} ${status}`,
  );
  // A cancellation's stock comes back right after its record says so (counted in transit until then).
  if (status === "CANCELLED") {
    const source = national.host.db(id.split(":")[0]);
    await eventually(
      () => source.collection("transfers_out").findOne({ _id: new ObjectId(id.slice(-24)) }),
      (doc) => doc?.stockSettled === true,
      `${id}'s stock back at its source`,
    );
  }
  return found;
}

async function start(from: string, to: string, quantity: number): Promise<string> {
  const { transferStock } = await ok<{ transferStock: { id: string } }>(
    `mutation ($input: TransferStockInput!) { transferStock(input: $input) { id } }`,
    {
      input: { fromWarehouseId: from, toWarehouseId: to, items: [{ item: "FOOD_KIT", quantity }], idempotencyKey: `t-${from}-${quantity}` },
    },
    tokens.staff75,
  );
  return transferStock.id;
}

/** FOOD_KIT across both regions, as a coordinator's national view adds it up. */
async function national_(): Promise<{ held: number; inTransit: number }> {
  const { regions } = await ok<{
    regions: Array<{ stock: Array<{ item: string; quantity: number }>; stockInTransit: Array<{ item: string; quantity: number }> }>;
  }>(`{ regions { code stock { item quantity } stockInTransit { item quantity } } }`, {}, tokens.coordinator);
  const food = (list: Array<{ item: string; quantity: number }>) => list.find((i) => i.item === "FOOD_KIT")?.quantity ?? 0;
  return { held: regions.reduce((n, r) => n + food(r.stock), 0), inTransit: regions.reduce((n, r) => n + food(r.stockInTransit), 0) };
}

describe("a destination that hangs", () => {
  it("cancelTransfer answers within the region timeout: status unchanged, cancelRequestedAt set, a notice naming KZ-43", async () => {
    const from = await warehouse("KZ-75", tokens.staff75, 40);
    const to = await warehouse("KZ-43", tokens.staff43);
    const id = await start(from, to, 15);
    await settled(id, "IN_TRANSIT");

    hangs.add("/KZ-43/inventory/messages");
    const began = performance.now();
    const res = await national.query<{ cancelTransfer: { id: string; status: string; cancelRequestedAt: string | null } }>(
      `mutation ($id: ID!) { cancelTransfer(id: $id) { id status cancelRequestedAt } }`,
      { id },
      tokens.staff75,
    );
    expect(performance.now() - began).toBeLessThan(TIMEOUT_MS);
    expect(res.errors).toBeUndefined();
    expect(res.data!.cancelTransfer).toMatchObject({ id, status: "IN_TRANSIT" });
    expect(res.data!.cancelTransfer.cancelRequestedAt).toBeTruthy();
    expect(res.extensions?.notices).toEqual([
      expect.objectContaining({
        code: "AWAITING_REGION",
        region: "KZ-43",
        path: ["cancelTransfer"],
        message: expect.stringContaining("has not answered yet") as string,
      }),
    ]);
    // Nothing counted twice or lost meanwhile.
    expect(await national_()).toEqual({ held: 25, inTransit: 15 });

    hangs.clear();
    for (const r of hung.splice(0)) r.destroy();
    await settled(id, "CANCELLED");
    expect(await national_()).toEqual({ held: 40, inTransit: 0 });
  });

  it("several cancellations in one request share one wait: all answered within the region timeout, each with its notice", async () => {
    const from = await warehouse("KZ-75", tokens.staff75, 30);
    const to = await warehouse("KZ-43", tokens.staff43);
    const ids = [await start(from, to, 3), await start(from, to, 4), await start(from, to, 5)];
    for (const id of ids) await settled(id, "IN_TRANSIT");
    hangs.add("/KZ-43/inventory/messages");
    const began = performance.now();
    const res = await national.query<Record<string, { status: string; cancelRequestedAt: string | null }>>(
      `mutation ($a: ID!, $b: ID!, $c: ID!) {
        a: cancelTransfer(id: $a) { status cancelRequestedAt }
        b: cancelTransfer(id: $b) { status cancelRequestedAt }
        c: cancelTransfer(id: $c) { status cancelRequestedAt }
      }`,
      { a: ids[0], b: ids[1], c: ids[2] },
      tokens.staff75,
    );
    expect(performance.now() - began).toBeLessThan(TIMEOUT_MS);
    expect(res.errors).toBeUndefined();
    for (const key of ["a", "b", "c"]) {
      expect(res.data![key].status).toBe("IN_TRANSIT");
      expect(res.data![key].cancelRequestedAt).toBeTruthy();
    }
    const notices = res.extensions?.notices as Array<{ path: string[]; region: string }>;
    expect(notices.map((n) => [n.path, n.region])).toEqual([
      [["a"], "KZ-43"],
      [["b"], "KZ-43"],
      [["c"], "KZ-43"],
    ]);
    hangs.clear();
    for (const r of hung.splice(0)) r.destroy();
    for (const id of ids) await settled(id, "CANCELLED");
  });

  it("the destination receives while the source does not hear of it: the national view never counts the stock twice", async () => {
    const before = await national_();
    const from = await warehouse("KZ-75", tokens.staff75, 20);
    const to = await warehouse("KZ-43", tokens.staff43);
    const id = await start(from, to, 12);
    await settled(id, "IN_TRANSIT");
    expect(await national_()).toEqual({ held: before.held + 8, inTransit: before.inTransit + 12 });

    // The source's message endpoint hangs: the destination's receipt cannot reach it.
    hangs.add("/KZ-75/inventory/messages");
    await ok(
      `mutation ($region: String!, $id: ID!) { receiveTransfer(region: $region, id: $id) { status } }`,
      { region: "KZ-43", id },
      tokens.staff43,
    );
    expect((await ok<{ transfer: { status: string } }>(TRANSFER, { id }, tokens.coordinator)).transfer.status).toBe("IN_TRANSIT");
    expect(await national_()).toEqual({ held: before.held + 20, inTransit: before.inTransit });

    hangs.clear();
    for (const r of hung.splice(0)) r.destroy();
    await settled(id, "RECEIVED");
    expect(await national_()).toEqual({ held: before.held + 20, inTransit: before.inTransit });
  });
});

/** FOOD_KIT as Query.nationalStock adds it up from both sides' records. */
async function merged(): Promise<{ held: number; inTransit: number; regionsMissing: string[] }> {
  type Answer = { items: Array<{ item: string; held: number; inTransit: number }>; regionsMissing: string[]; consistent: boolean };
  // A figure of one moment: the last news of an earlier step (an acknowledgement on its way)
  // may still be landing, and then the two reads differ; a quiet moment comes soon after.
  const nationalStock = await eventually(
    async () =>
      (
        await ok<{ nationalStock: Answer }>(
          `{ nationalStock { items { item held inTransit } regionsMissing consistent } }`,
          {},
          tokens.coordinator,
        )
      ).nationalStock,
    (answer) => answer.consistent,
    "a consistent national stock",
  );
  const food = nationalStock.items.find((i) => i.item === "FOOD_KIT") ?? { held: 0, inTransit: 0 };
  return { held: food.held, inTransit: food.inTransit, regionsMissing: nationalStock.regionsMissing };
}

const release = () => {
  hangs.clear();
  blackholes.clear();
  for (const r of hung.splice(0)) r.destroy();
};

describe("answers lost on their way back: the national stock merged from both sides stays exact", () => {
  it("a delivery recorded at the destination whose acknowledgement is lost, then received while the source hears nothing", async () => {
    const before = await merged();
    const from = await warehouse("KZ-75", tokens.staff75, 20);
    const to = await warehouse("KZ-43", tokens.staff43);
    blackholes.add("/KZ-43/inventory/messages");
    hangs.add("/KZ-75/inventory/messages");
    try {
      const id = await start(from, to, 12);
      // The destination has it; the source never heard so.
      await eventually(
        async () =>
          (
            await ok<{ region: { incomingTransfers: { nodes: Array<{ id: string }> } } }>(
              `query ($code: String!) { region(code: $code) { incomingTransfers(status: [IN_TRANSIT]) { nodes { id } } } }`,
              { code: "KZ-43" },
              tokens.staff43,
            )
          ).region.incomingTransfers.nodes,
        (nodes) => nodes.some((n) => n.id === id),
        "recorded at KZ-43",
      );
      expect((await ok<{ transfer: { status: string } }>(TRANSFER, { id }, tokens.coordinator)).transfer.status).toBe("REQUESTED");
      expect(await merged()).toEqual({ held: before.held + 8, inTransit: before.inTransit + 12, regionsMissing: [] });
      await ok(
        `mutation ($region: String!, $id: ID!) { receiveTransfer(region: $region, id: $id) { status } }`,
        { region: "KZ-43", id },
        tokens.staff43,
      );
      // Each region's own figures now disagree (the source still counts it in transit) …
      expect(await national_()).toEqual({ held: before.held + 20, inTransit: before.inTransit + 12 });
      // … the merged national stock does not.
      expect(await merged()).toEqual({ held: before.held + 20, inTransit: before.inTransit, regionsMissing: [] });
      release();
      await settled(id, "RECEIVED");
      expect(await merged()).toEqual({ held: before.held + 20, inTransit: before.inTransit, regionsMissing: [] });
    } finally {
      release();
    }
  });

  it("a cancellation the destination agreed to whose answer is lost: the stock coming back is still counted", async () => {
    const from = await warehouse("KZ-75", tokens.staff75, 10);
    const to = await warehouse("KZ-43", tokens.staff43);
    const id = await start(from, to, 6);
    await settled(id, "IN_TRANSIT");
    const before = await merged();
    blackholes.add("/KZ-43/inventory/messages");
    try {
      const res = await national.query<{ cancelTransfer: { status: string } }>(
        `mutation ($id: ID!) { cancelTransfer(id: $id) { status } }`,
        { id },
        tokens.staff75,
      );
      expect(res.data!.cancelTransfer.status).toBe("IN_TRANSIT");
      expect(await merged()).toEqual(before);
    } finally {
      release();
    }
    await settled(id, "CANCELLED");
    expect(await merged()).toEqual({ held: before.held + 6, inTransit: before.inTransit - 6, regionsMissing: [] });
  });

  it("is for coordinators and staff: a volunteer is refused, and the cost counts every region", async () => {
    const volunteer = await national.token({ sub: "KZ-75:vol:6650c0ffee0123456789abcd", role: "VOLUNTEER" });
    const res = await national.query(`{ nationalStock { items { item held } } }`, {}, volunteer);
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const many = Array.from({ length: 30 }, (_, i) => `n${i}: nationalStock { items { item held inTransit } }`).join("\n");
    const refused = await national.query(`{ ${many} }`, {}, tokens.coordinator);
    // Each costs what it runs behind (every region's stock and transfers): refused before anything fans out.
    expect(refused.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });
});
