import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LINE_MIN_WEIGHT, packHeadLines, unpackHeadLines } from '../../../src/common/headLines';
import { sliceAttention } from '../../../src/common/slices';

/** A random causal [L, H, T, T] tensor whose rows sum to 1, with many weights on both sides of the threshold. */
function randomAttention(L: number, H: number, T: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const a = new Float32Array(L * H * T * T);
  for (let r = 0; r < L * H * T; r++) {
    const q = r % T, row = r * T; // [L, H, Q, K]
    let sum = 0;
    for (let k = 0; k <= q; k++) { const w = rand() ** 6; a[row + k] = w; sum += w; }
    for (let k = 0; k <= q; k++) a[row + k] /= sum;
  }
  return a;
}

test('layer lines hold exactly the weights ≥ 0.01 of every head, by query, in key order', () => {
  const shape = { nLayers: 2, nHeads: 3, nTokens: 40 }, T = 40, n = T * T;
  const attention = randomAttention(2, 3, T, 7);
  const lines = unpackHeadLines(sliceAttention(attention, shape, { kind: 'layerLines', layer: 1 }, { dropSink: false }), 3, T);
  let total = 0;
  for (let h = 0; h < 3; h++) for (let q = 0; q < T; q++) {
    const row = (1 * 3 + h) * n + q * T; // [L, H, Q, K]
    const expected: [number, number][] = [];
    for (let k = 0; k < T; k++) if (attention[row + k]! >= LINE_MIN_WEIGHT) expected.push([k, attention[row + k]!]);
    const from = lines.offsets[h * T + q]!, to = lines.offsets[h * T + q + 1]!;
    const got = Array.from({ length: to - from }, (_, i) => [lines.keys[from + i]!, lines.weights[from + i]!]);
    assert.deepEqual(got, expected, `head ${h} query ${q}`);
    total += expected.length;
  }
  assert.ok(total > 3 * T && total < 3 * n / 2, `a sparse but non-trivial set (${total} lines)`);
});

test('layer lines follow the weights option (sink dropped) and are far smaller than the layer', () => {
  const T = 300, shape = { nLayers: 1, nHeads: 2, nTokens: T };
  const attention = randomAttention(1, 2, T, 3);
  const packed = sliceAttention(attention, shape, { kind: 'layerLines', layer: 0 }, { dropSink: true });
  const dense = sliceAttention(attention, shape, { kind: 'layerHeads', layer: 0 }, { dropSink: true }); // [H, Q, K]
  const lines = unpackHeadLines(packed, 2, T);
  for (let h = 0; h < 2; h++) for (let q = 0; q < T; q++) {
    for (let e = lines.offsets[h * T + q]!; e < lines.offsets[h * T + q + 1]!; e++) {
      assert.notEqual(lines.keys[e], 0, 'no line to the dropped sink');
      assert.equal(lines.weights[e], dense[h * T * T + q * T + lines.keys[e]!]);
    }
  }
  // At most 1 / 0.01 lines a row (rows sum to 1), whatever T is: 8 bytes each, plus the offsets.
  assert.ok(packed.byteLength <= (2 * T + 1) * 4 + 2 * T * 100 * 8, `${packed.byteLength} B`);
  assert.ok(packed.byteLength * 4 < dense.byteLength, `${packed.byteLength} B vs ${dense.byteLength} B`);
});

test('lines that do not fit the shape are refused with a message', () => {
  const packed = packHeadLines(1, 2, () => new Float32Array([1, 0, 0.5, 0.5]));
  assert.deepEqual([...packed], [0, 1, 3, 0, 0, 1, 1, 0.5, 0.5]);
  assert.throws(() => unpackHeadLines(packed, 2, 2), /do not fit 2 heads × 2 tokens/);
  assert.throws(() => unpackHeadLines(packed.subarray(0, 8), 1, 2), RangeError);
});
