// Shared by the benchmarks: timing helpers and the printed report. Figures are rates
// and ratios measured in one run (shared, noisy machines make absolute timings in tests
// useless), each compared with its target where it has one.
import { performance } from "node:perf_hooks";

export interface Row {
  name: string;
  value: number;
  unit: string;
  /** min: the value must be at least this; max: at most. */
  target?: { min?: number; max?: number };
}

/** Runs `n` operations with `concurrency` of them in flight; returns seconds taken. */
export async function timed(n: number, op: (i: number) => Promise<unknown>, concurrency = 1): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < n) await op(next++);
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return (performance.now() - t0) / 1000;
}

/** Latencies (ms) of `n` sequential runs of `op`. */
export async function latencies(n: number, op: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await op();
    out.push(performance.now() - t0);
  }
  return out;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function met(row: Row): boolean {
  return (row.target?.min === undefined || row.value >= row.target.min) && (row.target?.max === undefined || row.value <= row.target.max);
}

export function print(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  for (const r of rows) {
    const value = Math.abs(r.value) >= 100 ? Math.round(r.value).toLocaleString("en") : r.value.toFixed(2);
    let target = "";
    if (r.target) {
      const bound = r.target.min !== undefined ? `≥ ${r.target.min.toLocaleString("en")}` : `≤ ${r.target.max!.toLocaleString("en")}`;
      target = `  (target ${bound}: ${met(r) ? "met" : "NOT MET"})`;
    }
    console.log(`  ${r.name.padEnd(58)} ${value.padStart(10)} ${r.unit}${target}`);
  }
}
