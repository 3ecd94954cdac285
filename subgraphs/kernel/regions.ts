// The region registry: which regions exist (ISO 3166-2 codes) and what they are called.
// The gateway's registry file adds each region's subgraph URLs to the same entries.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { badInput } from "./errors.js";
import { REGION_CODE } from "./ids.js";
import { SUBGRAPH_NAMES } from "../manifest.js";
import { publicJwk } from "./keys.js";
import demoRegistry from "./regions.kz.json" with { type: "json" };

/** Operations one batch (`<host>/<REGION>/batch`) may carry. */
export const MAX_BATCH = 16;

const regionEntry = z.object({
  code: z.string().regex(REGION_CODE, "must be an ISO 3166-2 code such as KZ-75"),
  kind: z.enum(["OBLAST", "CITY"]).default("OBLAST"),
  name: z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) }),
  subgraphs: z.partialRecord(z.enum(SUBGRAPH_NAMES), z.url()).optional(),
  /**
   * The region host's batch endpoint (`<host>/<REGION>/batch`), when one host serves all the
   * region's subgraphs: the gateway then sends a region's share of a query in one request.
   */
  batch: z.url().optional(),
  /**
   * The date the region took its present form (a local calendar date): nothing recorded about
   * it, offline captures included, can be older.
   */
  established: z.iso.date().optional(),
  /** The region's Ed25519 public key (JWK): other regions check its signed messages with it. */
  publicKey: publicJwk.optional(),
});
export type RegionInfo = z.infer<typeof regionEntry>;

const registryFile = z.object({ regions: z.array(regionEntry).min(1) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.regions.forEach((r, i) => {
    if (seen.has(r.code)) ctx.addIssue({ code: "custom", path: ["regions", i, "code"], message: `duplicate region ${r.code}` });
    seen.add(r.code);
  });
});

export class RegionRegistry {
  private readonly byCode: Map<string, RegionInfo>;

  constructor(readonly regions: RegionInfo[]) {
    this.byCode = new Map(regions.map((r) => [r.code, r]));
  }

  /** Validates registry data; errors name the bad entry (`regions.3.code`). */
  static parse(raw: unknown, source: string): RegionRegistry {
    const parsed = registryFile.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`region registry ${source} is invalid: ${problems}`);
    }
    return new RegionRegistry(parsed.data.regions);
  }

  /** Reads a registry file; without a path, the demo registry of Kazakhstan's 20 regions. */
  static load(path?: string): RegionRegistry {
    if (!path) return RegionRegistry.parse(demoRegistry, "(demo: Kazakhstan)");
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new Error(`region registry ${path}: ${(err as Error).message}`, { cause: err });
    }
    return RegionRegistry.parse(raw, path);
  }

  get(code: string): RegionInfo | undefined {
    return this.byCode.get(code);
  }

  /** The region, or BAD_USER_INPUT naming the unknown code. */
  require(code: unknown, field = "region"): RegionInfo {
    const region = typeof code === "string" ? this.byCode.get(code) : undefined;
    // Echo what the client sent only as a short string: never an object, never at length.
    if (!region) {
      const shown = typeof code === "string" ? JSON.stringify(code.length > 20 ? `${code.slice(0, 20)}…` : code) : "(not a string)";
      throw badInput(`${field}: unknown region ${shown}`, {
        field,
        ...(typeof code === "string" && code.length <= 20 ? { region: code } : {}),
      });
    }
    return region;
  }

  /** `all` or a comma-separated list of codes, each of which must exist. */
  select(spec: string): RegionInfo[] {
    if (spec.trim() === "all") return this.regions;
    return spec.split(",").map((c) => {
      const region = this.byCode.get(c.trim());
      if (!region) throw new Error(`unknown region ${JSON.stringify(c.trim())} (known: ${[...this.byCode.keys()].join(", ")})`);
      return region;
    });
  }
}
