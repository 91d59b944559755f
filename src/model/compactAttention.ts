// Attention over the memory budget (attentionLens.attentionMemoryMB) is kept compact: each layer's
// values as 3 bytes (common/attentionCodes.ts: relative error ≤ 2^-16, finer than any view shows;
// causal attention only below each diagonal, half that), with every head's statistics computed first from the exact float32 values. When even the codes
// are over the budget, only as many layers as it holds are kept (at least one); the others are
// dropped after their statistics and recomputed when read (layerStore.ts).
import { encodeAttention, encodeLayer, layerCodeBytes, zerosBetween } from '../common/attentionCodes';
import { denseLayers, type StoredLayer } from '../common/attentionLayers';
import { HEAD_STAT_NAMES, HEAD_SUMS, addHeadRows, finishHeadStats, layerHeadStats, putHeadStats, rowContext, type RowContext } from '../common/stats';
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
  const ctx = rowContext(tokenIds, causal);
  const layers = denseLayers(attention, shape);
  const stored: (StoredLayer | null)[] = [];
  let keep = L;
  for (let l = 0; l < L; l++) {
    const exact = layers.layer(l); // [H, Q, K]
    layerHeadStats(exact, l, H, ctx, headStats);
    const codes = l < keep ? encodeLayer(exact, H, T) : null;
    if (l === 0) keep = layersWithinBudget(L, codes!.length, budgetMB); // every layer's codes take as much (same layout)
    stored.push(codes);
  }
  return { stored, headStats };
}

/**
 * Causal attention compacted block by block of query rows, as a forward with a key/value cache
 * hands them over, so the whole float32 tensor never exists: the same statistics and the same
 * triangular codes as compactAttention gives for the whole tensor.
 */
export class BlockCompactor {
  private readonly ctx: RowContext;
  private readonly sums: Float64Array; // [L, H, HEAD_SUMS]
  private readonly codes: (Uint8Array | null)[];
  private next = 0;
  /** Where every kept layer's codes lie, one after another (from `take`: a released analysis's buffer can be reused). */
  readonly buffer: Float32Array;

  /** `budgetMB` null: statistics only, no codes (the rows go elsewhere, see AnalyzeOptions.attentionRows). */
  constructor(readonly shape: AttentionShape, tokenIds: ArrayLike<number>, budgetMB: number | undefined | null, take: (floats: number) => Float32Array) {
    const { nLayers: L, nHeads: H, nTokens: T } = shape;
    this.ctx = rowContext(tokenIds, true);
    this.sums = new Float64Array(L * H * HEAD_SUMS);
    const bytes = layerCodeBytes(H, T, true);
    const keep = budgetMB === null ? 0 : layersWithinBudget(L, bytes, budgetMB);
    this.buffer = keep > 0 ? take(Math.ceil((keep * bytes) / 4)) : new Float32Array(0);
    const all = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, keep * bytes);
    this.codes = Array.from({ length: L }, (_, l) => (l < keep ? all.subarray(l * bytes, (l + 1) * bytes) : null));
  }

  /**
   * Query rows q0..q1-1 (q0 = the rows added so far) from `block` [L, H, S, K], S ≥ q1 − q0 rows
   * from q0 over keys 0..K-1 (K > q1 − 1). False, adding nothing, when a row has weight above its
   * diagonal (not causal attention).
   */
  add(block: Float32Array, S: number, K: number, q0: number, q1: number): boolean {
    const { nLayers: L, nHeads: H, nTokens: T } = this.shape;
    if (q0 !== this.next || q1 > T || q1 - q0 > S || K < q1 || block.length !== L * H * S * K) throw new RangeError(`block of rows ${q0}..${q1} out of order or the wrong size`);
    const bits = new Uint32Array(block.buffer, block.byteOffset, block.length);
    for (let lh = 0; lh < L * H; lh++) {
      for (let q = q0; q < q1; q++) {
        const row = (lh * S + q - q0) * K; // [L, H, S, K]
        if (!zerosBetween(bits, row + q + 1, row + K)) return false;
      }
    }
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        const head = ((l * H + h) * S) * K; // [L, H, S, K]
        addHeadRows(block.subarray(head, head + (q1 - q0) * K), K, q0, q1, this.ctx, this.sums.subarray((l * H + h) * HEAD_SUMS, (l * H + h + 1) * HEAD_SUMS));
        const codes = this.codes[l];
        if (!codes) continue;
        let at = 3 * (h * (T * (T + 1)) / 2 + (q0 * (q0 + 1)) / 2); // head h's triangle, row q0
        for (let q = q0; q < q1; q++) {
          const row = head + (q - q0) * K;
          encodeAttention(block.subarray(row, row + q + 1), codes.subarray(at, at + 3 * (q + 1)));
          at += 3 * (q + 1);
        }
      }
    }
    this.next = q1;
    return true;
  }

  /** Once every row is in: the kept layers' codes (null for those over the budget) and every head's statistics [L, H, S]. */
  finish(): { stored: (StoredLayer | null)[]; headStats: Float32Array } {
    const { nLayers: L, nHeads: H, nTokens: T } = this.shape;
    if (this.next !== T) throw new RangeError(`only ${this.next} of ${T} query rows were added`);
    const headStats = new Float32Array(L * H * HEAD_STAT_NAMES.length); // [L, H, S]
    for (let lh = 0; lh < L * H; lh++) {
      putHeadStats(finishHeadStats(this.sums.subarray(lh * HEAD_SUMS, (lh + 1) * HEAD_SUMS)), Math.floor(lh / H), lh % H, H, headStats);
    }
    return { stored: this.codes, headStats };
  }
}

export { attentionLayers } from '../common/attentionLayers';
