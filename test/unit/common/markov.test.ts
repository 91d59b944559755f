// Adaptive Markov code lengths against a brute-force reference that recounts everything before
// each token by scanning, and a check that every order's distribution sums to 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptiveMarkovBits, bestOrder } from '../../../src/common/markov';

/** P_k(w | ids[0..i)) by the documented recursion, counting by a scan of positions j < i. */
function bruteProbability(ids: number[], i: number, w: number, k: number, V: number): number {
  let p = 1 / V;
  for (let n = 0; n <= Math.min(k, i); n++) {
    let total = 0, hits = 0;
    const followers = new Set<number>();
    for (let j = n; j < i; j++) {
      let same = true;
      for (let m = 1; m <= n; m++) if (ids[j - m] !== ids[i - m]) { same = false; break; }
      if (!same) continue;
      total++;
      followers.add(ids[j]!);
      if (ids[j] === w) hits++;
    }
    if (total > 0) p = (hits + followers.size * p) / (total + followers.size);
  }
  return p;
}

const texts: [string, number[], number][] = [
  ['repeats', [1, 2, 3, 1, 2, 3, 1, 2, 4, 1, 2, 3, 3, 3, 3], 6],
  ['pseudo-random', Array.from({ length: 60 }, (_, i) => (i * i * 7 + 3) % 9), 9],
  ['one token', [5], 8],
  ['constant', new Array<number>(20).fill(2), 3],
];

for (const [name, ids, V] of texts) {
  test(`adaptive Markov code lengths equal the brute-force recount: ${name}`, () => {
    const bits = adaptiveMarkovBits(ids, V, 4);
    assert.equal(bits.length, 4);
    for (let k = 1; k <= 4; k++) {
      for (let i = 0; i < ids.length; i++) {
        const want = -Math.log2(bruteProbability(ids, i, ids[i]!, k, V));
        assert.ok(Math.abs(bits[k - 1]![i]! - want) < 1e-9, `order ${k}, token ${i}: ${bits[k - 1]![i]} vs ${want}`);
      }
    }
  });
}

test('each order is a proper code: probabilities over the vocabulary sum to 1 at every position', () => {
  const ids = [0, 1, 2, 0, 1, 3, 0, 1, 2, 2, 0];
  const V = 5;
  for (let k = 1; k <= 4; k++) {
    for (let i = 0; i < ids.length; i++) {
      let sum = 0;
      for (let w = 0; w < V; w++) sum += 2 ** -adaptiveMarkovBits([...ids.slice(0, i), w], V, 4)[k - 1]![i]!;
      assert.ok(Math.abs(sum - 1) < 1e-12, `order ${k} at ${i}: ${sum}`);
    }
  }
});

test('the first token costs log2 V; repeats get cheap; the best order has the fewest bits', () => {
  const ids = [3, 1, 4, 1, 5, 9, 2, 6, 3, 1, 4, 1, 5, 9, 2, 6, 3, 1, 4, 1, 5, 9, 2, 6];
  const bits = adaptiveMarkovBits(ids, 16, 4);
  for (const b of bits) assert.equal(b[0], 4);
  assert.ok(bits[3]![20]! < 1, 'a long repeat is predicted by order 4');
  const { totals, best } = bestOrder(bits);
  assert.equal(totals[best - 1], Math.min(...totals));
  const skipFirst = bestOrder(bits, (i) => i > 0);
  assert.ok(Math.abs(skipFirst.totals[0]! - (totals[0]! - 4)) < 1e-9, 'uncounted tokens are left out');
});
