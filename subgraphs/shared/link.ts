// The region link: messages one region sends another (e.g. "this transfer is on its way").
// Every message is a JWS signed with the sending region's own Ed25519 key; the receiver
// checks it against that region's public key from the registry. A shared secret would let
// any region (or the gateway) speak for any other; a region's private key never leaves
// the hosts that serve it, so a region only accepts what the sender really issued.
import { CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { z } from "zod";
import { REGION_CODE } from "./ids.js";
import type { RegionRegistry, SubgraphName } from "./regions.js";

const ALG = "EdDSA";
/** Messages are signed at every attempt, so an old one is a replay (or a bad clock). */
const MAX_AGE_S = 300;

/** A public key as published in the registry (`regions[i].publicKey`). */
export const publicJwk = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string().min(40) });
/** A region's private key, as kept in the TRANSFER_KEYS file of the hosts that serve it. */
export const privateJwk = publicJwk.extend({ d: z.string().min(40) });
export const privateKeysFile = z.record(z.string().regex(REGION_CODE, "must be a region code such as KZ-75"), privateJwk);

/** What a verified message says. */
export interface Envelope {
  /** The sending region. */
  from: string;
  to: string;
  subgraph: SubgraphName;
  /** Unique per message; the receiver may see it more than once. */
  id: string;
  type: string;
  body: unknown;
}

/** A refused message: the HTTP status and code the receiver answers with. */
export class LinkError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Peer {
  /** URL of each subgraph's GraphQL endpoint; messages go to `<region>/<subgraph>/messages`. */
  subgraphs: Partial<Record<SubgraphName, string>>;
  publicKey?: CryptoKey;
}

const messagesUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql\/?$/, "/messages");

export class RegionLink {
  private readonly signing = new Map<string, CryptoKey>();
  private readonly peers = new Map<string, Peer>();

  /** Private keys of the regions served here (JWKs, as from `npm run transfer-keys`). */
  static async create(privateKeys: Record<string, JWK>, registry?: RegionRegistry): Promise<RegionLink> {
    const link = new RegionLink();
    for (const [region, jwk] of Object.entries(privateKeys)) {
      const parsed = privateJwk.parse(jwk);
      link.signing.set(region, (await importJWK(parsed, ALG)) as CryptoKey);
      const { d: _private, ...pub } = parsed;
      link.peer(region).publicKey = (await importJWK(pub, ALG)) as CryptoKey;
    }
    if (registry) await link.addRegistry(registry);
    return link;
  }

  /** Development: fresh keys for the regions served here, known only to this process. */
  static async ephemeral(regions: string[]): Promise<RegionLink> {
    return RegionLink.create(Object.fromEntries(await Promise.all(regions.map(async (r) => [r, await generatePrivateJwk()]))));
  }

  private peer(region: string): Peer {
    let peer = this.peers.get(region);
    if (!peer) this.peers.set(region, (peer = { subgraphs: {} }));
    return peer;
  }

  /** Where every region in the registry is reached and, when published, its public key. */
  async addRegistry(registry: RegionRegistry): Promise<void> {
    for (const region of registry.regions) {
      const peer = this.peer(region.code);
      Object.assign(peer.subgraphs, region.subgraphs ?? {});
      if (region.publicKey && !this.signing.has(region.code)) peer.publicKey = (await importJWK(region.publicKey, ALG)) as CryptoKey;
    }
  }

  /** Regions served at `baseUrl` (this host, once it listens) whose URL no registry gave. */
  serveAt(baseUrl: string, regions: string[], subgraphs: readonly SubgraphName[]): void {
    for (const region of regions) {
      const peer = this.peer(region);
      for (const s of subgraphs) peer.subgraphs[s] ??= `${baseUrl}/${region}/${s}/graphql`;
    }
  }

  /** Tells this link where another region is and how to check its signature (tests, start-up). */
  async setPeer(region: string, url: { baseUrl: string } | undefined, publicKey?: JWK): Promise<void> {
    const peer = this.peer(region);
    if (url) for (const s of ["volunteers", "beneficiaries", "inventory", "events"] as const) peer.subgraphs[s] = `${url.baseUrl}/${region}/${s}/graphql`;
    if (publicKey) peer.publicKey = (await importJWK(publicKey, ALG)) as CryptoKey;
  }

  /** Why `from` cannot send to `to`'s `subgraph`, or null when it can. */
  unreachable(from: string, to: string, subgraph: SubgraphName): string | null {
    if (!this.signing.has(from)) return `no signing key is configured for ${from} (TRANSFER_KEYS)`;
    if (!this.peers.get(to)?.subgraphs[subgraph]) return `no address is known for ${to}'s ${subgraph} service (REGISTRY)`;
    return null;
  }

  endpoint(to: string, subgraph: SubgraphName): string | undefined {
    const url = this.peers.get(to)?.subgraphs[subgraph];
    return url ? messagesUrl(url) : undefined;
  }

  async sign(envelope: Envelope): Promise<string> {
    const key = this.signing.get(envelope.from);
    if (!key) throw new Error(`no signing key for ${envelope.from}`);
    const payload = { iss: envelope.from, aud: envelope.to, sub: envelope.subgraph, jti: envelope.id, type: envelope.type, body: envelope.body, iat: Math.floor(Date.now() / 1000) };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: ALG, kid: envelope.from }).sign(key);
  }

  /** The message in `jws` if `kid`'s region signed it for `to`'s `subgraph` just now; else LinkError. */
  async verify(jws: string, to: string, subgraph: SubgraphName): Promise<Envelope> {
    let from = "";
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(
        jws.trim(),
        async (header) => {
          from = typeof header.kid === "string" ? header.kid : "";
          const key = this.peers.get(from)?.publicKey;
          if (!key) throw new LinkError(401, "UNAUTHENTICATED", `no public key is known for region ${JSON.stringify(from)}`);
          return key;
        },
        { algorithms: [ALG] },
      ));
    } catch (err) {
      if (err instanceof LinkError) throw err;
      throw new LinkError(401, "UNAUTHENTICATED", "the message signature is invalid");
    }
    const message = envelopeSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
    if (!message.success) throw new LinkError(400, "BAD_REQUEST", "the message is malformed");
    const m = message.data;
    if (m.iss !== from) throw new LinkError(401, "UNAUTHENTICATED", `the message claims to be from ${m.iss} but is signed by ${from}`);
    if (m.aud !== to || m.sub !== subgraph) throw new LinkError(400, "BAD_REQUEST", `the message is addressed to ${m.aud}'s ${m.sub}, not ${to}'s ${subgraph}`);
    if (Math.abs(Date.now() / 1000 - m.iat) > MAX_AGE_S) throw new LinkError(401, "UNAUTHENTICATED", "the message is too old (or a clock is wrong)");
    return { from: m.iss, to: m.aud, subgraph, id: m.jti, type: m.type, body: m.body };
  }
}

const envelopeSchema = z.object({
  iss: z.string().regex(REGION_CODE),
  aud: z.string(),
  sub: z.string(),
  jti: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  body: z.unknown(),
  iat: z.number(),
});

/** A new Ed25519 key pair for a region, as a private JWK (the public part is `x`). */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALG, { crv: "Ed25519", extractable: true });
  const { kty, crv, x, d } = await exportJWK(privateKey);
  return { kty, crv, x, d };
}

export const publicPart = (jwk: JWK): JWK => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x });
