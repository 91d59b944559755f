// Next-token distributions from logits rows: log-normaliser, top-k, rank, entropy.
// A logits matrix is [T, V] row-major (one row per position).

/** ln Σ exp(row), computed stably. */
export function logSumExp(logits: Float32Array, offset: number, V: number, scale = 1): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) { const x = logits[offset + v]! * scale; if (x > max) max = x; }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v]! * scale - max);
  return max + Math.log(sum);
}

/** Indices of the k largest entries of one row, largest first (ties: lower index first). */
export function topKIndices(logits: Float32Array, offset: number, V: number, k: number, out: Int32Array, outOffset = 0): void {
  const kk = Math.min(k, V);
  if (kk > 64) {
    // Long lists: one sort beats insertion into a long buffer.
    const order = Array.from({ length: V }, (_, v) => v).sort((a, b) => logits[offset + b]! - logits[offset + a]! || a - b);
    for (let i = 0; i < kk; i++) out[outOffset + i] = order[i]!;
    return;
  }
  const vals = new Float64Array(kk).fill(-Infinity);
  const idx = new Int32Array(kk).fill(-1);
  let threshold = -Infinity; // smallest kept value once full
  let filled = 0;
  for (let v = 0; v < V; v++) {
    const x = logits[offset + v]!;
    if (filled === kk && !(x > threshold)) continue;
    // Insertion into the sorted (descending) buffer.
    let j = filled < kk ? filled++ : kk - 1;
    while (j > 0 && vals[j - 1]! < x) { vals[j] = vals[j - 1]!; idx[j] = idx[j - 1]!; j--; }
    vals[j] = x; idx[j] = v;
    if (filled === kk) threshold = vals[kk - 1]!;
  }
  for (let i = 0; i < kk; i++) out[outOffset + i] = idx[i]!;
}

/** 1-based rank of `id` in a row: one plus the number of strictly larger logits. */
export function rankOf(logits: Float32Array, offset: number, V: number, id: number): number {
  const x = logits[offset + id]!;
  let rank = 1;
  for (let v = 0; v < V; v++) if (logits[offset + v]! > x) rank++;
  return rank;
}

export interface RowDistribution {
  ids: Int32Array;
  probs: Float32Array;
  /** Entropy in nats of the whole (temperature-scaled) distribution. */
  entropy: number;
}

/** Top-k and entropy of softmax(row / temperature). */
export function rowDistribution(logits: Float32Array, offset: number, V: number, k: number, temperature = 1): RowDistribution {
  const scale = 1 / Math.max(temperature, 1e-6);
  const logZ = logSumExp(logits, offset, V, scale);
  let entropy = 0;
  for (let v = 0; v < V; v++) {
    const lp = logits[offset + v]! * scale - logZ;
    if (lp > -745) entropy -= Math.exp(lp) * lp; // exp underflows to 0 below this
  }
  const ids = new Int32Array(Math.min(k, V));
  topKIndices(logits, offset, V, k, ids);
  const probs = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) probs[i] = Math.exp(logits[offset + ids[i]!]! * scale - logZ);
  return { ids, probs, entropy };
}
