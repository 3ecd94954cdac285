// A real OpenID provider in the test process (oidc-provider, its built-in development login
// form), as an organisation's identity provider is to the console in production: one public
// client signing in with the authorization code and PKCE, and access tokens for the graph's
// audience issued as ES256 JWTs carrying the account's `role` and `region`.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";
import type { Caller } from "../../subgraphs/kernel/auth.js";

const ACCESS_TOKEN_TTL_S = 600;

export interface IdentityProvider {
  issuer: string;
  /** Where the provider publishes its signing keys (oidc-provider's jwks_uri). */
  jwksUri: string;
  /** Registers the one client and opens the provider (the client's redirect URI is known only once the gateway listens). */
  open(client: { clientId: string; redirectUri: string }): Promise<void>;
  stop(): Promise<void>;
}

export interface IdentityProviderOptions {
  /** The graph's audience: the one resource the provider issues access tokens for. */
  audience: string;
  /** Who may sign in (the login typed into the form) and what their tokens say. */
  accounts: Record<string, Omit<Caller, "sub">>;
}

/** Listens on a free port of 127.0.0.1 (the issuer); answers 503 until `open`. */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  let handler: http.RequestListener | undefined;
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const open = async (client: { clientId: string; redirectUri: string }) => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: "test-es256", alg: "ES256", use: "sig" };
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: client.clientId,
          // A page cannot keep a secret: a public client, PKCE instead.
          token_endpoint_auth_method: "none",
          redirect_uris: [client.redirectUri],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          id_token_signed_response_alg: "ES256",
        },
      ],
      jwks: { keys: [signingKey] },
      cookies: { keys: ["aidgraph test provider cookie key"] },
      // Lifetimes for a test run, set so the provider does not warn about its defaults.
      ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, IdToken: 600, AccessToken: ACCESS_TOKEN_TTL_S },
      findAccount: (_ctx: unknown, sub: string) =>
        options.accounts[sub] ? { accountId: sub, claims: () => Promise.resolve({ sub }) } : undefined,
      // What the graph reads from the access token besides sub.
      extraTokenClaims: (_ctx, token) => {
        const accountId = "accountId" in token ? token.accountId : undefined;
        const account = accountId ? options.accounts[accountId] : undefined;
        return Promise.resolve(account ? { role: account.role, ...(account.region ? { region: account.region } : {}) } : undefined);
      },
      features: {
        devInteractions: { enabled: true },
        resourceIndicators: {
          enabled: true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => {
            if (resource !== options.audience) throw new errors.InvalidTarget();
            return Promise.resolve({
              scope: "graph",
              audience: options.audience,
              accessTokenTTL: ACCESS_TOKEN_TTL_S,
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "ES256" } },
            });
          },
        },
      },
    });
    const callback = provider.callback();
    // Koa's listener returns a promise that settles with the response; node:http ignores it.
    handler = (req, res) => void callback(req, res);
  };

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    open,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
