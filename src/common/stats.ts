// Per-head statistics of attention patterns, and the automatic labels derived from them.
// Shared by host and webview: no vscode/node imports. Definitions and thresholds: headScores.json,
// which training/heads.py reads too (the model card uses the same numbers).
import shared from './headScores.json';
import { copyTargets, lz77Parse } from './lz77';
import { asLayers, type AttentionLayers } from './attentionLayers';
//
// One row of a head's [Q, K] matrix is a kernel: the weights query i spreads over keys j.
// Every statistic below is a mean over query rows. In a causal (decoder) model the first query
// can only see itself, so its row says nothing about the head; for decoders row 0 is skipped.

/** Order of the numbers in each head's statistics vector (and in the `headStats` message). */
export const HEAD_STAT_NAMES = ['entropy', 'bandwidth', 'meanDistance', 'sink', 'previousToken', 'induction', 'lzCopier'] as const;
export type HeadStatName = (typeof HEAD_STAT_NAMES)[number];
export type HeadStats = Record<HeadStatName, number>;

export const HEAD_STAT_TITLES: Record<HeadStatName, string> = {
  entropy: 'Entropy (nats)',
  bandwidth: 'Bandwidth exp(H)',
  meanDistance: 'Mean distance',
  sink: 'Sink',
  previousToken: 'Previous-token',
  induction: 'Induction',
  lzCopier: 'LZ copier',
};

/**
 * Statistics of one head.
 * - entropy: mean over rows of -Σ_j a_ij ln a_ij (nats).
 * - bandwidth: exp(entropy), how many keys the head effectively averages over.
 * - meanDistance: mean over rows of Σ_j a_ij |i - j| (tokens).
 * - sink: mean weight on the first key, a_i0.
 * - previousToken: mean of a_i,i-1 over rows i ≥ 1.
 * - induction: for query i, the weight on keys j+1 where token j equals token i and j+1 ≤ i-2
 *   (the token that followed an earlier copy of the current token, excluding self and previous
 *   token); mean over the queries that have at least one such key; NaN when none has.
 * - lzCopier: for query i inside a match of the token-level LZ77 parse (common/lz77.ts), the
 *   weight on the token after its copy source (what the copy says comes next); mean over those
 *   queries (row 0 skipped for decoders); NaN when the parse has no match.
 * @param matrix [Q, K] row-major, Q = K = T
 * @param tokenIds the T token ids (for the induction score)
 * @param copy each query's LZ copy target [T] (−1 outside matches), from copyTargets; computed here when not given
 */
export function headStats(matrix: ArrayLike<number>, T: number, tokenIds: ArrayLike<number>, causal: boolean, copy?: Int32Array): HeadStats {
  const rows = rowContext(tokenIds, causal, copy);
  const sums = new Float64Array(HEAD_SUMS);
  addHeadRows(matrix, T, 0, T, rows, sums);
  return finishHeadStats(sums);
}

/** What the statistics of a head's rows need besides the rows: the text's tokens and its LZ copy targets (one per analysis). */
export interface RowContext {
  readonly T: number;
  readonly causal: boolean;
  readonly copy: Int32Array;
  /** Each token id's positions, ascending (keys for the induction score). */
  readonly positions: Map<number, number[]>;
  readonly tokenIds: ArrayLike<number>;
}

export function rowContext(tokenIds: ArrayLike<number>, causal: boolean, copy?: Int32Array): RowContext {
  const T = tokenIds.length;
  const positions = new Map<number, number[]>();
  for (let i = 0; i < T; i++) {
    const at = positions.get(tokenIds[i]);
    if (at) at.push(i);
    else positions.set(tokenIds[i], [i]);
  }
  return { T, causal, copy: copy ?? copyTargets(lz77Parse(tokenIds), T), positions, tokenIds };
}

/** Running sums of one head's statistics: entropy, distance, sink, rows, previous, its rows, induction, its rows, copier, its rows. */
export const HEAD_SUMS = 10;

/**
 * Adds query rows q0..q1-1 of one head to `sums` (HEAD_SUMS numbers): `rows` holds them as
 * [q1 - q0, stride], keys 0..stride-1 (a causal block may stop at its last query's keys). Rows added
 * in order give exactly headStats's numbers, whatever the blocks.
 */
export function addHeadRows(rows: ArrayLike<number>, stride: number, q0: number, q1: number, ctx: RowContext, sums: Float64Array): void {
  const { causal, copy: targets, positions, tokenIds } = ctx;
  const first = causal && ctx.T > 1 ? 1 : 0;
  const bits = rows instanceof Float32Array ? new Uint32Array(rows.buffer, rows.byteOffset, rows.length) : null;
  for (let i = q0; i < q1; i++) {
    const row = (i - q0) * stride; // [Q, K]
    if (i >= first) {
      const end = causal ? i + 1 : stride; // a causal query's later keys hold exactly zero: half the logarithms
      if (bits) addRowFromBits(rows as Float32Array, bits, row, row + end, i, sums);
      else addRow(rows, row, row + end, i, sums);
      sums[2] += rows[row]; sums[3]++;
    }
    if (i >= 1) { sums[4] += rows[row + i - 1]; sums[5]++; }
    // Induction: keys j + 1 after earlier copies j of this token, j + 1 ≤ i − 2.
    let w = 0, any = false;
    for (const j of positions.get(tokenIds[i])!) {
      if (j + 1 > i - 2) break;
      w += rows[row + j + 1]; any = true;
    }
    if (any) { sums[6] += w; sums[7]++; }
    if (i >= first && targets[i] >= 0) { sums[8] += rows[row + targets[i]]; sums[9]++; }
  }
}

// ln a for a float32 a from its bits: exponent · ln 2 + ln(1 + k/4096) from a table (k the top 12
// mantissa bits) + ln(1 + x) for the rest, x < 2^-12, to x³ (error below x⁴/4 ≈ 1e-15): as exact as
// Math.log in double, at half its cost (a 1,024-token analysis of GPT-2 small takes 75 M of them).
const LN_TOP = new Float64Array(4096), INV_TOP = new Float64Array(4096), LN_EXP = new Float64Array(255);
for (let k = 0; k < 4096; k++) { LN_TOP[k] = Math.log1p(k / 4096); INV_TOP[k] = 2 ** -23 / (1 + k / 4096); }
for (let e = 0; e < 255; e++) LN_EXP[e] = (e - 127) * Math.LN2;

/**
 * Adds the entropy −Σ a ln a of the row values[from..end) (zeros add nothing) to sums[0] and its
 * distance Σ a·|i − k| for query `i` (key k at from + k) to sums[1], in one pass; `bits` holds the
 * same values as Uint32.
 */
function addRowFromBits(values: Float32Array, bits: Uint32Array, from: number, end: number, i: number, sums: Float64Array): void {
  let h = 0, d = 0;
  for (let j = from; j < end; j++) {
    const a = values[j]!;
    d += a * Math.abs(i - (j - from));
    const b = bits[j]!, e = b >>> 23; // the sign bit is e's ninth
    if (e === 0 || e >= 0xff) { if (a > 0) h -= a * Math.log(a); continue; } // zero, subnormal, negative (sign set), not finite
    const m = b & 0x7fffff, k = m >>> 11;
    const x = (m & 0x7ff) * INV_TOP[k]!;
    h -= a * (LN_EXP[e]! + LN_TOP[k]! + x * (1 - x * (0.5 - x * (1 / 3))));
  }
  sums[0] += h; sums[1] += d;
}

/** addRowFromBits for values of any array: Math.log throughout. */
function addRow(values: ArrayLike<number>, from: number, end: number, i: number, sums: Float64Array): void {
  let h = 0, d = 0;
  for (let j = from; j < end; j++) {
    const a = values[j];
    d += a * Math.abs(i - (j - from));
    if (a > 0) h -= a * Math.log(a);
  }
  sums[0] += h; sums[1] += d;
}

export function finishHeadStats(sums: Float64Array): HeadStats {
  const [entropy, distance, sink, rows, prev, prevRows, induction, inductionRows, copier, copierRows] = sums;
  const meanEntropy = rows ? entropy / rows : 0;
  return {
    entropy: meanEntropy,
    bandwidth: Math.exp(meanEntropy),
    meanDistance: rows ? distance / rows : 0,
    sink: rows ? sink / rows : 0,
    previousToken: prevRows ? prev / prevRows : 0,
    induction: inductionRows ? induction / inductionRows : NaN,
    lzCopier: copierRows ? copier / copierRows : NaN,
  };
}

/** Statistics of every head: [L, H, HEAD_STAT_NAMES.length] from attention [L, H, Q, K]. */
export function allHeadStats(attention: Float32Array | AttentionLayers, nLayers: number, nHeads: number, T: number, tokenIds: ArrayLike<number>, causal: boolean): Float32Array {
  const out = new Float32Array(nLayers * nHeads * HEAD_STAT_NAMES.length);
  const ctx = rowContext(tokenIds, causal); // one LZ parse for every head
  const layers = asLayers(attention, { nLayers, nHeads, nTokens: T });
  for (let l = 0; l < nLayers; l++) layerHeadStats(layers.layer(l), l, nHeads, ctx, out);
  return out;
}

/** Statistics of layer `l`'s heads (its attention [H, Q, K]) into `out` [L, H, S]. */
export function layerHeadStats(layer: Float32Array, l: number, nHeads: number, ctx: RowContext, out: Float32Array): void {
  const T = ctx.T;
  const sums = new Float64Array(HEAD_SUMS);
  for (let h = 0; h < nHeads; h++) {
    sums.fill(0);
    addHeadRows(layer.subarray(h * T * T, (h + 1) * T * T), T, 0, T, ctx, sums); // [H, Q, K] → [Q, K]
    putHeadStats(finishHeadStats(sums), l, h, nHeads, out);
  }
}

/** One head's statistics into `out` [L, H, S]. */
export function putHeadStats(s: HeadStats, l: number, h: number, nHeads: number, out: Float32Array): void {
  const n = HEAD_STAT_NAMES.length;
  HEAD_STAT_NAMES.forEach((name, k) => { out[(l * nHeads + h) * n + k] = s[name]; }); // [L, H, S]
}

/** Reads one head's statistics back out of the [L, H, S] array. */
export function statsAt(data: Float32Array, nHeads: number, layer: number, head: number): HeadStats {
  const n = HEAD_STAT_NAMES.length;
  const base = (layer * nHeads + head) * n; // [L, H, S]
  const s = {} as HeadStats;
  HEAD_STAT_NAMES.forEach((name, k) => { s[name] = data[base + k]; });
  return s;
}

export type HeadLabel = 'induction' | 'previous-token' | 'local' | 'sink' | 'broad';

/** Thresholds for the automatic labels: the one definition, shared with training/heads.py (model card). */
export const LABEL_THRESHOLDS: {
  /** induction score at least this. */
  readonly induction: number;
  /** mean weight on the previous token at least this. */
  readonly previousToken: number;
  /** mean attended distance at most this many tokens (only when no other label applies). */
  readonly localDistance: number;
  /** mean weight on the first token at least this. */
  readonly sink: number;
  /** bandwidth at least this fraction of a uniform head's bandwidth over the same rows. */
  readonly broadFraction: number;
} = Object.freeze({ ...shared.labels });

/** exp(mean over the counted rows of ln(number of visible keys)): the bandwidth of uniform attention. */
export function uniformBandwidth(T: number, causal: boolean): number {
  if (T <= 1) return 1;
  if (!causal) return T;
  let s = 0;
  for (let i = 1; i < T; i++) s += Math.log(i + 1);
  return Math.exp(s / (T - 1));
}

/** Labels that apply to a head, strongest first (a head may carry several). */
export function headLabels(s: HeadStats, T: number, causal: boolean): HeadLabel[] {
  const t = LABEL_THRESHOLDS;
  const labels: HeadLabel[] = [];
  if (s.induction >= t.induction) labels.push('induction'); // NaN compares false
  if (s.previousToken >= t.previousToken) labels.push('previous-token');
  if (s.sink >= t.sink) labels.push('sink');
  const broad = T > 2 && s.bandwidth >= t.broadFraction * uniformBandwidth(T, causal);
  if (broad) labels.push('broad');
  // Local: short reach that is not already explained by another label (in a short text every broad head is near).
  else if (s.meanDistance <= t.localDistance && labels.length === 0) labels.push('local');
  return labels;
}

/**
 * The head a first look should open on: the strongest induction or previous-token head (score
 * over its label threshold), else the sharpest head (lowest bandwidth relative to uniform
 * attention) that is not a first-token sink. Returns null without heads.
 * @param stats [L, H, HEAD_STAT_NAMES.length] as from allHeadStats
 */
export function mostDistinctiveHead(stats: Float32Array, nLayers: number, nHeads: number, T: number, causal: boolean): { layer: number; head: number } | null {
  const t = LABEL_THRESHOLDS;
  const uniform = uniformBandwidth(T, causal);
  let best: { layer: number; head: number } | null = null;
  let bestScore = -Infinity;
  for (let l = 0; l < nLayers; l++) {
    for (let h = 0; h < nHeads; h++) {
      const s = statsAt(stats, nHeads, l, h);
      const pattern = Math.max(Number.isNaN(s.induction) ? 0 : s.induction / t.induction, s.previousToken / t.previousToken);
      // Pattern heads rank above every other (score ≥ 1); then sharp non-sink heads in (0, 1).
      const score = pattern >= 1 ? 1 + pattern : s.sink >= t.sink ? 0 : 1 - s.bandwidth / uniform;
      if (score > bestScore) { bestScore = score; best = { layer: l, head: h }; }
    }
  }
  return best;
}
