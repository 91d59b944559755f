// Adaptive order-k Markov models over token ids, as a compressor would run them: each token is
// coded with the probability the model gives it from what came before only, then counted.
// Shared by host and webview: no vscode/node imports.
//
// Smoothing is Witten–Bell interpolation (PPM's escape method C, blended instead of excluded):
//   P_-1(w)      = 1 / V
//   P_n(w | h_n) = (c(h_n, w) + u(h_n) · P_{n-1}(w | h_{n-1})) / (c(h_n) + u(h_n))
// where h_n is the last n tokens, c(h_n, w) how often w followed h_n so far, c(h_n) their sum and
// u(h_n) how many different tokens followed h_n; a context never seen (c(h_n) = 0) passes
// P_{n-1} through. The order-k model stops at n = min(k, tokens so far). Every P_n sums to 1 over
// the vocabulary, so −log₂ P is a real code length.

interface ContextCounts {
  total: number;
  next: Map<number, number>;
}

/**
 * Code length in bits of every token under the adaptive order-k models, k = 1..maxOrder:
 * result[k − 1][i] = −log₂ P_k(ids[i] | ids[0..i)). All orders share one pass (their counts are the same).
 * @param vocabSize V, the alphabet of the order −1 model (the model's vocabulary)
 */
export function adaptiveMarkovBits(ids: readonly number[], vocabSize: number, maxOrder: number): Float64Array[] {
  const T = ids.length;
  const V = Math.max(1, vocabSize);
  const out = Array.from({ length: maxOrder }, () => new Float64Array(T)); // [k − 1][T]
  // One table per order n = 0..maxOrder: context (the n ids before) → counts of what followed.
  const tables = Array.from({ length: maxOrder + 1 }, () => new Map<string, ContextCounts>());
  const keyAt = (i: number, n: number) => (n === 0 ? '' : ids.slice(i - n, i).join(','));
  for (let i = 0; i < T; i++) {
    const w = ids[i]!;
    const top = Math.min(maxOrder, i);
    const contexts: (ContextCounts | undefined)[] = [];
    for (let n = 0; n <= top; n++) contexts.push(tables[n]!.get(keyAt(i, n)));
    let p = 1 / V; // P_-1
    for (let n = 0; n <= maxOrder; n++) {
      const c = n <= top ? contexts[n] : undefined;
      if (n <= top && c && c.total > 0) {
        const u = c.next.size;
        p = ((c.next.get(w) ?? 0) + u * p) / (c.total + u);
      }
      if (n >= 1) out[n - 1]![i] = -Math.log2(p); // order n stops here (or used fewer tokens at the start)
    }
    for (let n = 0; n <= top; n++) {
      const key = keyAt(i, n);
      let c = contexts[n];
      if (!c) tables[n]!.set(key, (c = { total: 0, next: new Map() }));
      c.total++;
      c.next.set(w, (c.next.get(w) ?? 0) + 1);
    }
  }
  return out;
}

/** Total bits of each order's code (index k − 1), and the best (fewest bits) order k. */
export function bestOrder(bits: Float64Array[], counted: (i: number) => boolean = () => true): { totals: number[]; best: number } {
  const totals = bits.map((b) => b.reduce((s, x, i) => (counted(i) ? s + x : s), 0));
  let best = 0;
  totals.forEach((t, k) => { if (t < totals[best]!) best = k; });
  return { totals, best: best + 1 };
}
