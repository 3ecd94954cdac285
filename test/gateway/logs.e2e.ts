// Logs never carry personal data: a run of the contract (and of refused requests) with
// every log line of the gateway and the region host captured at debug level.
import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { Kind, parse, print, type OperationDefinitionNode } from "graphql";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDACTED_PATHS } from "../../subgraphs/kernel/log.js";
import { startNational, type National } from "../support/national.js";

const contract = parse(readFileSync(new URL("../contract/operations.graphql", import.meta.url), "utf8"));
const op = (name: string) =>
  print(contract.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name)!);

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    done();
  },
});

let national: National;
let staff: string;

beforeAll(async () => {
  const log = pino({ level: "debug", redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, capture);
  national = await startNational({ healthy: ["KZ-75", "KZ-43"], log });
  staff = await national.token({ sub: "staff-75", role: "REGIONAL_STAFF", region: "KZ-75" });
});
afterAll(async () => {
  await national?.stop();
});

const PERSONAL = [
  "Aigerim",
  "Sadykova",
  "+77011234567",
  "7011234567",
  "900101300126",
  "Raikhan",
  "+77027654321",
  "Almaly",
  "insulin",
  "+77051112233",
];

describe("logs", () => {
  it("hold no names, phones, national IDs, addresses, descriptions or tokens", async () => {
    const q = (name: string, variables: Record<string, unknown>) =>
      national.query<Record<string, { id: string }>>(op(name), variables, staff);
    const volunteer = (
      await q("RegisterVolunteer", {
        input: { region: "KZ-75", fullName: "Aigerim Sadykova", phone: "+77011234567", skills: ["DRIVING"], languages: ["kk"] },
      })
    ).data!.registerVolunteer.id;
    const enrol = {
      region: "KZ-75",
      fullName: "Raikhan family",
      householdSize: 6,
      nationalId: "900101300126",
      phone: "+77027654321",
      address: "Almaly district",
      needs: ["FOOD"],
      consent: { given: true, purpose: "food aid" },
    };
    const beneficiary = (await q("EnrollBeneficiary", { input: enrol })).data!.enrollBeneficiary.id;
    const help = (
      await q("OpenHelpRequest", {
        input: {
          region: "KZ-75",
          channel: "HOTLINE",
          need: "MEDICINE",
          urgency: "HIGH",
          description: "insulin for elderly neighbour",
          contactPhone: "+77051112233",
        },
      })
    ).data!.openHelpRequest.id;
    await q("AssignHelpRequest", { id: help, volunteerId: volunteer });
    await q("Beneficiary", { id: beneficiary });
    // Refused requests, which are the ones most tempting to log with their input:
    expect((await q("EnrollBeneficiary", { input: enrol })).errors![0].extensions!.code).toBe("CONFLICT");
    expect(
      (await q("RegisterVolunteer", { input: { region: "KZ-75", fullName: "Aigerim Sadykova", phone: "+77011234567" } })).errors![0]
        .extensions!.code,
    ).toBe("CONFLICT");
    expect((await national.query(op("EnrollBeneficiary"), { input: enrol }, `${staff}x`)).errors![0].extensions!.code).toBe(
      "UNAUTHENTICATED",
    );

    expect(lines.some((l) => l.includes("volunteer registered"))).toBe(true);
    expect(lines.some((l) => l.includes("beneficiary enrolled"))).toBe(true);
    for (const line of lines) {
      for (const secret of [...PERSONAL, staff.slice(20, 60), "Bearer"])
        expect(line, `a log line holds ${JSON.stringify(secret)}`).not.toContain(secret);
    }
  });
});
