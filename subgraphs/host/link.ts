// The region link: messages one region sends another (e.g. "this transfer is on its way").
// Every message is a JWS signed with the sending region's own Ed25519 key; the receiver
// checks it against that region's public key from the registry. A shared secret would let
// any region (or the gateway) speak for any other; a region's private key never leaves
// the hosts that serve it, so a region only accepts what the sender really issued.
// Replies are JWSs too, signed by the region the message went to and naming the exact
// message they answer: an answer tampered with on the way (or from anyone else) is refused,
// and the message is sent again. With NODE_ENV=production, messages go only to https://
// addresses of the registry (the host's own address for the regions it serves itself aside).
import { createHash, randomBytes } from "node:crypto";
import { CompactSign, compactVerify, importJWK, type CryptoKey, type JWK } from "jose";
import { z } from "zod";
import { REGION_CODE } from "../kernel/ids.js";
import { generatePrivateJwk, privateJwk, publicPart } from "../kernel/keys.js";
import { LinkError } from "../kernel/messaging.js";
import { insecureAddresses, insecureUrl } from "../kernel/urls.js";
import type { RegionRegistry } from "../kernel/regions.js";
import { SUBGRAPH_NAMES, type SubgraphName } from "../manifest.js";

const ALG = "EdDSA";
/** Messages are signed at every attempt, so an old one is a replay (or a bad clock). */
const MAX_AGE_S = 300;

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

/** A message as signed: what it says, and the digest of its JWS, which the reply names. */
export interface SignedMessage extends Envelope {
  digest: string;
}

/** What a reply to a message of type `type` is called (never a message type itself). */
const replyType = (type: string) => `${type}.reply`;
const isReplyType = (type: string) => type.endsWith(".reply");

/** Binds a reply to one signed message (one attempt, as every attempt is signed afresh). */
export const digestOf = (jws: string) => createHash("sha256").update(jws.trim()).digest("base64url");

/** How a region host runs its link. */
export interface LinkOptions {
  /** NODE_ENV=production: every registry address of a region this host may message is https://. */
  production?: boolean;
}

interface Peer {
  /** URL of each subgraph's GraphQL endpoint; messages go to `<region>/<subgraph>/messages`. */
  subgraphs: Partial<Record<SubgraphName, string>>;
  publicKey?: CryptoKey;
}

const messagesUrl = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql\/?$/, "/messages");

/** The signed claims of a message or a reply. */
interface Claims {
  iss: string;
  aud: string;
  sub: string;
  jti: string;
  type: string;
  body: unknown;
  iat: number;
  /** Replies: the digest of the message answered. */
  re?: string;
  /** Makes every attempt's JWS (and so its digest) unique, even within one second. */
  nonce?: string;
}

export class RegionLink {
  private readonly signing = new Map<string, CryptoKey>();
  private readonly peers = new Map<string, Peer>();

  constructor(readonly options: LinkOptions = {}) {}

  /** Private keys of the regions served here (JWKs, as from `npm run transfer-keys`). */
  static async create(privateKeys: Record<string, JWK>, registry?: RegionRegistry, options: LinkOptions = {}): Promise<RegionLink> {
    const link = new RegionLink(options);
    for (const [region, jwk] of Object.entries(privateKeys)) {
      const parsed = privateJwk.parse(jwk);
      link.signing.set(region, await importJWK(parsed, ALG));
      link.peer(region).publicKey = (await importJWK(publicPart(parsed), ALG)) as CryptoKey;
    }
    if (registry) await link.addRegistry(registry);
    return link;
  }

  /** Development: fresh keys for the regions served here, known only to this process. */
  static async ephemeral(regions: string[], options: LinkOptions = {}): Promise<RegionLink> {
    return RegionLink.create(
      Object.fromEntries(await Promise.all(regions.map(async (r) => [r, await generatePrivateJwk()] as const))),
      undefined,
      options,
    );
  }

  private peer(region: string): Peer {
    let peer = this.peers.get(region);
    if (!peer) this.peers.set(region, (peer = { subgraphs: {} }));
    return peer;
  }

  /**
   * Where every region in the registry is reached and, when published, its public key. In
   * production, refuses (naming the entries) any address that is not https:// of a region
   * this host may message: one with a public key, or one it serves.
   */
  async addRegistry(registry: RegionRegistry): Promise<void> {
    if (this.options.production) {
      const problems = insecureAddresses(registry.regions, (region) => Boolean(region.publicKey) || this.signing.has(region.code));
      if (problems.length) throw new Error(`region registry: ${problems.join("; ")}`);
    }
    for (const region of registry.regions) {
      const peer = this.peer(region.code);
      Object.assign(peer.subgraphs, region.subgraphs ?? {});
      if (region.publicKey && !this.signing.has(region.code)) peer.publicKey = await importJWK(region.publicKey, ALG);
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
    const why = url && this.options.production ? insecureUrl(url.baseUrl) : null;
    if (why) throw new Error(`the address of ${region}: ${why}`);
    const peer = this.peer(region);
    if (url) for (const s of SUBGRAPH_NAMES) peer.subgraphs[s] = `${url.baseUrl}/${region}/${s}/graphql`;
    if (publicKey) peer.publicKey = (await importJWK(publicKey, ALG)) as CryptoKey;
  }

  /** Why `from` cannot send to `to`'s `subgraph`, or null when it can. */
  unreachable(from: string, to: string, subgraph: SubgraphName): string | null {
    if (!this.signing.has(from)) return `no signing key is configured for ${from} (TRANSFER_KEYS)`;
    if (!this.peers.get(to)?.subgraphs[subgraph]) return `no address is known for ${to}'s ${subgraph} service (REGISTRY)`;
    // Its answers are signed: without its key, none could be trusted.
    if (!this.peers.get(to)?.publicKey) return `no public key is known for ${to} (REGISTRY publicKey)`;
    return null;
  }

  endpoint(to: string, subgraph: SubgraphName): string | undefined {
    const url = this.peers.get(to)?.subgraphs[subgraph];
    return url ? messagesUrl(url) : undefined;
  }

  async sign(envelope: Envelope): Promise<string> {
    return this.signClaims(envelope);
  }

  /** The reply to a verified `message`, signed by the region it was addressed to (served here). */
  async signReply(message: SignedMessage, body: unknown): Promise<string> {
    if (!this.signing.has(message.to))
      throw new LinkError(503, "UNAVAILABLE", `no signing key is configured for ${message.to} to answer with (TRANSFER_KEYS)`);
    return this.signClaims(
      { from: message.to, to: message.from, subgraph: message.subgraph, id: message.id, type: replyType(message.type), body },
      message.digest,
    );
  }

  private async signClaims(envelope: Envelope, re?: string): Promise<string> {
    const key = this.signing.get(envelope.from);
    if (!key) throw new Error(`no signing key for ${envelope.from}`);
    const payload: Claims = {
      iss: envelope.from,
      aud: envelope.to,
      sub: envelope.subgraph,
      jti: envelope.id,
      type: envelope.type,
      body: envelope.body,
      iat: Math.floor(Date.now() / 1000),
      nonce: randomBytes(12).toString("base64url"),
      ...(re ? { re } : {}),
    };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: ALG, kid: envelope.from })
      .sign(key);
  }

  /** The message in `jws` if `kid`'s region signed it for `to`'s `subgraph` just now; else LinkError. */
  async verify(jws: string, to: string, subgraph: SubgraphName): Promise<SignedMessage> {
    const { signer, claims: m } = await this.open(jws, "message", (kid) => {
      const key = this.peers.get(kid)?.publicKey;
      if (!key) throw new LinkError(401, "UNAUTHENTICATED", `no public key is known for region ${JSON.stringify(kid)}`);
      return key;
    });
    if (m.iss !== signer) throw new LinkError(401, "UNAUTHENTICATED", `the message claims to be from ${m.iss} but is signed by ${signer}`);
    if (m.aud !== to || m.sub !== subgraph)
      throw new LinkError(400, "BAD_REQUEST", `the message is addressed to ${m.aud}'s ${m.sub}, not ${to}'s ${subgraph}`);
    // A reply posted back as a message would otherwise be a message its signer never sent.
    if (isReplyType(m.type) || m.re !== undefined) throw new LinkError(400, "BAD_REQUEST", "a reply is not a message");
    return { from: m.iss, to: m.aud, subgraph, id: m.jti, type: m.type, body: m.body, digest: digestOf(jws) };
  }

  /**
   * The body of `jws` if it is the reply to `message`: signed by the region the message went
   * to, for its sender, naming that very message (type, id and digest), just now. Anything
   * else (an unsigned answer included) is a LinkError, and the message is sent again.
   */
  async verifyReply(jws: unknown, message: SignedMessage): Promise<unknown> {
    const to = message.to;
    if (typeof jws !== "string") throw new LinkError(502, "BAD_REPLY", `${to} answered without a signed reply`);
    const { claims: r } = await this.open(jws, "reply", (kid) => {
      if (kid !== to)
        throw new LinkError(502, "BAD_REPLY", `the reply is signed by ${JSON.stringify(kid)}, not by ${to}, which the message went to`);
      const key = this.peers.get(to)?.publicKey;
      if (!key) throw new LinkError(502, "BAD_REPLY", `no public key is known for ${to} to check its reply with`);
      return key;
    });
    if (r.iss !== to || r.aud !== message.from || r.sub !== message.subgraph) {
      throw new LinkError(
        502,
        "BAD_REPLY",
        `the reply is from ${r.iss} to ${r.aud}'s ${r.sub}, not from ${to} to ${message.from}'s ${message.subgraph}`,
      );
    }
    if (r.type !== replyType(message.type) || r.jti !== message.id || r.re !== message.digest) {
      throw new LinkError(502, "BAD_REPLY", `the reply from ${to} answers another message (${r.type} ${r.jti})`);
    }
    return r.body;
  }

  /** The verified, fresh claims of `jws`, and the region whose key (`keyOf(kid)`) signed them. */
  private async open(
    jws: string,
    what: "message" | "reply",
    keyOf: (kid: string) => CryptoKey,
  ): Promise<{ signer: string; claims: Claims }> {
    let signer = "";
    let payload: Uint8Array;
    const bad = what === "message" ? { status: 401, code: "UNAUTHENTICATED" } : { status: 502, code: "BAD_REPLY" };
    try {
      ({ payload } = await compactVerify(
        jws.trim(),
        (header) => {
          signer = typeof header.kid === "string" ? header.kid : "";
          return keyOf(signer);
        },
        { algorithms: [ALG] },
      ));
    } catch (err) {
      if (err instanceof LinkError) throw err;
      throw new LinkError(bad.status, bad.code, `the ${what} signature is invalid`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      parsed = undefined;
    }
    const claims = envelopeSchema.safeParse(parsed);
    if (!claims.success)
      throw new LinkError(what === "message" ? 400 : 502, what === "message" ? "BAD_REQUEST" : "BAD_REPLY", `the ${what} is malformed`);
    if (Math.abs(Date.now() / 1000 - claims.data.iat) > MAX_AGE_S)
      throw new LinkError(bad.status, bad.code, `the ${what} is too old (or a clock is wrong)`);
    return { signer, claims: claims.data };
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
  re: z.string().max(100).optional(),
});
