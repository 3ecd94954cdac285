// Production authentication: RS256 tokens from an identity provider, verified against its
// JWKS with issuer and audience, by the gateway and again by the subgraphs.
import http from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwksConfig } from "../../subgraphs/kernel/auth.js";
import { listen, type Listening } from "../../subgraphs/kernel/http.js";
import { postGraphQL } from "../support/host.js";
import { startNational, type National } from "../support/national.js";

const ISSUER = "https://idp.aid.example.kz/";
const AUDIENCE = "aidgraph";
let idp: Listening;
let national: National;
let sign: (claims: Record<string, unknown>, audience?: string) => Promise<string>;
let signWithStrangerKey: (claims: Record<string, unknown>) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const stranger = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  idp = await listen((_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  const make = (key: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"], audience: string, claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject(String(claims.sub))
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(key);
  sign = (claims, audience = AUDIENCE) => make(privateKey, audience, claims);
  signWithStrangerKey = (claims) => make(stranger.privateKey, AUDIENCE, claims);
  national = await startNational({ healthy: ["KZ-75"], auth: jwksConfig(`${idp.url}/.well-known/jwks.json`, ISSUER, AUDIENCE) });
});
afterAll(async () => {
  await national?.stop();
  await idp?.close();
});

const QUERY = `{ regions { code volunteerStats { total } } }`;
const DIRECT = `{ _entities(representations: [{ __typename: "Region", code: "KZ-75" }]) { ... on Region { volunteerStats { total } } } }`;

describe("JWKS (RS256)", () => {
  it("accepts the identity provider's tokens at the gateway and at a subgraph", async () => {
    const token = await sign({ sub: "coord-1", role: "NATIONAL_COORDINATOR" });
    expect((await national.query(QUERY, {}, token)).errors).toBeUndefined();
    expect((await postGraphQL(national.host.url("KZ-75", "volunteers"), DIRECT, {}, token)).errors).toBeUndefined();
  });

  it.each([
    ["for another audience", () => sign({ sub: "c", role: "NATIONAL_COORDINATOR" }, "another-service")],
    ["signed with a key the provider does not publish", () => signWithStrangerKey({ sub: "c", role: "NATIONAL_COORDINATOR" })],
    ["with a role that does not exist", () => sign({ sub: "c", role: "ADMIN" })],
  ])("refuses a token %s at both", async (_what, make) => {
    const token = await make();
    const atGateway = await national.query(QUERY, {}, token);
    expect(atGateway.status).toBe(401);
    expect(atGateway.errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    const direct = await postGraphQL(national.host.url("KZ-75", "volunteers"), DIRECT, {}, token);
    expect(direct.status).toBe(401);
  });
});
