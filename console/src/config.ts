// What the gateway tells the page about signing in (gateway/console.ts writes /console.json).
export interface ConsoleSettings {
  tokenSignIn: boolean;
  oidc?: { issuer: string; clientId: string; scope: string; resource?: string };
}

export async function loadSettings(): Promise<ConsoleSettings> {
  const res = await fetch("/console.json", { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`console settings: HTTP ${res.status}`);
  return (await res.json()) as ConsoleSettings;
}
