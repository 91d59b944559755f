import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProb, groupByLevel, probabilityLevel, rankLevel, surprisalLevel } from '../../../src/editor/surprisalLevels';

test('rank buckets: top-10, top-100, top-1000, rest (boundaries inclusive)', () => {
  assert.deepEqual([1, 10, 11, 100, 101, 1000, 1001, 50000].map(rankLevel), [0, 0, 1, 1, 2, 2, 3, 3]);
});

test('probability buckets by decade', () => {
  assert.deepEqual([1, 0.1, 0.0999, 0.01, 0.00999, 0.001, 0.000999, 0].map(probabilityLevel), [0, 0, 1, 1, 2, 2, 3, 3]);
});

test('tokens without a probability get no level, in either mode', () => {
  assert.equal(surprisalLevel('rank', { rank: null, logprob: null }), null);
  assert.equal(surprisalLevel('probability', { rank: null, logprob: null }), null);
  assert.equal(surprisalLevel('probability', { rank: 3, logprob: Math.log(0.05) }), 1);
  assert.equal(surprisalLevel('rank', { rank: 3, logprob: Math.log(0.05) }), 0);
});

test('grouping keeps token indices per level', () => {
  const tokens = [
    { rank: null, logprob: null },
    { rank: 1, logprob: Math.log(0.6) },
    { rank: 250, logprob: Math.log(0.002) },
    { rank: 4000, logprob: Math.log(0.00001) },
    { rank: 42, logprob: Math.log(0.02) },
  ];
  assert.deepEqual(groupByLevel('rank', tokens), [[1], [4], [2], [3]]);
  assert.deepEqual(groupByLevel('probability', tokens), [[1], [4], [2], [3]]);
});

test('probabilities print readably across decades', () => {
  assert.equal(formatProb(0.5), '50.0%');
  assert.equal(formatProb(0.0423), '4.2%');
  assert.equal(formatProb(0.000123), '0.012%');
  assert.equal(formatProb(1e-9), '< 0.001%');
});
