// The token-level LZ77 parse against brute force: every match is a real copy, as long as any
// earlier copy, from the nearest source among the longest; literals have no copy of MIN_MATCH.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyTargets, lz77Parse, MIN_MATCH } from '../../../src/common/lz77';

/** Longest earlier copy at i (overlap allowed) and its nearest source, by trying every source. */
function bruteLongest(ids: number[], i: number): { length: number; source: number } {
  let length = 0, source = -1;
  for (let j = i - 1; j >= 0; j--) {
    let m = 0;
    while (i + m < ids.length && ids[j + m] === ids[i + m]) m++;
    if (m > length) { length = m; source = j; }
  }
  return { length, source };
}

const cases: [string, number[]][] = [
  ['code-like', [5, 6, 7, 8, 1, 5, 6, 7, 9, 5, 6, 7, 8, 1, 2, 2, 2, 2, 2, 3]],
  ['no repeats', [1, 2, 3, 4, 5]],
  ['run', new Array<number>(12).fill(4)],
  ['pseudo-random', Array.from({ length: 300 }, (_, i) => (i * 37 + ((i * i) % 11)) % 13)],
];

for (const [name, ids] of cases) {
  test(`LZ77 parse equals the greedy brute-force parse: ${name}`, () => {
    const matches = lz77Parse(ids);
    let i = 0, m = 0;
    while (i < ids.length) {
      const want = bruteLongest(ids, i);
      if (want.length >= MIN_MATCH) {
        assert.deepEqual(matches[m], { start: i, source: want.source, length: want.length }, `match at ${i}`);
        for (let k = 0; k < want.length; k++) assert.equal(ids[i + k], ids[want.source + k]);
        m++;
        i += want.length;
      } else {
        i++;
      }
    }
    assert.equal(matches.length, m, 'no other matches');
  });
}

test('copy targets: the token after each copied token’s source, −1 outside matches', () => {
  const ids = [1, 2, 3, 9, 1, 2, 3, 7];
  const matches = lz77Parse(ids);
  assert.deepEqual(matches, [{ start: 4, source: 0, length: 3 }]);
  assert.deepEqual(Array.from(copyTargets(matches, ids.length)), [-1, -1, -1, -1, 1, 2, 3, -1]);
  // A self-overlapping run copies from one token back: the target is the query itself at most.
  const run = lz77Parse([4, 4, 4, 4]);
  assert.deepEqual(run, [{ start: 1, source: 0, length: 3 }]);
  assert.deepEqual(Array.from(copyTargets(run, 4)), [-1, 1, 2, 3]);
});
