// The trust model between the gateway and the regions.
//
// A caller's token from the identity provider is valid at every region (regional offices
// accept it directly). If the gateway forwarded it, every region the gateway calls would
// hold a token it could replay at any other region as that caller. So the gateway keeps
// the caller's token to itself: to each region it sends its own assertion of the caller it
// has verified (sub, role, region), signed with the gateway's Ed25519 key, addressed to that
// one region (`aud`), short-lived (at most GATEWAY_ASSERTION_S and never past the caller's
// own token). A region host holding the gateway's public key (GATEWAY_PUBLIC_KEY) accepts
// an assertion only for the region in the request's path; what one region receives is
// useless at another. Each region still applies its own rules to the asserted caller.
//
// Without GATEWAY_KEY (development only; refused with NODE_ENV=production), the gateway
// forwards the caller's token as it is, and the hosts verify it like any other.
import { importJWK, SignJWT, type CryptoKey, type JWK } from "jose";
import { GATEWAY_ASSERTION_S, GATEWAY_ISSUER, type Caller } from "../subgraphs/kernel/auth.js";
import { generatePrivateJwk, privateJwk, publicPart, readKeyFile } from "../subgraphs/kernel/keys.js";
import { LruCache } from "../subgraphs/kernel/lru.js";

/** Assertions are re-made once less than this is left of them. */
const RENEW_BEFORE_S = 60;
const MAX_CACHED = 10_000;

export class GatewayIdentity {
  private readonly assertions = new LruCache<string, { jwt: string; expiresAt: number }>(MAX_CACHED);

  private constructor(
    private readonly key: CryptoKey,
    /** What region hosts need (GATEWAY_PUBLIC_KEY). */
    readonly publicJwk: JWK,
  ) {}

  /** From a private Ed25519 JWK (`npm run gateway-key`); a fresh one when none is given (development, tests). */
  static async create(jwk?: JWK): Promise<GatewayIdentity> {
    const parsed = privateJwk.parse(jwk ?? (await generatePrivateJwk()));
    return new GatewayIdentity(await importJWK(parsed, "EdDSA"), publicPart(parsed));
  }

  /** Reads GATEWAY_KEY's file; the error never echoes it (it holds the private key). */
  static async fromFile(path: string): Promise<GatewayIdentity> {
    return GatewayIdentity.create(readKeyFile("GATEWAY_KEY", path, privateJwk, "an Ed25519 private JWK"));
  }

  /** The assertion of `caller` (verified from `token`, valid until `callerExpiresAt`) for `region`. */
  async assertionFor(token: string, caller: Caller, callerExpiresAt: number, region: string): Promise<string> {
    const key = `${region}\u0000${token}`;
    const now = Date.now();
    const cached = this.assertions.get(key);
    if (cached && cached.expiresAt - now > RENEW_BEFORE_S * 1000) return cached.jwt;
    const expiresAt = Math.min(callerExpiresAt, now + GATEWAY_ASSERTION_S * 1000);
    const jwt = await new SignJWT({ role: caller.role, ...(caller.region ? { region: caller.region } : {}) })
      .setProtectedHeader({ alg: "EdDSA", kid: GATEWAY_ISSUER })
      .setIssuer(GATEWAY_ISSUER)
      .setAudience(region)
      .setSubject(caller.sub)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.key);
    this.assertions.set(key, { jwt, expiresAt });
    return jwt;
  }
}
