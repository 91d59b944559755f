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

/**
 * How many more timed repeats to run: up to `max`, but once `budgetMs` has passed since `startMs`
 * stop at `min`. Keeps `npm run bench` near its time budget when the shared CPUs are busy; the
 * sample counts actually used are printed with every figure.
 */
export function wantMore(done: number, startMs: number, limits: { max: number; min: number; budgetMs: number }): boolean {
  if (done >= limits.max) return false;
  return done < limits.min || now() - startMs < limits.budgetMs;
}

/** Rounds for display/JSON: 3 significant decimals below 10, 2 below 100, 1 above. */
export function round(x: number): number {
  if (!Number.isFinite(x)) return x;
  const a = Math.abs(x);
  const digits = a < 10 ? 3 : a < 100 ? 2 : 1;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
