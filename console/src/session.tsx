// The signed-in person: their token (session storage, so it ends with the tab) and its claims.
// An expired or refused token sends them back to sign-in with a note saying why.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
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

function storedToken(): string | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const claims = token ? claimsOf(token) : null;
  if (!token || !claims || expired(claims)) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return token;
}

export function SessionProvider({ settings, children }: { settings: ConsoleSettings; children: ReactNode }) {
  const [token, setToken] = useState<string | null>(storedToken);
  const [ended, setEnded] = useState<EndReason | null>(null);
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
