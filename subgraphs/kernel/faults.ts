// Crash points for tests of recovery across processes: AIDGRAPH_FAULT=<point>[@<signal>]
// makes the process send itself the signal (default SIGKILL) the first time it reaches the
// point: a replica dying, or stalling (SIGSTOP), at an exact step. Never with NODE_ENV=production.
const spec = process.env.NODE_ENV === "production" ? undefined : process.env.AIDGRAPH_FAULT;
const [armed, signal = "SIGKILL"] = spec ? spec.split("@") : [];
let fired = false;

export function faultPoint(point: string): void {
  if (!armed || fired || point !== armed) return;
  fired = true;
  process.kill(process.pid, signal);
}
