// Small conversions between ONNX Runtime tensors and the typed arrays the model layer works in.
import * as ort from 'onnxruntime-node';
import { halfToFloat } from '../common/half';

/** onnx.TensorProto.DataType.FLOAT16. */
export const FLOAT16 = 10;

/** Past keys/values by input name (`past_key_values.{i}.key`), each [1, H, P, D]. */
export type PastCache = Map<string, ort.Tensor>;

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function int64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!);
  return new ort.Tensor('int64', data, dims);
}

export function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
    return out;
  }
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** Equal element by element, NaN equal to NaN. */
export function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** The last dimension of `t` (the vocabulary of a [.., V] output). */
export const lastDim = (t: ort.Tensor | undefined): number | undefined => (t ? t.dims[t.dims.length - 1] : undefined);

/**
 * Keeps the first `keep` positions of every cached tensor ([1, H, P, D] → [1, H, keep, D]). With
 * `scratch`, the copies go into buffers kept there per name and reused by the next call (a probe
 * truncates tens of MB per keystroke at GPT-2-small size: fresh arrays cost page faults and
 * collections); the result is then valid only until that next call.
 */
export function truncatePast(past: PastCache, keep: number, scratch?: Map<string, Float32Array | Uint16Array>): PastCache {
  const out: PastCache = new Map();
  for (const [name, t] of past) {
    const [B, H, P, D] = t.dims as [number, number, number, number];
    if (t.dims.length !== 4 || keep >= P) { out.set(name, t); continue; }
    const src = t.data as Float32Array | Uint16Array;
    const n = B * H * keep * D;
    let dst: Float32Array | Uint16Array;
    const held = scratch?.get(name);
    if (held && held.constructor === src.constructor && held.length >= n) {
      dst = held.subarray(0, n);
    } else {
      dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(scratch ? B * H * (P + 64) * D : n); // room for the text to grow
      scratch?.set(name, dst);
      dst = dst.subarray(0, n);
    }
    for (let bh = 0; bh < B * H; bh++) dst.set(src.subarray(bh * P * D, bh * P * D + keep * D), bh * keep * D); // [B·H, P, D]
    out.set(name, new ort.Tensor(t.type as 'float32', dst as Float32Array, [B, H, keep, D]));
  }
  return out;
}
