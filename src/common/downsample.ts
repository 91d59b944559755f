// Attention matrices made small and sendable: sink removal, layer means, max-pooled thumbnails.
// Shared by host and webview: no vscode/node imports.
import { weightToUnit } from './colour';

/**
 * Drops the first-token sink from one row of K weights: key 0 becomes 0 and the rest is
 * renormalised to sum 1. A row with nothing left (e.g. query 0 of a decoder) stays all zero.
 */
export function dropSinkRow(src: Float32Array, srcOffset: number, K: number, out: Float32Array, outOffset: number): void {
  let rest = 0;
  for (let j = 1; j < K; j++) rest += src[srcOffset + j];
  const scale = rest > 0 ? 1 / rest : 0;
  out[outOffset] = 0;
  for (let j = 1; j < K; j++) out[outOffset + j] = src[srcOffset + j] * scale;
}

/** dropSinkRow on every row of a [Q, K] matrix (Q = K = T), into `out` (may be `matrix`). */
export function dropSinkInto(matrix: Float32Array, T: number, out: Float32Array): Float32Array {
  for (let i = 0; i < T; i++) dropSinkRow(matrix, i * T, T, out, i * T); // [Q, K]
  return out;
}

/** Mean over heads of one layer: [H, Q, K] (contiguous) → [Q, K]. */
export function meanOverHeads(layerHeads: Float32Array, nHeads: number, T: number, out: Float32Array): Float32Array {
  const n = T * T;
  out.fill(0);
  for (let h = 0; h < nHeads; h++) {
    const base = h * n; // [H, Q, K]
    for (let x = 0; x < n; x++) out[x] += layerHeads[base + x];
  }
  for (let x = 0; x < n; x++) out[x] /= nHeads;
  return out;
}

/** Thumbnail side for a requested size: never more cells than the matrix has. */
export function thumbnailSize(requested: number, T: number): number {
  return Math.max(1, Math.min(Math.floor(requested), T));
}

/**
 * Max-pools a [Q, K] matrix to size × size bytes (0..255 via weightToUnit). Max, not mean,
 * so a one-cell-wide diagonal (a previous-token head) stays visible when 1,024 tokens shrink to 48 px.
 */
export function poolToBytes(matrix: Float32Array, T: number, size: number, log: boolean, out: Uint8Array, outOffset = 0): void {
  // Cell (q, k) falls in pixel (cellToPixel[q], cellToPixel[k]); pixel p covers cells [⌊pT/size⌋, ⌊(p+1)T/size⌋).
  const cellToPixel = new Int32Array(T);
  for (let p = 0; p < size; p++) {
    for (let i = Math.floor((p * T) / size); i < Math.floor(((p + 1) * T) / size); i++) cellToPixel[i] = p;
  }
  const pooled = new Float32Array(size * size);
  for (let q = 0; q < T; q++) {
    const row = q * T, base = cellToPixel[q] * size; // [Q, K] → [size, size]
    for (let k = 0; k < T; k++) {
      const a = matrix[row + k], o = base + cellToPixel[k];
      if (a > pooled[o]) pooled[o] = a;
    }
  }
  for (let x = 0; x < size * size; x++) out[outOffset + x] = Math.round(weightToUnit(pooled[x], log) * 255);
}
