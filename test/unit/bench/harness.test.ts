// Pieces of the benchmark harness that must be right for its figures to mean anything.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { matmulModel } from '../../../bench/matmul';
import { messageBytes } from '../../../bench/section-bytes';
import { parseTorchBench } from '../../../bench/section-torch';
import { quantile, summarize } from '../../../bench/stats';
import { consoleTable, markdownTable, Report } from '../../../bench/report';

test('the GEMM graph the throughput is measured with computes A·B', async () => {
  const A = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2, 3]
  const B = Float32Array.from([7, 8, 9, 10, 11, 12]); // [3, 2]
  const s = await ort.InferenceSession.create(matmulModel(2, 3, 2));
  const out = await s.run({ A: new ort.Tensor('float32', A, [2, 3]), B: new ort.Tensor('float32', B, [3, 2]) });
  assert.deepEqual(Array.from(out.C.data as Float32Array), [58, 64, 139, 154]);
});

test('quantiles interpolate between order statistics', () => {
  assert.equal(quantile([5, 1, 3], 0.5), 3);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.ok(Math.abs(quantile(Array.from({ length: 101 }, (_, i) => i), 0.95) - 95) < 1e-9);
  const s = summarize([4, 1, 3, 2]);
  assert.deepEqual([s.n, s.min, s.mean], [4, 1, 2.5]);
});

test('typed arrays count as binary, the rest as JSON text', () => {
  const data = new Float32Array(100);
  const bytes = messageBytes({ type: 'headStats', analysisId: 7, data });
  assert.equal(bytes, 400 + JSON.stringify({ type: 'headStats', analysisId: 7, data: null }).length);
});

test("the reference's --bench output is read as JSON or text", () => {
  assert.equal(parseTorchBench('loading\n{"median_ms": 12.5, "tokens": 512}\n').medianMs, 12.5);
  assert.equal(parseTorchBench('tokens 512 median 250.25 ms over 10').medianMs, 250.25);
  assert.equal(parseTorchBench('median_ms 31.250\n').medianMs, 31.25); // what training.reference prints
  assert.throws(() => parseTorchBench('nothing here'), /cannot read a time/);
});

test('a missed bar prints FAIL and an unmeasured one says so', () => {
  const r = new Report();
  r.add({ section: 's', name: 'fast', value: 10, unit: 'ms', key: 'a', bar: { max: 16, source: 'x' } });
  r.add({ section: 's', name: 'slow', value: 20, unit: 'ms', key: 'b', bar: { max: 16, source: 'x' } });
  r.add({ section: 's', name: 'gone', value: null, unit: 'ms', key: 'c', bar: { max: 16, source: 'x' }, note: 'why | not' });
  const table = consoleTable(r);
  assert.match(table, /fast .*PASS/);
  assert.match(table, /slow .*FAIL/);
  assert.match(table, /gone .*NOT MEASURED .*why \| not/);
  assert.match(markdownTable(r), /why \\\| not/);
  assert.deepEqual(r.metrics(), { a: 10, b: 20, c: null });
});
