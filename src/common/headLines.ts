// The head view's data: every weight of a layer's heads that the view draws as a line (≥ LINE_MIN_WEIGHT),
// packed by head and query. A row's weights sum to 1, so a row has at most 1 / LINE_MIN_WEIGHT lines:
// at 12 heads × 2,048 tokens this is a few MB where the dense [H, Q, K] layer is 201 MB.
// Shared by host and webview: no vscode/node imports.

/** Weights below this draw no line in the head view. */
export const LINE_MIN_WEIGHT = 0.01;

/** Decoded lines of one layer: head h, query q owns entries offsets[h·T + q] … offsets[h·T + q + 1] − 1. */
export interface HeadLines {
  nHeads: number;
  T: number;
  offsets: Int32Array; // [H·T + 1]
  keys: Int32Array; // [N]
  weights: Float32Array; // [N]
}

/**
 * Packs the lines of H heads, each given as a [Q, K] matrix by `head(h)`, into one Float32Array:
 * [H·T + 1 offsets | N keys | N weights]. Indices stay exact in float32 (below 2^24).
 */
export function packHeadLines(nHeads: number, T: number, head: (h: number) => Float32Array, minWeight = LINE_MIN_WEIGHT): Float32Array {
  const offsets = new Int32Array(nHeads * T + 1);
  let keys = new Int32Array(Math.max(16, nHeads * T * 4)), weights = new Float32Array(keys.length);
  let n = 0;
  for (let h = 0; h < nHeads; h++) {
    const m = head(h); // [Q, K]
    for (let q = 0; q < T; q++) {
      const row = q * T;
      for (let k = 0; k < T; k++) {
        const w = m[row + k]!;
        if (!(w >= minWeight)) continue;
        if (n === keys.length) {
          const bigger = new Int32Array(keys.length * 2); bigger.set(keys); keys = bigger;
          const heavier = new Float32Array(keys.length); heavier.set(weights); weights = heavier;
        }
        keys[n] = k;
        weights[n++] = w;
      }
      offsets[h * T + q + 1] = n;
    }
  }
  const out = new Float32Array(offsets.length + 2 * n);
  out.set(offsets);
  out.set(keys.subarray(0, n), offsets.length);
  out.set(weights.subarray(0, n), offsets.length + n);
  return out;
}

/** Reads what packHeadLines wrote; throws a RangeError when `data` does not fit H heads of T tokens. */
export function unpackHeadLines(data: Float32Array, nHeads: number, T: number): HeadLines {
  const m = nHeads * T + 1;
  const n = data.length >= m ? data[m - 1]! : -1;
  if (!(n >= 0) || data[0] !== 0 || data.length !== m + 2 * n) throw new RangeError(`head lines of ${data.length} values do not fit ${nHeads} heads × ${T} tokens`);
  return {
    nHeads, T,
    offsets: Int32Array.from(data.subarray(0, m)),
    keys: Int32Array.from(data.subarray(m, m + n)),
    weights: data.slice(m + n),
  };
}
