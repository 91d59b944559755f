// The pool of released attention buffers: what is handed out, what is kept, what is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AttentionPool } from '../../../src/model/attentionPool';

test('take hands out the smallest released buffer that fits, else a new one of the size asked', () => {
  const pool = new AttentionPool(3);
  const small = new Float32Array(10);
  const big = new Float32Array(100);
  pool.give(big);
  pool.give(small);
  assert.equal(pool.take(8), small);
  assert.equal(pool.take(8), big, 'the only one left that fits');
  const fresh = pool.take(8);
  assert.ok(fresh !== small && fresh !== big);
  assert.equal(fresh.length, 8);
  assert.equal(pool.size, 0);
  pool.clear();
});

test('give keeps the largest buffers up to the limit, once each, and never an empty one', () => {
  const pool = new AttentionPool(2);
  const sizes = [5, 50, 20, 1];
  const buffers = sizes.map((n) => new Float32Array(n));
  for (const b of buffers) pool.give(b);
  pool.give(buffers[1]!); // twice: still one entry
  pool.give(new Float32Array(0));
  assert.equal(pool.size, 2);
  assert.equal(pool.take(1), buffers[2], 'the 20 and the 50 were kept; the smallest fitting first');
  assert.equal(pool.take(1), buffers[1]);
  pool.clear();
});

test('clear drops everything', () => {
  const pool = new AttentionPool();
  pool.give(new Float32Array(4));
  pool.clear();
  assert.equal(pool.size, 0);
  assert.equal(pool.take(4).length, 4);
  pool.clear();
});
