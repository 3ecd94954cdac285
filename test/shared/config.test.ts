// The one configuration module: what each process's environment composes to (defaults per
// process, required variables, the rules between variables), that errors name a variable
// but never print its value, and that the README's environment section is the generated one.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { gatewayEnv } from "../../gateway/config.js";
import { envSection, PROCESSES, withEnvSection } from "../../scripts/env-table.js";
import { hostEnv } from "../../subgraphs/host/main.js";
import { waitWithin } from "../../subgraphs/host/outbox.js";
import { DEFAULT_RETRY } from "../../subgraphs/host/outbox.js";
import { limitsFromEnv, parseOrExit, seedEnv, startEnv, tokenEnv, VARIABLES } from "../../subgraphs/kernel/config.js";
import { DEFAULT_LIMITS } from "../../subgraphs/kernel/limits.js";
import { projectPath } from "../../subgraphs/kernel/paths.js";

const SECRET = "s".repeat(40);
const KEY = "p".repeat(40);
/** What each process needs to start at all. */
const VALID = {
  gateway: { REGISTRY: "registry.json", JWT_SECRET: SECRET },
  host: { MONGODB_URI: "mongodb://127.0.0.1:27017", PSEUDONYM_KEY: KEY, JWT_SECRET: SECRET },
  start: {},
  seed: { MONGODB_URI: "mongodb://127.0.0.1:27017", PSEUDONYM_KEY: KEY },
  token: { JWT_SECRET: SECRET },
};
const SCHEMAS = { gateway: gatewayEnv, host: hostEnv, start: startEnv, seed: seedEnv, token: tokenEnv };

class Exit extends Error {}
let stderr: string;
beforeEach(() => {
  stderr = "";
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
    throw new Exit(`exit ${code}`);
  }) as never);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** parseOrExit as a process runs it: what it printed, or the parsed environment. */
function run<T>(schema: z.ZodType<T>, input: Record<string, string>): { printed: string; env?: T } {
  stderr = "";
  try {
    return { printed: stderr, env: parseOrExit(schema, input, "environment variable") };
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
    expect(err.message).toBe("exit 2");
    return { printed: stderr };
  }
}

describe("the README's environment section", () => {
  it("is the one generated from the registry (npm run env-table writes it)", () => {
    const readme = readFileSync(projectPath("README.md"), "utf8");
    expect(readme).toContain(envSection());
    expect(withEnvSection(readme)).toBe(readme);
  });

  it("lists every declared variable, each read by some process", () => {
    const read = new Set(PROCESSES.flatMap((p) => p.readings.map((r) => r.name)));
    expect([...read].sort()).toEqual(Object.keys(VARIABLES).sort());
    for (const name of Object.keys(VARIABLES)) expect(envSection()).toContain(`| \`${name}\` |`);
  });
});

describe("composed configurations", () => {
  it("give each process its own defaults, and the registry's elsewhere", () => {
    const gateway = gatewayEnv.parse(VALID.gateway);
    const host = hostEnv.parse(VALID.host);
    const start = startEnv.parse(VALID.start);
    expect([gateway.PORT, host.PORT, start.PORT]).toEqual([4000, 4001, 4000]);
    expect([gateway.HOST, host.HOST, start.HOST]).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
    expect([host.DB_PREFIX, start.DB_PREFIX, seedEnv.parse(VALID.seed).DB_PREFIX]).toEqual(["aidgraph", "aidgraph", "aidgraph"]);
    expect({ baseMs: host.OUTBOX_RETRY_BASE_MS, maxMs: host.OUTBOX_RETRY_MAX_MS, timeoutMs: host.OUTBOX_TIMEOUT_MS }).toEqual({
      baseMs: DEFAULT_RETRY.baseMs,
      maxMs: DEFAULT_RETRY.maxMs,
      timeoutMs: DEFAULT_RETRY.timeoutMs,
    });
    expect(limitsFromEnv(gateway)).toEqual(DEFAULT_LIMITS);
    expect(limitsFromEnv(host)).toEqual(DEFAULT_LIMITS);
    expect(gateway).toMatchObject({
      NODE_ENV: "development",
      JWT_ALLOW_HS256: false,
      JWT_MAX_LIFETIME: 86_400,
      REGION_TIMEOUT_MS: 5000,
      CORS_ORIGINS: "*",
    });
    // What start makes up itself when unset: the database, the secrets.
    expect([start.MONGODB_URI, start.JWT_SECRET, start.PSEUDONYM_KEY, start.MONGO_PORT]).toEqual([undefined, undefined, undefined, 0]);
  });

  it("count an empty value as unset", () => {
    expect(hostEnv.parse({ ...VALID.host, PORT: "", REGIONS: "", TRANSFER_KEYS: "" })).toMatchObject({
      PORT: 4001,
      REGIONS: "all",
      TRANSFER_KEYS: undefined,
    });
    expect(run(hostEnv, { ...VALID.host, MONGODB_URI: "" }).printed).toBe("invalid environment variable 'MONGODB_URI': is required\n");
  });

  it("name a required variable that is missing", () => {
    expect(run(hostEnv, { JWT_SECRET: SECRET, PSEUDONYM_KEY: KEY }).printed).toBe(
      "invalid environment variable 'MONGODB_URI': is required\n",
    );
    expect(run(seedEnv, { MONGODB_URI: VALID.seed.MONGODB_URI }).printed).toBe(
      "invalid environment variable 'PSEUDONYM_KEY': is required\n",
    );
    expect(run(tokenEnv, {}).printed).toBe("invalid environment variable 'JWT_SECRET': is required\n");
    expect(run(gatewayEnv, { JWT_SECRET: SECRET }).printed).toBe("invalid environment variable 'REGISTRY': is required\n");
    // Where neither secret nor JWKS is set, the rule between them names JWT_SECRET.
    expect(run(hostEnv, { ...VALID.host, JWT_SECRET: "" }).printed).toMatch(/^invalid environment variable 'JWT_SECRET': set JWT_SECRET/);
  });

  it("apply a rule only where the process reads its variables, once they are valid", () => {
    // npm start reads no JWKS_URL (it refuses production itself), npm run token no NODE_ENV.
    expect(startEnv.safeParse({ NODE_ENV: "production", JWT_SECRET: SECRET }).success).toBe(true);
    expect(tokenEnv.safeParse({ JWT_SECRET: SECRET, NODE_ENV: "production" }).success).toBe(true);
    // A bad port does not hide the production rule on tokens, nor repeat it on a bad secret.
    const issues = (input: Record<string, string>) =>
      gatewayEnv
        .safeParse({ ...VALID.gateway, NODE_ENV: "production", GATEWAY_KEY: "k.json", ...input })
        .error!.issues.map((i) => i.path[0]);
    expect(issues({ PORT: "x" })).toEqual(["PORT", "JWT_SECRET"]);
    expect(issues({ JWT_SECRET: "short" })).toEqual(["JWT_SECRET"]);
  });

  it("keep a region host's wait on other regions within the gateway's region timeout, or refuse to start", () => {
    expect(run(hostEnv, { ...VALID.host, REGION_TIMEOUT_MS: "5000", OUTBOX_WAIT_MS: "3000" }).printed).toBe(
      "invalid environment variable 'OUTBOX_WAIT_MS': must be at most half of REGION_TIMEOUT_MS (the gateway's timeout for a region), leaving the rest for the mutation's own work\n",
    );
    expect(hostEnv.parse({ ...VALID.host, REGION_TIMEOUT_MS: "8000", OUTBOX_WAIT_MS: "3000" })).toMatchObject({ OUTBOX_WAIT_MS: 3000 });
    // Unset, the host derives it from the timeout (40 %).
    expect(hostEnv.parse({ ...VALID.host, REGION_TIMEOUT_MS: "2000" })).toMatchObject({ REGION_TIMEOUT_MS: 2000 });
    expect(hostEnv.parse(VALID.host).OUTBOX_WAIT_MS).toBeUndefined();
    expect(waitWithin(5000)).toBe(2000);
  });

  it("never print a value, only the variable's name", () => {
    const value = "zz-secret-value-0123456789";
    for (const [script, schema] of Object.entries(SCHEMAS)) {
      const names = PROCESSES.find((p) => p.script === schema.doc.script)!.readings.map((r) => r.name);
      for (const name of names) {
        const { printed } = run(schema as z.ZodType<unknown>, { ...VALID[script as keyof typeof VALID], [name]: value });
        expect(printed, `${script} ${name}`).not.toContain(value);
        if (printed) expect(printed, `${script} ${name}`).toMatch(new RegExp(`^invalid environment variable '${name}': `));
      }
    }
    const { printed } = run(hostEnv, { ...VALID.host, GATEWAY_PUBLIC_KEY: `{"kty":"OKP","crv":"Ed25519","d":"${value}"}` });
    expect(printed).toBe("invalid environment variable 'GATEWAY_PUBLIC_KEY': must be the gateway's public Ed25519 JWK as JSON\n");
    expect(run(hostEnv, { ...VALID.host, PSEUDONYM_KEY: value }).printed).toBe(
      "invalid environment variable 'PSEUDONYM_KEY': must be at least 32 characters\n",
    );
  });
});
