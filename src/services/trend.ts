// Small statistics for the diagnostics report. Pure, unit-tested.

/** Two decimals, for the report. */
export function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Least-squares slope of y over x, per minute of x in ms. */
export function slopePerMinute(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 60_000;
}

/** Nearest-rank percentile of an unsorted list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface FloorTrend {
  /** Slope of the per-window minima, per minute of x in ms. */
  slopePerMin: number;
  /** Minimum of the first and of the last window. */
  firstFloor: number;
  lastFloor: number;
  windows: number;
}

/**
 * Trend of the lower envelope: after `skipMs` of warm-up, the samples are cut into `windows` equal
 * spans of time and each span's minimum is taken. Garbage collectors and allocators give memory a
 * sawtooth whose peaks say little; a leak shows as floors that keep rising. Null with too few samples.
 */
export function floorTrend(points: readonly { x: number; y: number }[], skipMs: number, windows: number): FloorTrend | null {
  const kept = points.filter((p) => p.x >= skipMs);
  if (kept.length < windows * 2 || windows < 2) return null;
  const start = kept[0]!.x;
  const span = (kept[kept.length - 1]!.x - start) / windows;
  if (span <= 0) return null;
  const floors: { x: number; y: number }[] = [];
  for (let w = 0; w < windows; w++) {
    const inWindow = kept.filter((p) => {
      const i = Math.min(windows - 1, Math.floor((p.x - start) / span));
      return i === w;
    });
    if (inWindow.length === 0) continue;
    const low = inWindow.reduce((a, b) => (b.y < a.y ? b : a));
    floors.push({ x: start + (w + 0.5) * span, y: low.y });
  }
  if (floors.length < 2) return null;
  return { slopePerMin: slopePerMinute(floors), firstFloor: floors[0]!.y, lastFloor: floors[floors.length - 1]!.y, windows: floors.length };
}

export interface InspectionTiming {
  nTokens: number;
  /** From the command being run to the analysis result in hand (the benchmark's "command → result"). */
  commandToResultMs: number;
  /** … and to the panel having it (its header sent; head statistics follow). */
  commandToPanelMs: number;
  /** The model's own part of it: tokenize + run + extract. */
  analysisMs: number;
}

/** Median and p95 per token count seen (a benchmark inspects one size many times). */
export function inspectionSummary(all: InspectionTiming[]): Record<string, unknown> {
  const bySize = new Map<number, InspectionTiming[]>();
  for (const t of all) {
    const list = bySize.get(t.nTokens) ?? [];
    list.push(t);
    bySize.set(t.nTokens, list);
  }
  return {
    count: all.length,
    byTokens: [...bySize].sort(([a], [b]) => a - b).map(([nTokens, ts]) => ({
      nTokens,
      count: ts.length,
      commandToResultMs: { p50: percentile(ts.map((t) => t.commandToResultMs), 50), p95: percentile(ts.map((t) => t.commandToResultMs), 95) },
      commandToPanelMs: { p50: percentile(ts.map((t) => t.commandToPanelMs), 50) },
      analysisMs: { p50: percentile(ts.map((t) => t.analysisMs), 50) },
      samplesMs: ts.map((t) => round(t.commandToResultMs)),
    })),
  };
}
