// Shared math for the internals views (host and webview; no vscode/node imports).
import type { AttentionShape } from './tensor';
import type { AttentionLayers } from './attentionLayers';

/**
 * Value-weighted attention: each weight α_qk of head (l, h) times ‖v_k W_Oʰ‖ (`norms`, [L, H, K]),
 * each row renormalised to sum to 1, so a row shows what each key actually moves into the query
 * (Kobayashi et al. 2020) on the same scale as raw weights. Returns a new [L, H, Q, K] tensor.
 */
export function valueWeighted(attention: Float32Array, shape: AttentionShape, norms: Float32Array): Float32Array {
  const { nLayers: L, nHeads: H, nTokens: T } = shape;
  checkNorms(shape, norms);
  const out = new Float32Array(attention.length);
  const per = H * T * T;
  for (let l = 0; l < L; l++) weightLayer(attention.subarray(l * per, (l + 1) * per), shape, norms.subarray(l * H * T, (l + 1) * H * T), out.subarray(l * per, (l + 1) * per));
  return out;
}

/** The same, one layer at a time (for attention kept compact: no whole weighted tensor is built). */
export function valueWeightedLayers(layers: AttentionLayers, norms: Float32Array): AttentionLayers {
  const { nHeads: H, nTokens: T } = layers.shape;
  checkNorms(layers.shape, norms);
  let last: { l: number; data: Float32Array } | null = null;
  return {
    shape: layers.shape,
    layer(l) {
      if (last?.l === l) return last.data;
      const data = new Float32Array(H * T * T); // [H, Q, K]
      weightLayer(layers.layer(l), layers.shape, norms.subarray(l * H * T, (l + 1) * H * T), data);
      last = { l, data };
      return data;
    },
  };
}

function checkNorms(shape: AttentionShape, norms: Float32Array): void {
  const { nLayers: L, nHeads: H, nTokens: T } = shape;
  if (norms.length !== L * H * T) throw new RangeError(`value norms hold ${norms.length} numbers, not L·H·T = ${L * H * T}`);
}

/** One layer: attention [H, Q, K] times norms [H, K], rows renormalised, into `out` [H, Q, K]. */
function weightLayer(layer: Float32Array, shape: AttentionShape, norms: Float32Array, out: Float32Array): void {
  const { nHeads: H, nTokens: T } = shape;
  for (let h = 0; h < H; h++) {
    const n = norms.subarray(h * T, (h + 1) * T); // [K]
    for (let q = 0; q < T; q++) {
      const row = (h * T + q) * T; // [H, Q, K]
      let sum = 0;
      for (let k = 0; k < T; k++) sum += (out[row + k] = layer[row + k]! * n[k]!);
      if (sum > 0) for (let k = 0; k < T; k++) out[row + k]! /= sum;
    }
  }
}

/** One lens cell: the top-1 token id and its probability of layer `layer` at position `t` ([L, T, k]). */
export function lensTop(ids: Int32Array, probs: Float32Array, k: number, T: number, layer: number, t: number, rank = 0): { id: number; prob: number } {
  const at = (layer * T + t) * k + rank; // [L, T, k]
  return { id: ids[at]!, prob: probs[at]! };
}

/**
 * Ablation cell for the prediction made at position `p` (of token p + 1): the change in that
 * token's log-probability with head (l, h) zeroed (NaN when p is the last position: no actual
 * next token), and whether the top-1 prediction at p changed. delta, top1Changed: [L, H, T].
 */
export function ablationAt(delta: Float32Array, top1Changed: Uint8Array, shape: AttentionShape, layer: number, head: number, p: number): { delta: number; changed: boolean } {
  const row = (layer * shape.nHeads + head) * shape.nTokens; // [L, H, T]
  return { delta: p + 1 < shape.nTokens ? delta[row + p + 1]! : NaN, changed: top1Changed[row + p] === 1 };
}

/** One cell's q·k breakdown (see qkBreakdown). */
export interface QkCell {
  /** q_d · k_d for each dimension, [D]. */
  products: Float32Array;
  /** Σ_d q_d k_d. */
  dot: number;
  /** scale · dot. */
  scaled: number;
  /** The softmax's input for the cell: scaled plus the mask (0 where the key is visible). */
  score: number;
  /** What the mask added (score − scaled); hidden keys get a large negative number. */
  mask: number;
  /** The softmax of the query's row of scores at the key: the attention weight. */
  weight: number;
  /** 1-based rank of the score in the query's row (1 = the key this query matches best). */
  rank: number;
  /** The query's row of attention weights, softmax of its scores, [K]. */
  rowWeights: Float32Array;
}

/**
 * Breaks the score of query i on key j of one head into per-dimension products. q, k: [T, D] (the
 * host divided every scalar factor out into `scale`); scores: [T, K], the softmax's inputs.
 */
export function qkBreakdown(q: Float32Array, k: Float32Array, D: number, scale: number, scores: Float32Array, i: number, j: number): QkCell {
  const T = q.length / D;
  const products = new Float32Array(D);
  let dot = 0;
  for (let d = 0; d < D; d++) dot += (products[d] = q[i * D + d]! * k[j * D + d]!); // [T, D]
  const row = scores.subarray(i * T, (i + 1) * T); // [K]
  let max = -Infinity;
  for (const s of row) max = Math.max(max, s);
  const rowWeights = new Float32Array(T);
  let sum = 0;
  for (let c = 0; c < T; c++) sum += (rowWeights[c] = Math.exp(row[c]! - max));
  for (let c = 0; c < T; c++) rowWeights[c]! /= sum;
  let rank = 1;
  for (let c = 0; c < T; c++) if (row[c]! > row[j]!) rank++;
  const scaled = scale * dot;
  return { products, dot, scaled, score: row[j]!, mask: row[j]! - scaled, weight: rowWeights[j]!, rank, rowWeights };
}
