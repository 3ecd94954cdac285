// The signed-in person: their token (session storage, so it ends with the tab) and its claims.
// An expired or refused token sends them back to sign-in with a note saying why.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { claimsOf, expired, type Claims } from "./claims";
import type { ConsoleSettings } from "./config";

const TOKEN_KEY = "aidgraph.token";

export type EndReason = "expired" | "signedOut";

export interface Session {
  settings: ConsoleSettings;
  token: string | null;
  claims: Claims | null;
  /** Why the last session ended, shown on the sign-in page. */
  ended: EndReason | null;
  signIn: (token: string) => boolean;
  signOut: (reason?: EndReason) => void;
}

const SessionContext = createContext<Session | null>(null);

/** The token kept for this tab, unless it has expired meanwhile (then: why the session ended). */
function stored(): { token: string | null; ended: EndReason | null } {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return { token: null, ended: null };
  const claims = claimsOf(token);
  if (claims && !expired(claims)) return { token, ended: null };
  sessionStorage.removeItem(TOKEN_KEY);
  return { token: null, ended: claims ? "expired" : null };
}

export function SessionProvider({ settings, children }: { settings: ConsoleSettings; children: ReactNode }) {
  const [initial] = useState(stored);
  const [token, setToken] = useState<string | null>(initial.token);
  const [ended, setEnded] = useState<EndReason | null>(initial.ended);
  const claims = useMemo(() => (token ? claimsOf(token) : null), [token]);

  const signIn = useCallback((next: string) => {
    const trimmed = next.trim();
    const nextClaims = claimsOf(trimmed);
    if (!nextClaims || expired(nextClaims)) return false;
    sessionStorage.setItem(TOKEN_KEY, trimmed);
    setEnded(null);
    setToken(trimmed);
    return true;
  }, []);
  const signOut = useCallback((reason: EndReason = "signedOut") => {
    sessionStorage.removeItem(TOKEN_KEY);
    setEnded(reason);
    setToken(null);
  }, []);

  // A token that runs out while the page sits open ends the session then, not at the next click.
  useEffect(() => {
    if (!claims?.exp) return;
    const timer = setTimeout(() => signOut("expired"), Math.min(claims.exp * 1000 - Date.now(), 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [claims, signOut]);

  const value = useMemo(() => ({ settings, token, claims, ended, signIn, signOut }), [settings, token, claims, ended, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** The signed-in person's claims (pages below sign-in only). */
export function useClaims(): Claims {
  const { claims } = useSession();
  if (!claims) throw new Error("not signed in");
  return claims;
}
