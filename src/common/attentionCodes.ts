// Attention kept compactly: each float32 probability with its low 8 mantissa bits rounded off,
// 3 bytes instead of 4 (relative error ≤ 2^-16 ≈ 1.5e-5 at every magnitude, zeros exact).
// Relative, not absolute, precision matters: views renormalise rows (dropping the sink column,
// value weighting), which scales values up without making them less exact, and the panel shows 4
// decimals from 0.001 up and 3 significant digits below (formatWeight). 16-bit forms (float16, or
// 8 bits per row with the row's scale) cannot keep 4 decimals near 1 and small weights' digits
// after renormalisation at once. Pure bit arithmetic: about a nanosecond per value.

/** `src` as 3 bytes per value into `dst` (length 3 · src.length), little-endian. */
export function encodeAttention(src: Float32Array, dst: Uint8Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0, j = 0; i < bits.length; i++, j += 3) {
    const b = bits[i]!;
    // Round to nearest on the dropped byte; a carry moves into the exponent, as it should. The
    // largest finite values would carry into Infinity; probabilities never come near.
    const r = b >= 0xffffff80 ? b >>> 8 : (b + 0x80) >>> 8;
    dst[j] = r & 0xff;
    dst[j + 1] = (r >>> 8) & 0xff;
    dst[j + 2] = r >>> 16;
  }
}

/** `src` (3 bytes per value, from value `from` on) decoded into `dst`. */
export function decodeAttention(src: Uint8Array, dst: Float32Array, from = 0): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0, j = 3 * from; i < bits.length; i++, j += 3) bits[i] = ((src[j]! << 8) | (src[j + 1]! << 16) | (src[j + 2]! << 24)) >>> 0;
}

/** Bytes a compact layer of `n` values takes. */
export const codedBytes = (n: number): number => 3 * n;
