// Ed25519 keys as JWKs: a region's signing key for its messages to other regions, and the
// gateway's for its assertions of callers. Private keys live in files given to the
// processes that sign; public keys go to the registry and to the hosts that verify.
import { readFileSync } from "node:fs";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { z } from "zod";
import { REGION_CODE } from "./ids.js";

/** A public key as published (the registry's `regions[i].publicKey`, a host's GATEWAY_PUBLIC_KEY). */
export const publicJwk = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string().min(40) });
/** A private key, as kept in TRANSFER_KEYS or GATEWAY_KEY files. */
export const privateJwk = publicJwk.extend({ d: z.string().min(40) });
/** TRANSFER_KEYS: region code → that region's private key. */
export const privateKeysFile = z.record(z.string().regex(REGION_CODE, "must be a region code such as KZ-75"), privateJwk);

/** A new Ed25519 key pair, as a private JWK (the public part is `x`). */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const { kty, crv, x, d } = await exportJWK(privateKey);
  return { kty, crv, x, d };
}

export const publicPart = (jwk: JWK): JWK => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });

/**
 * The key file `variable` names, checked with `schema`. The error names the file and what it
 * should hold, never what it holds: private keys.
 */
export function readKeyFile<T>(variable: string, path: string, schema: z.ZodType<T>, expected: string): T {
  try {
    return schema.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch (err) {
    throw new Error(`${variable} ${path}: not ${expected} (${(err as Error).name})`, { cause: err });
  }
}
