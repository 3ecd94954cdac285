// Which addresses the project may use in production.

/**
 * Why `url` may not be used with NODE_ENV=production, or null: plain HTTP would let anyone
 * on the way read what travels (personal data, callers' assertions, transfers) and alter
 * answers. With `loopback`, plain HTTP to this machine itself is allowed (nothing crosses a network).
 */
export function insecureUrl(url: string, options: { loopback?: boolean } = {}): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol === "https:") return null;
  const local = ["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname) || /^127\./.test(parsed.hostname);
  if (options.loopback && parsed.protocol === "http:" && local) return null;
  return `must be an https:// URL with NODE_ENV=production, not ${JSON.stringify(url)}`;
}
