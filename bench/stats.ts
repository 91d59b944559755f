// Small timing helpers shared by every benchmark: a monotonic clock and order statistics.
import { performance } from 'node:perf_hooks';

export const now = (): number => performance.now();

/** Summary of repeated measurements, in the unit they were given. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  mean: number;
}

/** Linear-interpolated quantile (q in [0, 1]) of unsorted samples. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  const mean = n ? samples.reduce((a, b) => a + b, 0) / n : Number.NaN;
  return { n, median: quantile(samples, 0.5), p95: quantile(samples, 0.95), min: n ? Math.min(...samples) : Number.NaN, mean };
}

/** Runs `fn` `warmup` times untimed, then `repeats` times timed; returns ms per run. */
export async function timeRepeated(fn: () => unknown | Promise<unknown>, repeats: number, warmup = 2): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = now();
    await fn();
    out.push(now() - t0);
  }
  return out;
}

/** Rounds for display/JSON: 3 significant decimals below 10, 2 below 100, 1 above. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const digits = a < 10 ? 3 : a < 100 ? 2 : 1;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
