// Cutting a key/value cache back: the first `keep` positions of every [B, H, P, D] tensor, into new
// arrays or into scratch buffers reused from call to call (the probe's keystrokes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { truncatePast, type PastCache } from '../../../src/model/onnxTensors';

/** A cache of one tensor [1, H, P, D] whose value at (h, p, d) is h·1000 + p·10 + d. */
function cache(H: number, P: number, D: number): PastCache {
  const data = new Float32Array(H * P * D);
  for (let h = 0; h < H; h++) for (let p = 0; p < P; p++) for (let d = 0; d < D; d++) data[(h * P + p) * D + d] = h * 1000 + p * 10 + d; // [H, P, D]
  return new Map([['past_key_values.0.key', new ort.Tensor('float32', data, [1, H, P, D])]]);
}

const want = (H: number, keep: number, D: number) => Array.from(cache(H, keep, D).get('past_key_values.0.key')!.data as Float32Array);

test('the first keep positions of each head, with or without scratch buffers; scratch is reused until the text outgrows it', () => {
  const [H, D] = [3, 4];
  const plain = truncatePast(cache(H, 9, D), 5).get('past_key_values.0.key')!;
  assert.deepEqual(plain.dims, [1, H, 5, D]);
  assert.deepEqual(Array.from(plain.data as Float32Array), want(H, 5, D));
  const scratch = new Map<string, Float32Array | Uint16Array>();
  const first = truncatePast(cache(H, 9, D), 5, scratch).get('past_key_values.0.key')!;
  assert.deepEqual(Array.from(first.data as Float32Array), want(H, 5, D));
  const buffer = (first.data as Float32Array).buffer;
  const second = truncatePast(cache(H, 12, D), 11, scratch).get('past_key_values.0.key')!;
  assert.deepEqual(Array.from(second.data as Float32Array), want(H, 11, D));
  assert.equal((second.data as Float32Array).buffer, buffer, 'the same buffer, reused');
  const grown = truncatePast(cache(H, 100, D), 90, scratch).get('past_key_values.0.key')!;
  assert.deepEqual(Array.from(grown.data as Float32Array), want(H, 90, D));
  assert.notEqual((grown.data as Float32Array).buffer, buffer, 'outgrown: a new buffer');
  const whole = cache(H, 6, D);
  assert.equal(truncatePast(whole, 6, scratch).get('past_key_values.0.key'), whole.get('past_key_values.0.key'), 'nothing to cut: the tensor itself');
});
