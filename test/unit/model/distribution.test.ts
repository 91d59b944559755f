// Next-token distribution maths: normaliser, top-k order, ranks with ties, entropy, temperature.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSumExp, rankOf, rowDistribution, topKIndices } from '../../../src/model/distribution';
import { halfToFloat } from '../../../src/common/half';

test('logSumExp is stable for large logits and matches the direct sum for small ones', () => {
  const row = Float32Array.from([1, 2, 3]);
  assert.ok(Math.abs(logSumExp(row, 0, 3) - Math.log(Math.E + Math.E ** 2 + Math.E ** 3)) < 1e-9);
  const big = Float32Array.from([1000, 1000]);
  assert.ok(Math.abs(logSumExp(big, 0, 2) - (1000 + Math.log(2))) < 1e-9);
});

test('topKIndices: largest first, ties by lower index, k larger than the row', () => {
  const logits = Float32Array.from([0.5, 3, -1, 3, 2, /* next row */ 9, 8]);
  const out = new Int32Array(3);
  topKIndices(logits, 0, 5, 3, out);
  assert.deepEqual(Array.from(out), [1, 3, 4]);
  const two = new Int32Array(2);
  topKIndices(logits, 5, 2, 5, two);
  assert.deepEqual(Array.from(two), [0, 1]);
});

test('topKIndices: a long list (sorted path) agrees with the short one', () => {
  const logits = Float32Array.from({ length: 500 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
  const long = new Int32Array(200);
  topKIndices(logits, 0, 500, 200, long);
  const short = new Int32Array(20);
  topKIndices(logits, 0, 500, 20, short);
  assert.deepEqual(Array.from(long.subarray(0, 20)), Array.from(short));
  for (let i = 1; i < 200; i++) assert.ok(logits[long[i - 1]!]! >= logits[long[i]!]!);
});

test('rankOf counts strictly larger logits (ties share a rank)', () => {
  const logits = Float32Array.from([0.5, 3, -1, 3, 2]);
  assert.equal(rankOf(logits, 0, 5, 1), 1);
  assert.equal(rankOf(logits, 0, 5, 3), 1);
  assert.equal(rankOf(logits, 0, 5, 4), 3);
  assert.equal(rankOf(logits, 0, 5, 2), 5);
});

test('rowDistribution: probabilities, entropy in nats, temperature', () => {
  const uniform = rowDistribution(new Float32Array(8), 0, 8, 3);
  assert.ok(Math.abs(uniform.entropy - Math.log(8)) < 1e-9);
  uniform.probs.forEach((p) => assert.ok(Math.abs(p - 1 / 8) < 1e-7));
  const logits = Float32Array.from([2, 1, 0]);
  const d = rowDistribution(logits, 0, 3, 3);
  const z = Math.E ** 2 + Math.E + 1;
  assert.deepEqual(Array.from(d.ids), [0, 1, 2]);
  assert.ok(Math.abs(d.probs[0]! - Math.E ** 2 / z) < 1e-6);
  const expected = -[Math.E ** 2 / z, Math.E / z, 1 / z].reduce((s, p) => s + p * Math.log(p), 0);
  assert.ok(Math.abs(d.entropy - expected) < 1e-9);
  const cold = rowDistribution(logits, 0, 3, 1, 0.1);
  assert.ok(cold.probs[0]! > 0.9999 && cold.entropy < d.entropy);
  const hot = rowDistribution(logits, 0, 3, 1, 100);
  assert.ok(Math.abs(hot.entropy - Math.log(3)) < 1e-3);
});

test('half precision decoding', () => {
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7c00), Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
});
