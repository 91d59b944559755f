// Attention over the memory budget (attentionLens.attentionMemoryMB) is kept compact: each layer's
// values as 3 bytes (common/attentionCodes.ts: relative error ≤ 2^-16, finer than any view shows;
// causal attention only below each diagonal, half that), with every head's statistics computed first from the exact float32 values. When even the codes
// are over the budget, only as many layers as it holds are kept (at least one); the others are
// dropped after their statistics and recomputed when read (layerStore.ts).
import { encodeLayer } from '../common/attentionCodes';
import { denseLayers, type StoredLayer } from '../common/attentionLayers';
import { HEAD_STAT_NAMES, layerHeadStats } from '../common/stats';
import { copyTargets, lz77Parse } from '../common/lz77';
import type { AttentionShape } from '../common/tensor';

/** Whether attention of `floats` numbers stays float32 under a budget of `budgetMB` (none: always). */
export function fitsBudget(floats: number, budgetMB: number | undefined): boolean {
  return budgetMB === undefined || !(budgetMB >= 0) || floats * 4 <= budgetMB * 2 ** 20;
}

/** How many layers of `layerBytes` each a budget of `budgetMB` holds: between 1 (a view always has its layer) and all `nLayers`. */
export function layersWithinBudget(nLayers: number, layerBytes: number, budgetMB: number | undefined): number {
  if (budgetMB === undefined || !(budgetMB >= 0)) return nLayers;
  return Math.max(1, Math.min(nLayers, Math.floor((budgetMB * 2 ** 20) / layerBytes)));
}

/**
 * The whole [L, H, Q, K] float32 attention, layer by layer: head statistics from the exact values,
 * then the codes of as many layers as `budgetMB` holds, lowest first (null for the layers dropped).
 */
export function compactAttention(attention: Float32Array, shape: AttentionShape, tokenIds: ArrayLike<number>, causal: boolean, budgetMB?: number): { stored: (StoredLayer | null)[]; headStats: Float32Array } {
  const { nLayers: L, nHeads: H, nTokens: T } = shape;
  const headStats = new Float32Array(L * H * HEAD_STAT_NAMES.length); // [L, H, S]
  const copy = copyTargets(lz77Parse(tokenIds), T);
  const layers = denseLayers(attention, shape);
  const stored: (StoredLayer | null)[] = [];
  let keep = L;
  for (let l = 0; l < L; l++) {
    const exact = layers.layer(l); // [H, Q, K]
    layerHeadStats(exact, l, H, T, tokenIds, causal, headStats, copy);
    const codes = l < keep ? encodeLayer(exact, H, T) : null;
    if (l === 0) keep = layersWithinBudget(L, codes!.length, budgetMB); // every layer's codes take as much (same layout)
    stored.push(codes);
  }
  return { stored, headStats };
}

export { attentionLayers } from '../common/attentionLayers';
