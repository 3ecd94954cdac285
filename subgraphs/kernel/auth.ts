// Who is calling. Tokens are verified by the gateway and again by every subgraph, since
// regional offices expose their subgraphs directly: an identity provider's tokens (JWKS,
// RS256/ES256 in production; HS256 with a shared secret in development), and, at a region
// host, the gateway's own short-lived assertions of a verified caller, each bound to the
// one region it is sent to (see gateway/identity.ts for the trust model).
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type CryptoKey, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { z } from "zod";
import { forbidden, unauthenticated } from "./errors.js";
import { peekId, REGION_CODE } from "./ids.js";
import { LruCache } from "./lru.js";
import { printableAscii } from "./text.js";

export const ROLES = ["NATIONAL_COORDINATOR", "REGIONAL_STAFF", "VOLUNTEER"] as const;

const claims = z
  .object({
    // Subjects end up in records and audit entries: printable ASCII only, as identity providers issue them.
    sub: z.string().regex(printableAscii(200), "must be 1 to 200 printable ASCII characters"),
    role: z.enum(ROLES),
    region: z.string().regex(REGION_CODE).optional(),
  })
  .refine((c) => c.role !== "REGIONAL_STAFF" || c.region, { message: "region is required for REGIONAL_STAFF", path: ["region"] })
  // A volunteer is a record: the subject must be a volunteer id (its region names where the record lives).
  .refine((c) => c.role !== "VOLUNTEER" || peekId(c.sub)?.type === "Volunteer", {
    message: "a VOLUNTEER's sub must be a volunteer id",
    path: ["sub"],
  });
export type Caller = z.infer<typeof claims>;

/** The gateway's assertions: issuer and key id, so a host tells them from identity-provider tokens. */
export const GATEWAY_ISSUER = "aidgraph-gateway";
/** The longest a gateway assertion may live: it is re-made as it nears its end. */
export const GATEWAY_ASSERTION_S = 300;
/** How far ahead of this host's clock a token's issue time may be. */
const CLOCK_SKEW_MS = 60_000;
/** Default longest lifetime of an identity provider's token (JWT_MAX_LIFETIME). */
export const DEFAULT_MAX_LIFETIME_S = 24 * 3600;

interface Checks {
  /** Longest accepted lifetime (exp - iat, or exp - now without iat), in seconds. */
  maxLifetimeS?: number;
  /** The registry's region codes: a `region` claim (or a volunteer id's region) must be one of them. */
  regions?: ReadonlySet<string>;
  /** At a region host: the gateway's public key, to accept its per-region assertions. */
  gatewayKey?: CryptoKey;
}

/** How tokens are verified: a shared secret (development, tests) or a JWKS (production). */
export type AuthConfig = Checks &
  (
    | { kind: "hs256"; secret: Uint8Array; issuer?: string; audience?: string }
    | { kind: "jwks"; keys: JWTVerifyGetKey; issuer: string; audience: string }
  );

export function hs256Config(secret: string, issuer?: string, audience?: string): AuthConfig {
  return { kind: "hs256", secret: new TextEncoder().encode(secret), issuer, audience };
}

/** RS256/ES256 tokens from an identity provider, checked against its published keys. */
export function jwksConfig(url: string, issuer: string, audience: string): AuthConfig {
  return { kind: "jwks", keys: createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 600_000 }), issuer, audience };
}

/** The verification the environment asks for: JWKS when JWKS_URL is set, else HS256. */
export function authFromEnv(env: {
  JWT_SECRET?: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_MAX_LIFETIME: number;
}): AuthConfig {
  const config = env.JWKS_URL
    ? jwksConfig(env.JWKS_URL, env.JWT_ISSUER!, env.JWT_AUDIENCE!)
    : hs256Config(env.JWT_SECRET!, env.JWT_ISSUER, env.JWT_AUDIENCE);
  return { ...config, maxLifetimeS: env.JWT_MAX_LIFETIME };
}

/** The same verification, also checking region claims against `regions` (a registry's codes). */
export const withRegions = (config: AuthConfig, regions: Iterable<string>): AuthConfig => ({ ...config, regions: new Set(regions) });

/** A verified caller and when their token ends (ms since the epoch). */
export interface Verified {
  caller: Caller;
  expiresAt: number;
  /** For a gateway assertion: the one region it is good for. */
  audience?: string;
}

/**
 * Verified tokens, until they expire: verifying costs ~0.5 ms (WebCrypto), and one
 * national query carries the same token to some eighty subgraph fetches.
 */
const verified = new WeakMap<AuthConfig, LruCache<string, Verified>>();
const MAX_CACHED_TOKENS = 10_000;

function cacheFor(config: AuthConfig): LruCache<string, Verified> {
  let cache = verified.get(config);
  if (!cache) verified.set(config, (cache = new LruCache<string, Verified>(MAX_CACHED_TOKENS)));
  return cache;
}

function reasonOf(err: unknown): string {
  const e = err as { code?: string; claim?: string };
  if (e.code === "ERR_JWT_EXPIRED") return "the token has expired";
  if (e.code === "ERR_JWT_CLAIM_VALIDATION_FAILED" && e.claim === "exp") return "the token has no expiry (exp)";
  return "the token is invalid";
}

/** Verifies a token's signature and standard claims; the gateway's assertions only where `gatewayKey` is set and for `region`. */
async function verify(token: string, config: AuthConfig, region: string | undefined): Promise<{ payload: JWTPayload; audience?: string }> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw unauthenticated("the token is invalid");
  }
  try {
    if (kid === GATEWAY_ISSUER && config.gatewayKey) {
      if (!region) throw unauthenticated("the token is invalid");
      const { payload } = await jwtVerify(token, config.gatewayKey, {
        algorithms: ["EdDSA"],
        issuer: GATEWAY_ISSUER,
        audience: region,
        requiredClaims: ["exp", "iat"],
        maxTokenAge: GATEWAY_ASSERTION_S + 60,
      });
      return { payload, audience: region };
    }
    const options = { issuer: config.issuer, audience: config.audience, requiredClaims: ["exp"] };
    const { payload } =
      config.kind === "hs256"
        ? await jwtVerify(token, config.secret, { ...options, algorithms: ["HS256"] })
        : await jwtVerify(token, config.keys, { ...options, algorithms: ["RS256", "ES256"] });
    return { payload };
  } catch (err) {
    if ((err as { extensions?: unknown }).extensions) throw err;
    throw unauthenticated(reasonOf(err));
  }
}

/**
 * The caller named by an `Authorization` header, and when their token ends; null when there
 * is none. `region`: the region the request is for (a host's path), which a gateway
 * assertion must name.
 */
export async function verifyCaller(header: string | undefined, config: AuthConfig, region?: string): Promise<Verified | null> {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthenticated("the Authorization header must be 'Bearer <token>'");
  const token = match[1];
  const cache = cacheFor(config);
  const hit = cache.get(token);
  if (hit && hit.expiresAt > Date.now()) {
    if (hit.audience !== undefined && hit.audience !== region) throw unauthenticated("the token is invalid");
    return hit;
  }
  if (hit) cache.delete(token);
  const { payload, audience } = await verify(token, config, region);
  const exp = payload.exp! * 1000;
  const now = Date.now();
  const maxLifetimeMs = (config.maxLifetimeS ?? DEFAULT_MAX_LIFETIME_S) * 1000;
  // A token issued in the future would stretch its lifetime past the limit (its clock may be a minute off).
  if (payload.iat !== undefined && payload.iat * 1000 > now + CLOCK_SKEW_MS) throw unauthenticated("the token is issued in the future");
  if (exp - Math.min(payload.iat !== undefined ? payload.iat * 1000 : now, now) > maxLifetimeMs) {
    throw unauthenticated(`the token lives longer than ${maxLifetimeMs / 1000} s; ask for a shorter-lived one`);
  }
  const parsed = claims.safeParse(payload);
  if (!parsed.success)
    throw unauthenticated(`the token's claims are invalid: ${parsed.error.issues.map((i) => i.path.join(".") || i.message).join(", ")}`);
  const caller = parsed.data;
  // A volunteer belongs to the region of their id: a `region` claim may only repeat it.
  const volunteerRegion = caller.role === "VOLUNTEER" ? peekId(caller.sub)!.region : undefined;
  if (volunteerRegion && caller.region && caller.region !== volunteerRegion) {
    throw unauthenticated(`the token's claims are invalid: region ${caller.region} is not the volunteer's region ${volunteerRegion}`);
  }
  for (const region of [caller.region, volunteerRegion]) {
    if (config.regions && region && !config.regions.has(region))
      throw unauthenticated(`the token's claims are invalid: region ${region} is not in the registry`);
  }
  const entry: Verified = { caller, expiresAt: exp, ...(audience ? { audience } : {}) };
  cache.set(token, entry);
  return entry;
}

/** The caller named by an `Authorization` header; null when there is none. */
export async function authenticate(header: string | undefined, config: AuthConfig, region?: string): Promise<Caller | null> {
  return (await verifyCaller(header, config, region))?.caller ?? null;
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
  constructor(
    readonly caller: Caller | null,
    /** When the caller's token ends (ms since the epoch). */
    readonly expiresAt?: number,
  ) {}

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

  /** Whether the caller is a coordinator, or staff of `region`. */
  isCoordinatorOrStaffOf(region: string | undefined): boolean {
    const caller = this.caller;
    return caller?.role === "NATIONAL_COORDINATOR" || (caller?.role === "REGIONAL_STAFF" && caller.region === region);
  }

  /** National decisions a region's staff may also take for their own region (e.g. transfers out of it). */
  requireCoordinatorOrWrite(region: string): Caller {
    const caller = this.requireCaller();
    if (this.isCoordinatorOrStaffOf(region)) return caller;
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
