// How surprised the model was by each token, as one of four levels that the editor colours.
// Pure (no vscode), so the bucket boundaries are unit-tested.
import type { SurprisalMode } from '../services/settings';

export type { SurprisalMode };

/** 0 = expected … 3 = surprising. */
export type SurprisalLevel = 0 | 1 | 2 | 3;

export const LEVEL_COUNT = 4;

/** Theme colours (contributed in package.json), most expected first. */
export const LEVEL_COLOURS = [
  'attentionLens.surprisalTop10Background',
  'attentionLens.surprisalTop100Background',
  'attentionLens.surprisalTop1000Background',
  'attentionLens.surprisalRestBackground',
] as const;

/** Rank buckets: top-10, top-100, top-1000, the rest (1-based ranks). */
export const RANK_LIMITS = [10, 100, 1000] as const;
/** Probability buckets by decade: ≥ 10%, ≥ 1%, ≥ 0.1%, below. */
export const PROBABILITY_LIMITS = [0.1, 0.01, 0.001] as const;

export const LEVEL_NAMES: Record<SurprisalMode, readonly string[]> = {
  rank: ['top 10', 'top 100', 'top 1000', 'beyond top 1000'],
  probability: ['p ≥ 10%', '1% ≤ p < 10%', '0.1% ≤ p < 1%', 'p < 0.1%'],
};

export function rankLevel(rank: number): SurprisalLevel {
  if (rank <= RANK_LIMITS[0]) return 0;
  if (rank <= RANK_LIMITS[1]) return 1;
  if (rank <= RANK_LIMITS[2]) return 2;
  return 3;
}

export function probabilityLevel(prob: number): SurprisalLevel {
  if (prob >= PROBABILITY_LIMITS[0]) return 0;
  if (prob >= PROBABILITY_LIMITS[1]) return 1;
  if (prob >= PROBABILITY_LIMITS[2]) return 2;
  return 3;
}

/** The level of one token, or null when the model gave it no probability (first token, encoders, specials). */
export function surprisalLevel(mode: SurprisalMode, token: { rank: number | null; logprob: number | null }): SurprisalLevel | null {
  if (mode === 'rank') return token.rank === null ? null : rankLevel(token.rank);
  return token.logprob === null ? null : probabilityLevel(Math.exp(token.logprob));
}

/** Groups token indices by level, skipping tokens without a level. */
export function groupByLevel<T extends { rank: number | null; logprob: number | null }>(
  mode: SurprisalMode,
  tokens: readonly T[],
): number[][] {
  const groups: number[][] = Array.from({ length: LEVEL_COUNT }, () => []);
  tokens.forEach((t, i) => {
    const level = surprisalLevel(mode, t);
    if (level !== null) groups[level]!.push(i);
  });
  return groups;
}

/** "12.3%", "0.042%", "< 0.001%": readable across the many decades token probabilities span. */
export function formatProb(p: number): string {
  const pct = p * 100;
  if (pct >= 10) return `${pct.toFixed(1)}%`;
  if (pct >= 0.001) return `${pct.toPrecision(2)}%`;
  return '< 0.001%';
}
