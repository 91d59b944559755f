// Head statistics against values worked out by hand on small matrices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rng } from '../../helpers/randomText';
import { allHeadStats, headLabels, headStats, mostDistinctiveHead, statsAt, uniformBandwidth, HEAD_STAT_NAMES, LABEL_THRESHOLDS } from '../../../src/common/stats';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

// T = 3, causal. Rows 1 and 2 count (row 0 can only see itself).
//   row 1: [0.5, 0.5, 0]      H = ln 2,          distance 0.5
//   row 2: [0.25, 0.25, 0.5]  H = 1.5 ln 2,      distance 0.25·2 + 0.25·1 = 0.75
const small = new Float32Array([1, 0, 0, 0.5, 0.5, 0, 0.25, 0.25, 0.5]);

test('entropy, bandwidth, distance, sink and previous-token on a hand-computed 3×3 matrix', () => {
  const s = headStats(small, 3, [5, 7, 5], true);
  close(s.entropy, 1.25 * Math.LN2); // mean of ln2 and 1.5 ln2
  close(s.bandwidth, 2 ** 1.25, 1e-5);
  close(s.meanDistance, 0.625);
  close(s.sink, 0.375); // (0.5 + 0.25) / 2
  close(s.previousToken, 0.375); // a10 = 0.5, a21 = 0.25
  assert.ok(Number.isNaN(s.induction), 'no query has an earlier copy two or more tokens back');
});

test('an encoder counts every row, row 0 included', () => {
  // Bidirectional 2×2: row 0 [0.5, 0.5], row 1 [1, 0].
  const s = headStats(new Float32Array([0.5, 0.5, 1, 0]), 2, [1, 2], false);
  close(s.entropy, Math.LN2 / 2);
  close(s.meanDistance, (0.5 + 1) / 2);
  close(s.sink, 0.75);
  close(s.previousToken, 1);
});

test('induction score: weight on the token after an earlier copy of the current token', () => {
  // Tokens A B C A B: query 3 (A) should look at key 1 (B, after the first A); query 4 (B) at key 2.
  const T = 5;
  const m = new Float32Array(T * T);
  const set = (q: number, k: number, w: number) => { m[q * T + k] = w; };
  set(0, 0, 1);
  set(1, 0, 1);
  set(2, 0, 1);
  set(3, 1, 0.8); set(3, 3, 0.2);
  set(4, 2, 0.6); set(4, 0, 0.4);
  const s = headStats(m, T, [10, 11, 12, 10, 11], true);
  close(s.induction, (0.8 + 0.6) / 2);
  assert.deepEqual(headLabels(s, T, true).includes('induction'), true);
});

test('labels: previous-token, sink, broad', () => {
  const T = 16;
  const prev = new Float32Array(T * T), sink = new Float32Array(T * T), uniform = new Float32Array(T * T);
  for (let q = 0; q < T; q++) {
    prev[q * T + Math.max(0, q - 1)] = 1;
    sink[q * T] = 1;
    for (let k = 0; k <= q; k++) uniform[q * T + k] = 1 / (q + 1);
  }
  const ids = Array.from({ length: T }, (_, i) => i);
  const p = headStats(prev, T, ids, true);
  close(p.previousToken, 1);
  close(p.meanDistance, 1);
  assert.deepEqual(headLabels(p, T, true), ['previous-token']);
  const s = headStats(sink, T, ids, true);
  close(s.sink, 1);
  assert.deepEqual(headLabels(s, T, true), ['sink']);
  const u = headStats(uniform, T, ids, true);
  close(u.bandwidth, uniformBandwidth(T, true), 1e-4);
  assert.ok(headLabels(u, T, true).includes('broad'));
});

test('uniformBandwidth is the geometric mean of the visible key counts', () => {
  close(uniformBandwidth(3, true), Math.sqrt(2 * 3));
  assert.equal(uniformBandwidth(7, false), 7);
});

test('allHeadStats lays out [L, H, S] and statsAt reads it back', () => {
  const T = 3, n = T * T;
  const attention = new Float32Array(2 * 2 * n);
  attention.set(small, 3 * n); // layer 1, head 1
  attention.set(small, 0);
  const out = allHeadStats(attention, 2, 2, T, [5, 7, 5], true);
  assert.equal(out.length, 2 * 2 * HEAD_STAT_NAMES.length);
  close(statsAt(out, 2, 1, 1).entropy, 1.25 * Math.LN2);
  close(statsAt(out, 2, 0, 0).sink, 0.375);
  close(statsAt(out, 2, 0, 1).entropy, 0); // all-zero head
});

test('labels: a diagonal head is local; a uniform head is broad, not local', () => {
  const T = 6, self = new Float32Array(T * T), uniform = new Float32Array(T * T);
  for (let q = 0; q < T; q++) {
    self[q * T + q] = 1;
    for (let k = 0; k <= q; k++) uniform[q * T + k] = 1 / (q + 1);
  }
  const ids = [1, 2, 3, 4, 5, 6];
  assert.deepEqual(headLabels(headStats(self, T, ids, true), T, true), ['local']);
  assert.deepEqual(headLabels(headStats(uniform, T, ids, true), T, true), ['broad']);
});

test('most distinctive head: a pattern head over its threshold first, else the sharpest non-sink head', () => {
  const n = HEAD_STAT_NAMES.length;
  // [L=1, H=3, S]: head 0 a sink (sharp but trivial), head 1 sharp, head 2 broad.
  const stats = new Float32Array(3 * n);
  const put = (h: number, v: Partial<Record<(typeof HEAD_STAT_NAMES)[number], number>>) => {
    HEAD_STAT_NAMES.forEach((name, k) => { stats[h * n + k] = v[name] ?? (name === 'induction' ? NaN : 0); });
  };
  put(0, { bandwidth: 1.1, sink: 0.9 });
  put(1, { bandwidth: 2, sink: 0.1, previousToken: 0.3 });
  put(2, { bandwidth: 20, sink: 0.1 });
  assert.deepEqual(mostDistinctiveHead(stats, 1, 3, 64, true), { layer: 0, head: 1 });
  // An induction head at twice its threshold beats a previous-token head just over its own.
  put(2, { bandwidth: 20, induction: 2 * LABEL_THRESHOLDS.induction });
  put(1, { bandwidth: 2, previousToken: 1.01 * LABEL_THRESHOLDS.previousToken });
  assert.deepEqual(mostDistinctiveHead(stats, 1, 3, 64, true), { layer: 0, head: 2 });
  assert.equal(mostDistinctiveHead(new Float32Array(0), 0, 0, 4, true), null);
});

test('LZ copier score: weight on the token after each copied token’s source, inside LZ77 matches only', () => {
  // Tokens A B C A B D: the parse copies "A B" at 3 from 0, so query 3 → key 1 and query 4 → key 2.
  const ids = [1, 2, 3, 1, 2, 4];
  const T = ids.length;
  const m = new Float32Array(T * T);
  for (let q = 0; q < T; q++) m[q * T + q] = 1; // every row on itself…
  m[3 * T + 3] = 0.4; m[3 * T + 1] = 0.6; // …except the copies: 0.6 and 0.9 on their targets
  m[4 * T + 4] = 0.1; m[4 * T + 2] = 0.9;
  close(headStats(m, T, ids, true).lzCopier, 0.75);
  assert.ok(Number.isNaN(headStats(small, 3, [5, 7, 9], true).lzCopier), 'no match, no score');
  const all = allHeadStats(m, 1, 1, T, ids, true);
  close(statsAt(all, 1, 0, 0).lzCopier, 0.75);
});

test('entropy from float32 bits and distance in the same pass agree with Math.log in double on every kind of value', () => {
  // Rows of log-uniform weights down to 2^-140 (subnormals), exact zeros, values just under 1 and
  // powers of two; not normalised (the sums need not be 1 for the comparison).
  const T = 67;
  const r = rng(7);
  const m = new Float32Array(T * T);
  for (let i = 0; i < m.length; i++) {
    const kind = i % 5;
    m[i] = kind === 0 ? 2 ** (-140 * r()) : kind === 1 ? 0 : kind === 2 ? 1 - r() * 2 ** -20 : kind === 3 ? 2 ** -Math.floor(30 * r()) : r();
  }
  const ids = Array.from({ length: T }, (_, i) => i % 11);
  const subnormal = m.map((_, i) => (i % 3 === 0 ? 0 : (1 + (i % 7)) * 1e-42)); // only zeros and subnormals: their logarithms alone
  const [s, t] = [headStats(subnormal, T, ids, true), headStats(Array.from(subnormal), T, ids, true)];
  assert.ok(Math.abs(s.entropy / t.entropy - 1) <= 1e-13, `subnormal rows: ${s.entropy} vs ${t.entropy}`);
  for (const causal of [true, false]) {
    const fast = headStats(m, T, ids, causal), exact = headStats(Array.from(m), T, ids, causal); // a plain array: Math.log
    for (const name of ['entropy', 'meanDistance'] as const) {
      assert.ok(Math.abs(fast[name] / exact[name] - 1) <= 1e-13, `${name} (causal ${causal}): ${fast[name]} vs ${exact[name]}`);
    }
  }
});
