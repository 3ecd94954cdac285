// Who a token says its holder is. The page only reads the claims to choose what to show; the
// gateway and every region verify the token itself on each request.
const ROLES = ["NATIONAL_COORDINATOR", "REGIONAL_STAFF", "VOLUNTEER"] as const;
export type Role = (typeof ROLES)[number];

export interface Claims {
  sub: string;
  role: Role;
  region?: string;
  /** Seconds since the epoch. */
  exp?: number;
  name?: string;
}

function base64UrlDecode(part: string): string {
  const padded = part.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((part.length + 3) % 4);
  const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The claims of a JWT, or null when it is not one the graph could accept. */
export function claimsOf(token: string): Claims | null {
  const parts = token.trim().split(".");
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(base64UrlDecode(parts[1])) as Record<string, unknown>;
    if (typeof payload.sub !== "string" || !ROLES.includes(payload.role as Role)) return null;
    return {
      sub: payload.sub,
      role: payload.role as Role,
      region: typeof payload.region === "string" ? payload.region : undefined,
      exp: typeof payload.exp === "number" ? payload.exp : undefined,
      name: typeof payload.name === "string" ? payload.name : undefined,
    };
  } catch {
    return null;
  }
}

export const expired = (claims: Claims, now = Date.now()): boolean => claims.exp !== undefined && claims.exp * 1000 <= now;
