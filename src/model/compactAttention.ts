// Attention over the memory budget (attentionLens.attentionMemoryMB) is kept compact: each layer's
// values as 3 bytes (common/attentionCodes.ts: relative error ≤ 2^-16, finer than any view shows),
// with every head's statistics computed first from the exact float32 values. When even the codes
// are over the budget, only as many layers as it holds are kept (at least one); the others are
// dropped after their statistics and recomputed when read (layerStore.ts).
import { codedBytes, encodeAttention } from '../common/attentionCodes';
import { denseLayers, type StoredLayer } from '../common/attentionLayers';
import { HEAD_STAT_NAMES, layerHeadStats } from '../common/stats';
import { copyTargets, lz77Parse } from '../common/lz77';
import type { AttentionShape } from '../common/tensor';

/** Whether attention of `floats` numbers stays float32 under a budget of `budgetMB` (none: always). */
export function fitsBudget(floats: number, budgetMB: number | undefined): boolean {
  return budgetMB === undefined || !(budgetMB >= 0) || floats * 4 <= budgetMB * 2 ** 20;
}

/** How many coded layers of `shape` a budget of `budgetMB` holds: between 1 (a view always has its layer) and every layer. */
export function layersWithinBudget(shape: AttentionShape, budgetMB: number | undefined): number {
  const { nLayers: L, nHeads: H, nTokens: T } = shape;
  if (budgetMB === undefined || !(budgetMB >= 0)) return L;
  const fit = Math.floor((budgetMB * 2 ** 20) / codedBytes(H * T * T));
  return Math.max(1, Math.min(L, fit));
}

/**
 * The whole [L, H, Q, K] float32 attention, layer by layer: head statistics from the exact values,
 * then the first `keep` layers' codes (null for the layers dropped).
 */
export function compactAttention(attention: Float32Array, shape: AttentionShape, tokenIds: ArrayLike<number>, causal: boolean, keep = shape.nLayers): { stored: (StoredLayer | null)[]; headStats: Float32Array } {
  const { nLayers: L, nHeads: H, nTokens: T } = shape;
  const headStats = new Float32Array(L * H * HEAD_STAT_NAMES.length); // [L, H, S]
  const copy = copyTargets(lz77Parse(tokenIds), T);
  const layers = denseLayers(attention, shape);
  const stored: (StoredLayer | null)[] = [];
  for (let l = 0; l < L; l++) {
    const exact = layers.layer(l); // [H, Q, K]
    layerHeadStats(exact, l, H, T, tokenIds, causal, headStats, copy);
    stored.push(l < keep ? codeLayer(exact) : null);
  }
  return { stored, headStats };
}

/** One layer [H, Q, K] as 3 bytes a value. */
export function codeLayer(exact: Float32Array): Uint8Array {
  const codes = new Uint8Array(codedBytes(exact.length));
  encodeAttention(exact, codes);
  return codes;
}

export { attentionLayers } from '../common/attentionLayers';
