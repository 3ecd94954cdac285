// Fair-distribution figures: what the entitlement check costs distributeAid (with rules and
// without, interleaved in rounds so machine noise hits both alike), and what the duplicate
// check costs an enrolment when the 19 other regions each answer after 50 ms of WAN latency.
// One region host in this process; the engine in its own process.
import { randomBytes } from "node:crypto";
import { ObjectId } from "bson";
import type { MongoClient } from "mongodb";
import { pino } from "pino";
import { buildSubgraphs } from "../../subgraphs/index.js";
import { hs256Config, mintToken } from "../../subgraphs/kernel/auth.js";
import { listen, type Listening } from "../../subgraphs/kernel/http.js";
import { composeIin } from "../../subgraphs/kernel/iin.js";
import { encodeId } from "../../subgraphs/kernel/ids.js";
import { connectMongo } from "../../subgraphs/kernel/mongo.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { createRegionHost, type RegionHost } from "../../subgraphs/host/server.js";
import { postGraphQL } from "./client.js";
import { spawnEngine } from "./processes.js";
import { latencies, percentile, timed, type Row } from "./report.js";

const auth = hs256Config(randomBytes(32).toString("hex"));
const LATENCY_MS = 50;
const ROUNDS = 5;

async function host(
  mongo: MongoClient,
  prefix: string,
  regions: string[],
  nationalMatchKey?: string,
): Promise<{ host: RegionHost; http: Listening; front: Listening }> {
  const registry = RegionRegistry.load();
  const h = await createRegionHost({
    subgraphs: await buildSubgraphs(["volunteers", "beneficiaries", "inventory"]),
    regions: regions.map((c) => registry.require(c)),
    registry,
    mongo,
    dbPrefix: prefix,
    auth,
    pseudonymKey: randomBytes(32).toString("hex"),
    nationalMatchKey,
    log: pino({ level: "silent" }),
  });
  const http = await listen(h.handler);
  // What regions say to each other crosses the WAN: every message waits LATENCY_MS first.
  const front = await listen((req, res) => setTimeout(() => h.handler(req, res), LATENCY_MS));
  h.listening(front.url);
  return { host: h, http, front };
}

const median = (values: number[]) => percentile(values, 50);

async function entitlementRows(mongo: MongoClient): Promise<Row[]> {
  const { host: h, http, front } = await host(mongo, "bench_fair_ent", ["KZ-75"]);
  const staff = await mintToken(auth, { sub: "bench", role: "REGIONAL_STAFF", region: "KZ-75" });
  const url = `${http.url}/KZ-75/inventory/graphql`;
  const gql = (query: string, variables: Record<string, unknown> = {}) =>
    postGraphQL<Record<string, { id: string }>>(url, query, staff, variables);
  try {
    const warehouse = (await gql(`mutation { addWarehouse(input: { region: "KZ-75", name: "Bench centre" }) { id } }`)).addWarehouse.id;
    await gql(
      `mutation ($w: ID!) { receiveDonation(input: { warehouseId: $w, donor: "bench", donorKind: ORGANISATION, items: [{ item: FOOD_KIT, quantity: 100000 }, { item: WATER, quantity: 100000 }], idempotencyKey: "bench" }) { id } }`,
      { w: warehouse },
    );
    const households = Array.from({ length: 400 }, () => new ObjectId());
    await h
      .db("KZ-75")
      .collection("beneficiaries")
      .insertMany(
        households.map((_id) => ({
          _id,
          householdSize: 4,
          vulnerabilities: [],
          needs: ["FOOD"],
          status: "ACTIVE",
          registeredAt: new Date(),
        })),
      );
    const ids = households.map((o) => encodeId("Beneficiary", "KZ-75", o));
    const n = 200;
    let key = 0;
    // Two lines per distribution, each a household's FOOD_KIT and WATER; with rules, both are
    // checked against generous limits, so every distribution succeeds and all are timed alike.
    const run = () =>
      timed(
        n,
        (i) =>
          gql(`mutation ($input: DistributeAidInput!) { distributeAid(input: $input) { id } }`, {
            input: {
              warehouseId: warehouse,
              beneficiaryId: ids[i % ids.length],
              items: [
                { item: "FOOD_KIT", quantity: 1 },
                { item: "WATER", quantity: 1 },
              ],
              idempotencyKey: `d-${key++}`,
            },
          }),
        8,
      );
    const rules = async (on: boolean) => {
      for (const item of ["FOOD_KIT", "WATER"]) {
        await gql(
          on
            ? `mutation { setEntitlementRule(input: { region: "KZ-75", item: ${item}, quantity: 1000, perPerson: true, periodDays: 30 }) { item } }`
            : `mutation { removeEntitlementRule(region: "KZ-75", item: ${item}) }`,
        );
      }
    };
    await run(); // warm-up
    const without: number[] = [];
    const withRules: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await rules(false);
      without.push(n / (await run()));
      await rules(true);
      withRules.push(n / (await run()));
    }
    const ratios = withRules.map((w, i) => w / without[i]);
    return [
      { name: "distributeAid, 2 lines, no rule (8 in flight), median of rounds", value: median(without), unit: "distributions/s" },
      { name: "distributeAid, 2 lines, both under a rule, median of rounds", value: median(withRules), unit: "distributions/s" },
      { name: "with rules / without, median of per-round ratios", value: median(ratios), unit: "×" },
    ];
  } finally {
    await Promise.all([http.close(), front.close()]);
    await h.stop();
  }
}

async function duplicateRows(mongo: MongoClient): Promise<Row[]> {
  const all = RegionRegistry.load().regions.map((r) => r.code);
  const withKey = await host(mongo, "bench_fair_dup", all, randomBytes(32).toString("hex"));
  const withoutKey = await host(mongo, "bench_fair_nokey", ["KZ-75"]);
  const staff = await mintToken(auth, { sub: "bench", role: "REGIONAL_STAFF", region: "KZ-75" });
  let serial = 1;
  const enroll = (http: Listening) => {
    let iin: string | null = null;
    while (!iin) iin = composeIin(new Date(Date.UTC(1980, 0, 1)), 3, serial++);
    return postGraphQL(
      `${http.url}/KZ-75/beneficiaries/graphql`,
      `mutation ($input: EnrollBeneficiaryInput!) { enrollBeneficiary(input: $input) { id duplicateCheckMissing } }`,
      staff,
      {
        input: {
          region: "KZ-75",
          fullName: "Bench family",
          nationalId: iin,
          householdSize: 3,
          needs: ["FOOD"],
          consent: { given: true, purpose: "bench" },
        },
      },
    );
  };
  try {
    await enroll(withKey.http);
    await enroll(withoutKey.http);
    const checked: number[] = [];
    const unchecked: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      unchecked.push(...(await latencies(10, () => enroll(withoutKey.http))));
      checked.push(...(await latencies(10, () => enroll(withKey.http))));
    }
    const missing = ((await enroll(withKey.http)) as { enrollBeneficiary: { duplicateCheckMissing: string[] } }).enrollBeneficiary
      .duplicateCheckMissing.length;
    return [
      { name: "enrollBeneficiary, no duplicate check, p50", value: median(unchecked), unit: "ms" },
      { name: `enrollBeneficiary, 19 regions asked, each ${LATENCY_MS} ms away, p50`, value: median(checked), unit: "ms" },
      { name: "enrollBeneficiary, 19 regions asked, p95", value: percentile(checked, 95), unit: "ms" },
      { name: "added by the check, p50 (the 50 ms away is the floor)", value: median(checked) - median(unchecked), unit: "ms" },
      { name: "regions missing from a check with all 20 up", value: missing, unit: "regions", target: { max: 0 } },
    ];
  } finally {
    for (const h of [withKey, withoutKey]) {
      await Promise.all([h.http.close(), h.front.close()]);
      await h.host.stop();
    }
  }
}

export async function runFairnessBench(): Promise<Row[]> {
  const engine = await spawnEngine();
  const mongo = await connectMongo(engine.uri);
  try {
    return [...(await entitlementRows(mongo)), ...(await duplicateRows(mongo))];
  } finally {
    await mongo.close();
    await engine.stop();
  }
}
