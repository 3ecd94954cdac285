// The benchmark's helper processes (the engine, a region host): started from dist/, each
// announcing itself with one line on stdout (its URL or URI).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Starts `script` (relative to this folder) and resolves with its first stdout line. */
export async function child(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(process.execPath, [fileURLToPath(new URL(script, import.meta.url)), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(createInterface({ input: proc.stdout }), "line")) as [string];
  return { proc, line };
}

export async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  proc.kill("SIGTERM");
  await once(proc, "exit");
}

/** The engine in its own process, as `npm run mongo` runs it, so client and server each get a core. */
export async function spawnEngine(): Promise<{ uri: string; pid: number; stop(): Promise<void> }> {
  const { proc, line } = await child("../mongo.js", {}, ["--port", "0"]);
  return { uri: line.trim(), pid: proc.pid!, stop: () => stopChild(proc) };
}
