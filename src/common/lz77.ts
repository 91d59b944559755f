// LZ77 on the model's tokens: the old way of exploiting repeats, next to attention.
// Shared by host and webview: no vscode/node imports.
//
// Greedy parse: at each position take the longest earlier copy (ties: the nearest source; a copy
// may overlap itself, as in LZ77), if it is at least MIN_MATCH tokens long; else emit one
// literal token and move on. Tokens, not characters: the head statistic needs token positions,
// and the arcs are drawn between tokens.

/** Shortest copy kept: one repeated token is just a frequent token. */
export const MIN_MATCH = 2;

export interface LzMatch {
  /** Tokens [start, start + length) repeat tokens [source, source + length); source < start. */
  start: number;
  source: number;
  length: number;
}

export function lz77Parse(ids: ArrayLike<number>, minLength = MIN_MATCH): LzMatch[] {
  const T = ids.length;
  const seen = new Map<number, number[]>(); // token id → earlier positions holding it, ascending
  const matches: LzMatch[] = [];
  const remember = (from: number, to: number) => {
    for (let j = from; j < to; j++) {
      const list = seen.get(ids[j]!);
      if (list) list.push(j); else seen.set(ids[j]!, [j]);
    }
  };
  let i = 0;
  while (i < T) {
    let bestLength = 0, bestSource = -1;
    const candidates = seen.get(ids[i]!) ?? [];
    for (let c = candidates.length - 1; c >= 0; c--) { // nearest first: a tie keeps the nearer source
      const j = candidates[c]!;
      let m = 1;
      while (i + m < T && ids[j + m] === ids[i + m]) m++;
      if (m > bestLength) { bestLength = m; bestSource = j; }
    }
    const step = bestLength >= minLength ? bestLength : 1;
    if (bestLength >= minLength) matches.push({ start: i, source: bestSource, length: bestLength });
    remember(i, i + step);
    i += step;
  }
  return matches;
}

/**
 * For each token inside a match, the key an LZ copier attends to: the token after its copy
 * source (the one the match says comes next), [T]; −1 for tokens outside matches.
 */
export function copyTargets(matches: readonly LzMatch[], T: number): Int32Array {
  const out = new Int32Array(T).fill(-1);
  for (const m of matches) {
    for (let k = 0; k < m.length; k++) out[m.start + k] = m.source + k + 1; // ≤ m.start + k since source < start
  }
  return out;
}
