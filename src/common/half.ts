// IEEE 754 half precision (float16) from float32, rounded to nearest even as NumPy's astype does;
// shared by the .npy writer and the compact attention store. No node imports.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `x` (ties to even); overflow gives ±Infinity, NaN stays NaN. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf, NaN
  const e = exp - 127 + 15; // float16's exponent bias
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A float16 subnormal (or zero): the mantissa with its implicit 1, shifted into place.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const kept = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (kept + (rest > mid || (rest === mid && (kept & 1)) ? 1 : 0));
  }
  const kept = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa moves into the exponent, as it should (up to Infinity).
  return sign | (kept + (rest > 0x1000 || (rest === 0x1000 && (kept & 1)) ? 1 : 0));
}

/** The number a float16 bit pattern stands for. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** `src[from, to)` as float16 bits into `dst[0, to − from)`. */
export function toHalves(src: Float32Array, dst: Uint16Array, from = 0, to = src.length): void {
  for (let i = from; i < to; i++) dst[i - from] = floatToHalf(src[i]!);
}
