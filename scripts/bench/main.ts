// `npm run bench [-- --only engine|gateway|scale|transfers|fairness|reporting] [--regions N] [--against DIR]`:
// every figure measured in one run; `--regions` is the largest national query of `scale`
// (default 100); `--against` compares a region's share at this host with another built checkout's.
import "reflect-metadata";
import { parseArgs } from "node:util";
import { runEngineBench } from "./engine.js";
import { runFairnessBench } from "./fairness.js";
import { runGatewayBench, runScaleBench } from "./gateway.js";
import { runReportingBench } from "./reporting.js";
import { met, print, type Row } from "./report.js";
import { runTransferBench } from "./transfers.js";

process.env.APOLLO_TELEMETRY_DISABLED = "1";
const { values } = parseArgs({
  options: { only: { type: "string" }, regions: { type: "string", default: "100" }, against: { type: "string" } },
});
const largest = Number(values.regions);
if (!Number.isInteger(largest) || largest < 1 || largest > 999)
  throw new Error(`--regions must be a whole number from 1 to 999, not ${values.regions}`);
const all: Row[] = [];
if (!values.only || values.only === "engine") {
  const rows = await runEngineBench();
  print(`Embedded engine (${process.env.MONGODB_URI ? "MONGODB_URI" : "own process"}), one MongoClient`, rows);
  all.push(...rows);
}
if (!values.only || values.only === "gateway") {
  const rows = await runGatewayBench();
  print("Gateway and regional router", rows);
  all.push(...rows);
}
if (!values.only || values.only === "scale") {
  const rows = await runScaleBench(largest, values.against);
  print(`National query over 1, 20 and ${largest} regions, each its own machine (answers replayed after 50 ms)`, rows);
  all.push(...rows);
}
if (!values.only || values.only === "transfers") {
  const rows = await runTransferBench();
  print("Transfers between two regions (each its own host, engine and key)", rows);
  all.push(...rows);
}
if (!values.only || values.only === "reporting") {
  const rows = await runReportingBench();
  print("Reports over a year of history: ~100,000 distributions nationally (20 regions, one host)", rows);
  all.push(...rows);
}
if (!values.only || values.only === "fairness") {
  const rows = await runFairnessBench();
  print("Fair distribution: entitlement rules, and duplicate checks across 20 regions", rows);
  all.push(...rows);
}
const targets = all.filter((r) => r.target);
console.log(`\n${targets.filter(met).length} of ${targets.length} targets met`);
process.exit(0);
