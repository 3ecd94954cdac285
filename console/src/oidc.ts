// Production sign-in: OpenID Connect's authorization-code flow with PKCE (oidc-client-ts)
// against the identity provider the gateway names. The page keeps only the access token,
// which the gateway verifies with the provider's keys (JWKS_URL).
import { UserManager, WebStorageStateStore } from "oidc-client-ts";
import type { ConsoleSettings } from "./config";

export const CALLBACK_PATH = "/signin-callback";

function manager(oidc: NonNullable<ConsoleSettings["oidc"]>): UserManager {
  // The graph's audience, asked for as a resource so the provider issues a JWT access token for it.
  const resource = oidc.resource ? { resource: oidc.resource } : undefined;
  return new UserManager({
    authority: oidc.issuer,
    client_id: oidc.clientId,
    redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
    response_type: "code",
    scope: oidc.scope,
    extraQueryParams: resource,
    extraTokenParams: resource,
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

export const startOidcSignIn = (oidc: NonNullable<ConsoleSettings["oidc"]>): Promise<void> => manager(oidc).signinRedirect();

/** Back from the provider: trades the code (with the PKCE verifier) for tokens; resolves with the access token. */
export async function completeOidcSignIn(oidc: NonNullable<ConsoleSettings["oidc"]>): Promise<string> {
  const user = await manager(oidc).signinRedirectCallback();
  window.history.replaceState(null, "", "/");
  return user.access_token;
}

export const isOidcCallback = (): boolean => window.location.pathname === CALLBACK_PATH;
