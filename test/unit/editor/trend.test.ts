import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, slopePerMinute } from '../../../src/editor/trend';

test('slope per minute of a straight line, and of a flat noisy one', () => {
  // 2 MB per second for 10 s → 120 MB per minute.
  const line = Array.from({ length: 11 }, (_, i) => ({ x: i * 1000, y: 50 + 2 * i }));
  assert.ok(Math.abs(slopePerMinute(line) - 120) < 1e-9);
  const flat = Array.from({ length: 61 }, (_, i) => ({ x: i * 1000, y: 80 + (i % 2 === 0 ? 1 : -1) }));
  assert.ok(Math.abs(slopePerMinute(flat)) < 1e-9, "no trend in a symmetric wobble");
  assert.equal(slopePerMinute([{ x: 0, y: 1 }]), 0);
});

test('nearest-rank percentiles', () => {
  const v = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 95), 10);
  assert.equal(percentile(v, 10), 1);
  assert.equal(percentile([], 50), null);
});
