// Blocks of query rows as forwardInBlocks hands them over, cut from a whole attention tensor
// (shared by the block compactor's and the .npy row writer's tests).

/** Rows q0..q0+S-1 of `a` [L, H, T, T] over keys 0..K-1: [L, H, S, K]. */
export function blockOf(a: Float32Array, L: number, H: number, T: number, q0: number, S: number, K: number): Float32Array {
  const out = new Float32Array(L * H * S * K);
  for (let lh = 0; lh < L * H; lh++) {
    for (let r = 0; r < S; r++) out.set(a.subarray((lh * T + q0 + r) * T, (lh * T + q0 + r) * T + K), (lh * S + r) * K);
  }
  return out;
}
