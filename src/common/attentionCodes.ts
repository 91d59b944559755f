// Attention kept compactly: each float32 probability with its low 8 mantissa bits rounded off,
// 3 bytes instead of 4 (relative error ≤ 2^-16 ≈ 1.5e-5 at every magnitude, zeros exact).
// Relative, not absolute, precision matters: views renormalise rows (dropping the sink column,
// value weighting), which scales values up without making them less exact, and the panel shows 4
// decimals from 0.001 up and 3 significant digits below (formatWeight). 16-bit forms (float16, or
// 8 bits per row with the row's scale) cannot keep 4 decimals near 1 and small weights' digits
// after renormalisation at once. Pure bit arithmetic: about a nanosecond per value.
// A layer of causal attention is exactly zero above each head's diagonal: its codes then hold only
// the lower triangles, half the bytes (encodeLayer checks the zeros; the length tells the layout).

/** A float32's bits to its top three bytes, rounded to nearest on the dropped byte (a carry moves into the exponent, as it should; the largest finite values would carry into Infinity: probabilities never come near). */
const top3 = (b: number): number => (b >= 0xffffff80 ? b >>> 8 : (b + 0x80) >>> 8);

/** `src` as 3 bytes per value into `dst` (length 3 · src.length), little-endian. */
export function encodeAttention(src: Float32Array, dst: Uint8Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const n = bits.length, n4 = n & ~3;
  // Four values as three 32-bit words: half the time of a byte at a time (dst need not be aligned).
  const words = new DataView(dst.buffer, dst.byteOffset, dst.length);
  let i = 0, j = 0;
  for (; i < n4; i += 4, j += 12) {
    const a = top3(bits[i]!), b = top3(bits[i + 1]!), c = top3(bits[i + 2]!), d = top3(bits[i + 3]!);
    words.setUint32(j, (a | (b << 24)) >>> 0, true);
    words.setUint32(j + 4, ((b >>> 8) | (c << 16)) >>> 0, true);
    words.setUint32(j + 8, ((c >>> 16) | (d << 8)) >>> 0, true);
  }
  for (; i < n; i++, j += 3) {
    const r = top3(bits[i]!);
    dst[j] = r & 0xff;
    dst[j + 1] = (r >>> 8) & 0xff;
    dst[j + 2] = r >>> 16;
  }
}

/** `src` (3 bytes per value, from value `from` on) decoded into `dst`. */
export function decodeAttention(src: Uint8Array, dst: Float32Array, from = 0): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  const n = bits.length, n4 = n & ~3;
  const words = new DataView(src.buffer, src.byteOffset, src.length); // three 32-bit words to four values, as encodeAttention wrote them
  let i = 0, j = 3 * from;
  for (; i < n4; i += 4, j += 12) {
    const w0 = words.getUint32(j, true), w1 = words.getUint32(j + 4, true), w2 = words.getUint32(j + 8, true);
    bits[i] = w0 << 8;
    bits[i + 1] = ((w0 >>> 24) << 8) | (w1 << 16);
    bits[i + 2] = ((w1 >>> 16) << 8) | (w2 << 24);
    bits[i + 3] = (w2 >>> 8) << 8;
  }
  for (; i < n; i++, j += 3) bits[i] = ((src[j]! << 8) | (src[j + 1]! << 16) | (src[j + 2]! << 24)) >>> 0;
}

/** Bytes a compact layer of `n` values takes. */
export const codedBytes = (n: number): number => 3 * n;

/** Bytes of the codes of a layer [H, T, T]: every value, or only each head's lower triangle (q ≥ k). */
export const layerCodeBytes = (H: number, T: number, triangular: boolean): number => 3 * H * (triangular ? (T * (T + 1)) / 2 : T * T);

/** Whether `bits` (float32 values as Uint32) hold only zeros (+0 or −0) from `from` to `end`: one OR a value, no branch. */
export function zerosBetween(bits: Uint32Array, from: number, end: number): boolean {
  let any = 0;
  for (let k = from; k < end; k++) any |= bits[k]!;
  return (any & 0x7fffffff) === 0;
}

/** Whether every head of `layer` [H, T, T] is exactly zero above its diagonal (causal attention). */
export function zeroAboveDiagonal(layer: Float32Array, H: number, T: number): boolean {
  const bits = new Uint32Array(layer.buffer, layer.byteOffset, layer.length);
  for (let h = 0; h < H; h++) {
    for (let q = 0; q < T - 1; q++) {
      const row = (h * T + q) * T; // [H, Q, K]
      if (!zerosBetween(bits, row + q + 1, row + T)) return false;
    }
  }
  return true;
}

/** A layer [H, T, T] as codes: only the lower triangles when everything above them is exactly zero, else every value. */
export function encodeLayer(layer: Float32Array, H: number, T: number): Uint8Array {
  if (layer.length !== H * T * T) throw new RangeError(`a layer of ${H} heads over ${T} tokens holds ${H * T * T} values, not ${layer.length}`);
  if (!zeroAboveDiagonal(layer, H, T)) {
    const codes = new Uint8Array(layerCodeBytes(H, T, false));
    encodeAttention(layer, codes);
    return codes;
  }
  const codes = new Uint8Array(layerCodeBytes(H, T, true));
  for (let h = 0, at = 0; h < H; h++) {
    for (let q = 0; q < T; q++) {
      const row = (h * T + q) * T; // [H, Q, K]: keys 0..q
      encodeAttention(layer.subarray(row, row + q + 1), codes.subarray(at, at + 3 * (q + 1)));
      at += 3 * (q + 1);
    }
  }
  return codes;
}

/** encodeLayer's codes back into `dst` [H, T, T] (zeros above the diagonals of triangular codes). */
export function decodeLayer(codes: Uint8Array, dst: Float32Array, H: number, T: number): void {
  if (dst.length !== H * T * T) throw new RangeError(`a layer of ${H} heads over ${T} tokens holds ${H * T * T} values, not ${dst.length}`);
  if (codes.length === layerCodeBytes(H, T, false)) { decodeAttention(codes, dst); return; }
  if (codes.length !== layerCodeBytes(H, T, true)) throw new RangeError(`${codes.length} bytes of codes are not a layer of ${H} heads over ${T} tokens`);
  for (let h = 0, at = 0; h < H; h++) {
    for (let q = 0; q < T; q++) {
      const row = (h * T + q) * T; // [H, Q, K]
      decodeAttention(codes, dst.subarray(row, row + q + 1), at); // `at` counts values, not bytes
      dst.fill(0, row + q + 1, row + T);
      at += q + 1;
    }
  }
}
