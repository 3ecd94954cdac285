// Who is calling. Tokens are verified by the gateway and again by every subgraph, since
// regional offices expose their subgraphs directly. HS256 with a shared secret here;
// `verify` is the seam where production's JWKS verification plugs in.
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { forbidden, unauthenticated } from "./errors.js";
import { REGION_CODE } from "./ids.js";

export const ROLES = ["NATIONAL_COORDINATOR", "REGIONAL_STAFF", "VOLUNTEER"] as const;
export type Role = (typeof ROLES)[number];

const claims = z
  .object({
    sub: z.string().min(1),
    role: z.enum(ROLES),
    region: z.string().regex(REGION_CODE).optional(),
  })
  .refine((c) => c.role !== "REGIONAL_STAFF" || c.region, { message: "region is required for REGIONAL_STAFF", path: ["region"] });
export type Caller = z.infer<typeof claims>;

/** How tokens are verified: a shared secret (development, tests) or a JWKS (production). */
export type AuthConfig =
  | { kind: "hs256"; secret: Uint8Array; issuer?: string; audience?: string }
  | { kind: "jwks"; keys: JWTVerifyGetKey; issuer: string; audience: string };

export function hs256Config(secret: string, issuer?: string, audience?: string): AuthConfig {
  return { kind: "hs256", secret: new TextEncoder().encode(secret), issuer, audience };
}

/** RS256 tokens from an identity provider, checked against its published keys. */
export function jwksConfig(url: string, issuer: string, audience: string): AuthConfig {
  return { kind: "jwks", keys: createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 600_000 }), issuer, audience };
}

/** The verification the environment asks for: JWKS when JWKS_URL is set, else HS256. */
export function authFromEnv(env: { JWT_SECRET?: string; JWKS_URL?: string; JWT_ISSUER?: string; JWT_AUDIENCE?: string }): AuthConfig {
  return env.JWKS_URL ? jwksConfig(env.JWKS_URL, env.JWT_ISSUER!, env.JWT_AUDIENCE!) : hs256Config(env.JWT_SECRET!, env.JWT_ISSUER, env.JWT_AUDIENCE);
}

/**
 * Verified tokens, until they expire: verifying costs ~0.5 ms (WebCrypto), and one
 * national query carries the same token to some eighty subgraph fetches.
 */
const verified = new WeakMap<AuthConfig, Map<string, { caller: Caller; expiresAt: number }>>();
const MAX_CACHED_TOKENS = 10_000;

function cacheFor(config: AuthConfig): Map<string, { caller: Caller; expiresAt: number }> {
  let cache = verified.get(config);
  if (!cache) verified.set(config, (cache = new Map()));
  return cache;
}

/** The caller named by an `Authorization` header; null when there is none. */
export async function authenticate(header: string | undefined, config: AuthConfig): Promise<Caller | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthenticated("the Authorization header must be 'Bearer <token>'");
  const token = match[1]!;
  const cache = cacheFor(config);
  const hit = cache.get(token);
  if (hit && hit.expiresAt > Date.now()) return hit.caller;
  if (hit) cache.delete(token);
  let payload: { exp?: number } & Record<string, unknown>;
  try {
    const options = { issuer: config.issuer, audience: config.audience };
    ({ payload } =
      config.kind === "hs256"
        ? await jwtVerify(token, config.secret, { ...options, algorithms: ["HS256"] })
        : await jwtVerify(token, config.keys, { ...options, algorithms: ["RS256", "ES256"] }));
  } catch (err) {
    const reason = (err as { code?: string }).code === "ERR_JWT_EXPIRED" ? "the token has expired" : "the token is invalid";
    throw unauthenticated(reason);
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success) throw unauthenticated(`the token's claims are invalid: ${parsed.error.issues.map((i) => i.path.join(".") || i.message).join(", ")}`);
  // Without an expiry, re-verify at least every minute.
  const expiresAt = Math.min(payload.exp ? payload.exp * 1000 : Infinity, Date.now() + 60_000);
  if (cache.size >= MAX_CACHED_TOKENS) cache.delete(cache.keys().next().value!);
  cache.set(token, { caller: parsed.data, expiresAt });
  return parsed.data;
}

/** A development token; production tokens come from the identity provider. */
export async function mintToken(config: AuthConfig, caller: Caller, expiresIn: string | number = "8h"): Promise<string> {
  if (config.kind !== "hs256") throw new Error("tokens can only be minted with a shared secret (HS256)");
  let jwt = new SignJWT({ role: caller.role, ...(caller.region ? { region: caller.region } : {}) })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(caller.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (config.issuer) jwt = jwt.setIssuer(config.issuer);
  if (config.audience) jwt = jwt.setAudience(config.audience);
  return jwt.sign(config.secret);
}

/** What the caller may do; one instance per request. */
export class Access {
  constructor(readonly caller: Caller | null) {}

  requireCaller(): Caller {
    if (!this.caller) throw unauthenticated("authentication required: send 'Authorization: Bearer <token>'");
    return this.caller;
  }

  /** Writes in a region: its own regional staff only. */
  requireWrite(region: string): Caller {
    const caller = this.requireCaller();
    if (caller.role === "REGIONAL_STAFF" && caller.region === region) return caller;
    throw forbidden(`writes in ${region} need the REGIONAL_STAFF role for ${region}`);
  }

  /** National decisions a region's staff may also take for their own region (e.g. transfers out of it). */
  requireCoordinatorOrWrite(region: string): Caller {
    const caller = this.requireCaller();
    if (caller.role === "NATIONAL_COORDINATOR" || (caller.role === "REGIONAL_STAFF" && caller.region === region)) return caller;
    throw forbidden(`this needs the NATIONAL_COORDINATOR role or the REGIONAL_STAFF role for ${region}`);
  }

  /** Staff of the region, or the volunteer the work is assigned to (e.g. reporting progress). */
  requireWriteOrAssignee(region: string, assigneeId: string | null): Caller {
    const caller = this.requireCaller();
    if (caller.role === "VOLUNTEER" && assigneeId !== null && caller.sub === assigneeId) return caller;
    if (caller.role === "REGIONAL_STAFF" && caller.region === region) return caller;
    throw forbidden(`this needs the REGIONAL_STAFF role for ${region} or being the assigned volunteer`);
  }

  /** Reads volunteers do not get: regional lists, other people's records, stock. */
  forbidVolunteer(what: string): void {
    if (this.caller?.role === "VOLUNTEER") throw forbidden(`${what} is not visible to volunteers`);
  }

  /** Records of one volunteer: a volunteer sees only their own. */
  requireSelfIfVolunteer(volunteerId: string, what: string): void {
    if (this.caller?.role === "VOLUNTEER" && this.caller.sub !== volunteerId) throw forbidden(`volunteers see only their own ${what}`);
  }

  /** Personal fields: staff of the record's region, or the person themself. */
  canSeePersonal(region: string, ownerId?: string): boolean {
    const c = this.caller;
    if (!c) return false;
    if (c.role === "REGIONAL_STAFF") return c.region === region;
    return c.role === "VOLUNTEER" && ownerId !== undefined && c.sub === ownerId;
  }

  /** A short, non-personal description of the caller for audit and logs. */
  get actor(): string {
    return this.caller ? `${this.caller.role}:${this.caller.sub}` : "anonymous";
  }
}
