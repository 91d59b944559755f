// The attention tensor and helpers to index it. Shared by host and webview: no vscode/node imports.
//
// Dimension letters used in shape comments across the project:
//   L = layers, H = heads, Q = query positions, K = key positions (Q = K = T tokens), V = vocab.

/** Shape of an attention tensor `[nLayers, nHeads, nQuery, nKey]` (nQuery = nKey = nTokens). */
export interface AttentionShape {
  nLayers: number;
  nHeads: number;
  nTokens: number;
}

/** Flat offset of row (layer, head, query) in a `[L, H, Q, K]` tensor; the row has K = nTokens entries. */
export function rowOffset(shape: AttentionShape, layer: number, head: number, query: number): number {
  const T = shape.nTokens;
  return ((layer * shape.nHeads + head) * T + query) * T; // [L, H, Q, K]
}

/** Flat offset of the `[Q, K]` matrix of one head. */
export function headOffset(shape: AttentionShape, layer: number, head: number): number {
  return (layer * shape.nHeads + head) * shape.nTokens * shape.nTokens; // [L, H, Q, K]
}

/** A view of one head's `[Q, K]` matrix, without copying. */
export function headMatrix(attention: Float32Array, shape: AttentionShape, layer: number, head: number): Float32Array {
  const size = shape.nTokens * shape.nTokens;
  const start = headOffset(shape, layer, head);
  return attention.subarray(start, start + size);
}

/** Number of floats in a whole `[L, H, Q, K]` tensor. */
export function attentionSize(shape: AttentionShape): number {
  return shape.nLayers * shape.nHeads * shape.nTokens * shape.nTokens;
}
