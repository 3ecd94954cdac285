// The kernel's small pure parts: the ID codec, the region registry, phone numbers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ObjectId } from "bson";
import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { decodeId, encodeId, regionOfId } from "../../subgraphs/kernel/ids.js";
import { normalizePhone } from "../../subgraphs/kernel/phone.js";
import { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { tempDir } from "../support/tmp.js";

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraphQLError);
    return (err as GraphQLError).extensions.code;
  }
  throw new Error("expected an error");
}

describe("ID codec", () => {
  it("round-trips type, region and ObjectId", () => {
    const oid = new ObjectId();
    const id = encodeId("Warehouse", "KZ-75", oid);
    expect(id).toBe(`KZ-75:wh:${oid.toHexString()}`);
    const back = decodeId(id, "Warehouse");
    expect(back.region).toBe("KZ-75");
    expect(back.type).toBe("Warehouse");
    expect(back.objectId.equals(oid)).toBe(true);
    expect(regionOfId(id)).toBe("KZ-75");
  });

  it.each([["42"], [""], ["KZ-75:vol:xyz"], ["KZ-75:zzz:65f000000000000000000001"], ["kz-75:vol:65f000000000000000000001"], [null], [7]])(
    "refuses %j as BAD_USER_INPUT",
    (bad) => {
      expect(codeOf(() => decodeId(bad))).toBe("BAD_USER_INPUT");
      expect(regionOfId(bad)).toBeUndefined();
    },
  );

  it("refuses an id of another entity type, naming both", () => {
    const id = encodeId("Event", "KZ-43", new ObjectId());
    expect(() => decodeId(id, "Volunteer", "volunteerId")).toThrow(/volunteerId: .* is a Event id, expected a Volunteer id/);
  });
});

describe("region registry", () => {
  it("has Kazakhstan's 17 oblasts and 3 cities with kk/ru/en names", () => {
    const registry = RegionRegistry.load();
    expect(registry.regions).toHaveLength(20);
    expect(
      registry.regions
        .filter((r) => r.kind === "CITY")
        .map((r) => r.name.en)
        .sort(),
    ).toEqual(["Almaty", "Astana", "Shymkent"]);
    expect(registry.get("KZ-43")!.name).toEqual({ kk: "Қызылорда облысы", ru: "Кызылординская область", en: "Kyzylorda Region" });
    expect(registry.select("KZ-75, KZ-43").map((r) => r.code)).toEqual(["KZ-75", "KZ-43"]);
    expect(() => registry.select("KZ-75,XX")).toThrow(/unknown region "XX"/);
    expect(codeOf(() => registry.require("KZ-99"))).toBe("BAD_USER_INPUT");
  });

  it("echoes an unknown region only as a short string, never an object", () => {
    const registry = RegionRegistry.load();
    const refusal = (code: unknown) => {
      try {
        registry.require(code, "input.region");
      } catch (err) {
        return err as GraphQLError;
      }
      throw new Error("expected a refusal");
    };
    expect(refusal("KZ-99")).toMatchObject({
      message: 'input.region: unknown region "KZ-99"',
      extensions: { field: "input.region", region: "KZ-99" },
    });
    const long = refusal("A".repeat(5000));
    expect(long.message).toBe(`input.region: unknown region "${"A".repeat(20)}…"`);
    expect(long.extensions).not.toHaveProperty("region");
    const operator = refusal({ $ne: null });
    expect(operator.message).toBe("input.region: unknown region (not a string)");
    expect(JSON.stringify(operator.extensions)).not.toContain("$ne");
  });

  it("names the bad entry of an invalid registry file", () => {
    const dir = tempDir("registry");
    const file = join(dir, "r.json");
    writeFileSync(
      file,
      JSON.stringify({
        regions: [
          { code: "KZ-75", name: { kk: "a", ru: "b", en: "c" } },
          { code: "Almaty", name: { kk: "a", ru: "b", en: "c" } },
          { code: "KZ-75", name: { kk: "a", ru: "b", en: "c" } },
        ],
      }),
    );
    expect(() => RegionRegistry.load(file)).toThrow(
      /regions\.1\.code: must be an ISO 3166-2 code.*regions\.2\.code: duplicate region KZ-75/,
    );
    writeFileSync(file, "{ not json");
    expect(() => RegionRegistry.load(file)).toThrow(/region registry .*r\.json/);
  });
});

describe("phone numbers", () => {
  it.each([
    ["+77011234567", "+77011234567"],
    ["+7 701 123 45 67", "+77011234567"],
    [" +49 30 1234567 ", "+49301234567"],
  ])("normalises %s to %s", (raw, e164) => {
    expect(normalizePhone(raw)).toBe(e164);
  });

  // Strict E.164: domestic and punctuated forms are refused, not guessed at.
  it.each(["8 (701) 123-45-67", "77011234567", "87011234567", "+7 (701) 123-45-67"])("refuses %s with BAD_USER_INPUT", (raw) => {
    expect(codeOf(() => normalizePhone(raw))).toBe("BAD_USER_INPUT");
  });

  it("refuses a non-number without echoing it", () => {
    expect(() => normalizePhone("secret-ish 12")).toThrow(/phone: not a valid phone number/);
    expect(() => normalizePhone("secret-ish 12")).not.toThrow(/secret/);
  });
});
