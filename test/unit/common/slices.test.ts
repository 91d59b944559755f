import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropSinkInto, poolToBytes, thumbnailSize } from '../../../src/common/downsample';
import { overviewBytes, selectorProblem, sliceAttention } from '../../../src/common/slices';

const shape = { nLayers: 2, nHeads: 2, nTokens: 2 };
// [L, H, Q, K]: head (l, h) has rows [[1, 0], [a, 1 - a]] with a = 0.1·(1 + 2l + h).
const attention = new Float32Array(16);
for (let l = 0; l < 2; l++) for (let h = 0; h < 2; h++) {
  const a = 0.1 * (1 + 2 * l + h);
  attention.set([1, 0, a, 1 - a], (l * 2 + h) * 4);
}
const close = (x: ArrayLike<number>, y: number[]) => y.forEach((v, i) => assert.ok(Math.abs(x[i] - v) < 1e-6, `${x[i]} ≠ ${v} at ${i}`));

test('one head is a copy of its [Q, K] block', () => {
  const m = sliceAttention(attention, shape, { kind: 'head', layer: 1, head: 0 }, { dropSink: false });
  close(m, [1, 0, 0.3, 0.7]);
  m[0] = 5;
  assert.equal(attention[8], 1, 'the host tensor is untouched');
});

test('layer mean averages heads; dropSink renormalises without key 0', () => {
  close(sliceAttention(attention, shape, { kind: 'layerMean', layer: 0 }, { dropSink: false }), [1, 0, 0.15, 0.85]);
  // Row 0 has only the sink: nothing left, all zero. Row 1: [0, 1].
  close(sliceAttention(attention, shape, { kind: 'head', layer: 0, head: 1 }, { dropSink: true }), [0, 0, 0, 1]);
  const m = dropSinkInto(new Float32Array([0.5, 0.25, 0.25, 0.2, 0.4, 0.4, 0, 0.5, 0.5]), 3, new Float32Array(9));
  close(m, [0, 0.5, 0.5, 0, 0.5, 0.5, 0, 0.5, 0.5]);
});

test('layerHeads returns [H, Q, K] of one layer only', () => {
  const m = sliceAttention(attention, shape, { kind: 'layerHeads', layer: 1 }, { dropSink: false });
  assert.equal(m.length, 8);
  close(m, [1, 0, 0.3, 0.7, 1, 0, 0.4, 0.6]);
});

test('bad selectors are refused with a message', () => {
  assert.match(selectorProblem(shape, { kind: 'head', layer: 2, head: 0 })!, /layer 2/);
  assert.match(selectorProblem(shape, { kind: 'head', layer: 0, head: -1 })!, /head -1/);
  assert.throws(() => sliceAttention(attention, shape, { kind: 'layerMean', layer: 9 }, { dropSink: false }), RangeError);
});

test('max pooling keeps a one-cell diagonal visible', () => {
  const T = 4, m = new Float32Array(T * T);
  for (let q = 1; q < T; q++) m[q * T + q - 1] = 1; // previous-token head
  const out = new Uint8Array(4);
  poolToBytes(m, T, 2, false, out);
  assert.deepEqual([...out], [255, 0, 255, 255]); // block (0,0) holds a10, (1,0) holds a21, (1,1) holds a32
  assert.equal(thumbnailSize(48, 5), 5);
});

test('overview: [L, H + 1, s, s] bytes with the layer mean last', () => {
  const { size, data } = overviewBytes(attention, shape, 48, { dropSink: false }, 'linear');
  assert.equal(size, 2);
  assert.equal(data.length, 2 * 3 * 4);
  const byte = (w: number) => Math.round(Math.fround(w) * 255); // weights are float32
  assert.deepEqual([...data.subarray(0, 4)], [255, 0, byte(0.1), byte(1 - Math.fround(0.1))]); // L0 H0
  assert.deepEqual([...data.subarray(8, 12)], [255, 0, 38, 217]); // L0 mean: 0.15, 0.85
  const log = overviewBytes(attention, shape, 2, { dropSink: false }, 'log');
  assert.equal(log.data[2], 191); // 0.1 on the log scale is 3/4 of the way
});

test('a row selector returns one query row [K], of a head or of the layer mean', () => {
  close(sliceAttention(attention, shape, { kind: 'row', matrix: { kind: 'head', layer: 1, head: 1 }, query: 1 }, { dropSink: false }), [0.4, 0.6]);
  const mean = sliceAttention(attention, shape, { kind: 'row', matrix: { kind: 'layerMean', layer: 1 }, query: 1 }, { dropSink: false });
  assert.equal(mean.length, 2);
  close(mean, [0.35, 0.65]);
  close(sliceAttention(attention, shape, { kind: 'row', matrix: { kind: 'layerMean', layer: 1 }, query: 1 }, { dropSink: true }), [0, 1]);
  assert.match(selectorProblem(shape, { kind: 'row', matrix: { kind: 'head', layer: 0, head: 0 }, query: 2 })!, /query 2/);
});
