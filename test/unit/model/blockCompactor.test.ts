// Causal attention compacted block by block of query rows (as forwardInBlocks hands it over, each
// block with one extra row and the keys up to it) against the whole tensor compacted at once: the
// same codes byte for byte, the same head statistics, for any block size; a block with weight above
// its diagonal is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockCompactor, compactAttention } from '../../../src/model/compactAttention';
import { blockOf } from '../../helpers/queryBlocks';

/** Random causal attention [L, H, T, T]: each row a distribution over keys 0..q, some weights exactly 0. */
function causalAttention(L: number, H: number, T: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const a = new Float32Array(L * H * T * T);
  for (let lhq = 0; lhq < L * H * T; lhq++) {
    const q = lhq % T, row = lhq * T; // [L, H, Q, K]
    let sum = 0;
    for (let k = 0; k <= q; k++) sum += (a[row + k] = rand() < 0.2 ? 0 : rand() ** 3);
    for (let k = 0; k <= q; k++) a[row + k] = sum > 0 ? a[row + k]! / sum : k === q ? 1 : 0;
  }
  return a;
}

const take = (n: number) => new Float32Array(n);

test('blocks of any size give the whole tensor\'s codes and statistics', () => {
  const L = 2, H = 3, T = 37;
  const a = causalAttention(L, H, T, 7);
  const ids = Array.from({ length: T }, (_, i) => [5, 9, 5, 2, 9, 5, 7][i % 7]!); // repeats: induction and LZ scores are defined
  const whole = compactAttention(a, { nLayers: L, nHeads: H, nTokens: T }, ids, true);
  for (const rows of [1, 5, 16, 36, 37]) {
    const c = new BlockCompactor({ nLayers: L, nHeads: H, nTokens: T }, ids, undefined, take);
    for (let q0 = 0; q0 < T; q0 += rows) {
      const q1 = Math.min(T, q0 + rows);
      const S = Math.min(T, q1 + 1) - q0; // the next block's first row too, as forwardInBlocks runs it
      assert.equal(c.add(blockOf(a, L, H, T, q0, S, q0 + S), S, q0 + S, q0, q1), true);
    }
    const got = c.finish();
    assert.deepEqual(got.headStats, whole.headStats, `${rows} rows a block: statistics`);
    got.stored.forEach((codes, l) => assert.deepEqual(codes, whole.stored[l], `${rows} rows a block: layer ${l}'s codes`));
  }
});

test('a budget keeps the lowest layers and drops the rest; rows out of order or missing are errors', () => {
  const L = 3, H = 2, T = 10;
  const a = causalAttention(L, H, T, 3);
  const ids = Array.from({ length: T }, (_, i) => i % 4);
  const layerBytes = (3 * H * T * (T + 1)) / 2;
  const c = new BlockCompactor({ nLayers: L, nHeads: H, nTokens: T }, ids, (1.5 * layerBytes) / 2 ** 20, take);
  assert.throws(() => c.add(blockOf(a, L, H, T, 4, 4, 8), 4, 8, 4, 8), /out of order/);
  assert.throws(() => c.finish(), /only 0 of 10/);
  assert.equal(c.add(blockOf(a, L, H, T, 0, T, T), T, T, 0, T), true);
  const got = c.finish();
  assert.deepEqual(got.stored.map((s) => s?.length ?? null), [layerBytes, null, null]);
  assert.deepEqual(got.headStats, compactAttention(a, { nLayers: L, nHeads: H, nTokens: T }, ids, true).headStats);
});

test('a block with weight above its diagonal is refused and adds nothing', () => {
  const L = 1, H = 1, T = 6;
  const a = causalAttention(L, H, T, 5);
  a[1 * T + 3] = 0.25; // row 1 looks ahead
  const c = new BlockCompactor({ nLayers: L, nHeads: H, nTokens: T }, [1, 2, 3, 4, 5, 6], undefined, take);
  assert.equal(c.add(blockOf(a, L, H, T, 0, 4, 4), 4, 4, 0, 3), false);
  assert.throws(() => c.finish(), /only 0 of 6/);
});
