// Context reach over a stand-in causal model: the windows must give every (token, k) exactly the
// value a forward on exactly those k tokens (and the always-added prefix) gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alwaysAddedPrefix, contextReach, planWindows, reachOf, type Schedule } from '../../../src/model/reach';
import { CancelledError } from '../../../src/model/errors';
import type { OnnxSession } from '../../../src/model/onnxSession';

/** A made-up causal score of `next` after `context` (positions included): any change to the context changes it. */
function score(context: readonly number[], next: number): number {
  let h = 17;
  context.forEach((id, pos) => { h = (h * 31 + id * 7 + pos * 3) % 100_003; });
  return -((h * 13 + next * 5) % 1000) / 100;
}

/** A session whose windows are scored by `score`, recording the batch sizes it was given. */
function fakeSession(takesBatches: boolean, calls: number[]): OnnxSession {
  return {
    takesBatches,
    async scoreWindows(ids: ArrayLike<number>, batch: number): Promise<Float32Array> {
      calls.push(batch);
      const S = ids.length / batch;
      const out = new Float32Array(ids.length); // [B, S]
      for (let b = 0; b < batch; b++) {
        const w = Array.from({ length: S }, (_, j) => Number(ids[b * S + j]));
        for (let j = 0; j + 1 < S; j++) out[b * S + j] = score(w.slice(0, j + 1), w[j + 1]!);
      }
      return out;
    },
  } as unknown as OnnxSession;
}

const now: Schedule = (task) => task();

for (const [T, K, prefix] of [[40, 8, 0], [12, 64, 0], [30, 5, 1], [2, 4, 0], [9, 8, 2]] as const) {
  test(`every (token, k) equals a forward on exactly k tokens: T=${T}, K=${K}, prefix=${prefix}`, async () => {
    const ids = Array.from({ length: T }, (_, i) => (i * 7 + 3) % 11);
    const calls: number[] = [];
    const r = await contextReach(ids, prefix, fakeSession(true, calls), now, { maxContext: K });
    assert.equal(r.maxContext, K);
    assert.equal(r.prefix, prefix);
    const head = ids.slice(0, prefix);
    for (let t = 0; t < T; t++) {
      const fullWant = t > prefix ? score(ids.slice(0, t), ids[t]!) : NaN;
      assert.ok(Object.is(r.full[t], Math.fround(fullWant)) || Math.abs(r.full[t]! - fullWant) < 1e-6, `full ${t}`);
      for (let k = 1; k <= K; k++) {
        const got = r.logProbs[t * K + k - 1]!; // [T, K]
        if (t - prefix < k || t <= prefix) { assert.ok(Number.isNaN(got), `t=${t} k=${k} has no such context`); continue; }
        const want = score([...head, ...ids.slice(t - k, t)], ids[t]!);
        assert.ok(Math.abs(got - want) < 1e-6, `t=${t} k=${k}: ${got} vs ${want}`);
      }
      assert.equal(r.reach[t], reachOf(r.logProbs, K, t, r.full[t]!));
    }
  });
}

test('reach: the smallest k within 0.1 nat of the full context, 0 when none', () => {
  const K = 4;
  const lp = Float32Array.from([NaN, NaN, NaN, NaN, -3, -1.05, -1.2, -1]); // [T=2, K]
  assert.equal(reachOf(lp, K, 1, -1), 2);
  assert.equal(reachOf(lp, K, 1, -5), 0);
  assert.equal(reachOf(lp, K, 0, NaN), 0);
});

test('windows: one per start position, all the same length', () => {
  assert.deepEqual(planWindows(10, 64, 0), { length: 10, contexts: 9, first: 0, count: 9 });
  assert.deepEqual(planWindows(100, 8, 1), { length: 10, contexts: 8, first: 1, count: 98 });
  assert.deepEqual(planWindows(1, 8, 0).count, 0);
});

test('always-added prefix: the ids of an empty text, only when the tokens start with them', () => {
  assert.equal(alwaysAddedPrefix([5, 1, 2], []), 0);
  assert.equal(alwaysAddedPrefix([5, 1, 2], [5]), 1);
  assert.equal(alwaysAddedPrefix([4, 1, 2], [5]), 0);
});

test('a graph that takes one sequence at a time: batches fall back to single windows, same values', async () => {
  const ids = Array.from({ length: 25 }, (_, i) => (i * 5) % 7);
  const calls: number[] = [];
  const single = await contextReach(ids, 0, fakeSession(false, calls), now, { maxContext: 6 });
  assert.ok(calls.every((b) => b === 1));
  const batchedCalls: number[] = [];
  const batched = await contextReach(ids, 0, fakeSession(true, batchedCalls), now, { maxContext: 6 });
  assert.ok(batchedCalls.some((b) => b > 1));
  assert.deepEqual(Array.from(single.logProbs), Array.from(batched.logProbs));
  // A runtime that refuses batches: the windows run again one by one.
  const refusing = fakeSession(true, []);
  const scoreOne = refusing.scoreWindows.bind(refusing);
  refusing.scoreWindows = (w, b) => (b > 1 ? Promise.reject(new Error('shape')) : scoreOne(w, b));
  const retried = await contextReach(ids, 0, refusing, now, { maxContext: 6 });
  assert.deepEqual(Array.from(retried.logProbs), Array.from(single.logProbs));
});

test('progress is reported and an abort stops the work between runtime calls', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => i % 13);
  const seen: [number, number][] = [];
  const controller = new AbortController();
  const calls: number[] = [];
  await assert.rejects(contextReach(ids, 0, fakeSession(false, calls), now, {
    maxContext: 8, signal: controller.signal,
    onProgress: (done, total) => { seen.push([done, total]); if (done === 3) controller.abort(); },
  }), CancelledError);
  assert.deepEqual(seen.map((s) => s[0]), [0, 1, 2, 3]);
  assert.equal(seen[0]![1], 199);
  assert.equal(calls.length, 4, 'the full-context run and three windows, nothing after the abort');
});
