import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floorTrend, inspectionSummary, percentile, slopePerMinute } from '../../../src/services/trend';

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

test('floor trend: a GC sawtooth is flat, a leak under the sawtooth rises, warm-up is skipped', () => {
  // 10 minutes sampled each second; a sawtooth that climbs 30 MB over 40 s and drops back.
  const saw = (i: number) => (i % 40) * 0.75;
  const warmUp = (i: number) => (i < 30 ? 40 - i : 10); // 40 MB → 10 MB extra early on
  const flat = Array.from({ length: 600 }, (_, i) => ({ x: i * 1000, y: 200 + saw(i) + warmUp(i) }));
  const f = floorTrend(flat, 30_000, 6)!;
  assert.ok(Math.abs(f.slopePerMin) < 1e-9, `flat floors (${f.slopePerMin})`);
  assert.equal(f.firstFloor, 210);
  assert.ok(slopePerMinute(flat.slice(0, 60)) < 0, 'a naive slope over the first minute is thrown off by warm-up');
  // 1 MB per minute of real growth under the same sawtooth.
  const leak = flat.map((p) => ({ x: p.x, y: p.y + p.x / 60_000 }));
  const l = floorTrend(leak, 30_000, 6)!;
  assert.ok(Math.abs(l.slopePerMin - 1) < 0.1, `the leak's slope is found (${l.slopePerMin})`);
  assert.ok(l.lastFloor > l.firstFloor + 7);
  assert.equal(floorTrend(flat.slice(0, 5), 0, 6), null, 'too few samples');
});

test('inspection timings are summarised per token count, in the order they came', () => {
  const t = (nTokens: number, ms: number) => ({ nTokens, commandToResultMs: ms, commandToPanelMs: ms + 40, analysisMs: ms - 1 });
  const s = inspectionSummary([t(512, 50), t(32, 5), t(512, 70), t(512, 60)]) as {
    count: number;
    byTokens: { nTokens: number; count: number; commandToResultMs: { p50: number; p95: number }; commandToPanelMs: { p50: number }; analysisMs: { p50: number }; samplesMs: number[] }[];
  };
  assert.equal(s.count, 4);
  assert.deepEqual(s.byTokens.map((r) => [r.nTokens, r.count]), [[32, 1], [512, 3]]);
  const big = s.byTokens[1]!;
  assert.deepEqual(big.commandToResultMs, { p50: 60, p95: 70 });
  assert.equal(big.commandToPanelMs.p50, 100);
  assert.equal(big.analysisMs.p50, 59);
  assert.deepEqual(big.samplesMs, [50, 70, 60]);
  assert.deepEqual(inspectionSummary([]), { count: 0, byTokens: [] });
});
