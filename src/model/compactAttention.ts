// Attention over the memory budget (attentionLens.attentionMemoryMB) is kept compact: each layer's
// values as 3 bytes (common/attentionCodes.ts: relative error ≤ 2^-16, finer than any view shows),
// with every head's statistics computed first from the exact float32 values.
import { codedBytes, encodeAttention } from '../common/attentionCodes';
import { denseLayers } from '../common/attentionLayers';
import { HEAD_STAT_NAMES, layerHeadStats } from '../common/stats';
import { copyTargets, lz77Parse } from '../common/lz77';
import type { AttentionShape } from '../common/tensor';

/** Whether attention of `floats` numbers stays float32 under a budget of `budgetMB` (none: always). */
export function fitsBudget(floats: number, budgetMB: number | undefined): boolean {
  return budgetMB === undefined || !(budgetMB >= 0) || floats * 4 <= budgetMB * 2 ** 20;
}

/** The whole [L, H, Q, K] float32 attention, layer by layer: head statistics from the exact values, then the layer's codes. */
export function compactAttention(attention: Float32Array, shape: AttentionShape, tokenIds: ArrayLike<number>, causal: boolean): { stored: Uint8Array[]; headStats: Float32Array } {
  const { nLayers: L, nHeads: H, nTokens: T } = shape;
  const headStats = new Float32Array(L * H * HEAD_STAT_NAMES.length); // [L, H, S]
  const copy = copyTargets(lz77Parse(tokenIds), T);
  const layers = denseLayers(attention, shape);
  const stored: Uint8Array[] = [];
  for (let l = 0; l < L; l++) {
    const exact = layers.layer(l); // [H, Q, K]
    layerHeadStats(exact, l, H, T, tokenIds, causal, headStats, copy);
    const codes = new Uint8Array(codedBytes(exact.length));
    encodeAttention(exact, codes);
    stored.push(codes);
  }
  return { stored, headStats };
}

export { attentionLayers } from '../common/attentionLayers';
