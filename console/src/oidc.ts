// Production sign-in: OpenID Connect's authorization-code flow with PKCE (oidc-client-ts)
// against the identity provider the gateway names. The page keeps only the access token,
// which the gateway verifies with the provider's keys (JWKS_URL).
import { InMemoryWebStorage, UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { ConsoleSettings } from "./config";

const CALLBACK_PATH = "/signin-callback";

type OidcSettings = NonNullable<ConsoleSettings["oidc"]>;

function manager(oidc: OidcSettings): UserManager {
  // The graph's audience, asked for as a resource (RFC 8707) at authorization and again when
  // trading the code, so the provider issues a JWT access token for the graph, not for itself.
  const resource = oidc.resource ? { resource: oidc.resource } : undefined;
  return new UserManager({
    authority: oidc.issuer,
    client_id: oidc.clientId,
    redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
    response_type: "code",
    scope: oidc.scope,
    // Hotline desks are shared: signing out here leaves the provider's session open, so the
    // provider asks who is there every time instead of signing the next person in as the last.
    prompt: "login",
    extraQueryParams: resource,
    extraTokenParams: resource,
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    // The ID token and profile are not kept: the session is the access token alone (session.tsx).
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    // The state and PKCE verifier must outlive the trip to the provider, and only this tab's.
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

/** Leaves for the provider's sign-in page; rejects when the provider cannot be reached. */
export const startOidcSignIn = (oidc: OidcSettings): Promise<void> => manager(oidc).signinRedirect();

/**
 * Back from the provider: trades the code (with the PKCE verifier) for tokens; resolves with
 * the access token, or rejects with the provider's reason (e.g. the person cancelled).
 */
export async function completeOidcSignIn(oidc: OidcSettings): Promise<string> {
  try {
    const user = await manager(oidc).signinRedirectCallback();
    return user.access_token;
  } finally {
    // The code is spent either way: a reload must not try it again, nor a bookmark keep it.
    window.history.replaceState(null, "", "/");
  }
}

export const isOidcCallback = (): boolean => window.location.pathname === CALLBACK_PATH;
