// Attention over the memory budget kept compact (3 bytes a value, per layer), against the same analysis
// kept whole as float32: every view's data as the panel's responder sends it (heads, layer means,
// layer heads, rows, overview thumbnails, value-weighted), the head statistics (exact), the header's
// note, CSV, JSON and .npy exports, and the same through the model worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allHeadStats } from '../../src/common/stats';
import type { AttentionSelector, HostToWebview } from '../../src/common/protocol';
import { analysisJson, loadModel, loadModelInWorker, type AnalysisResult } from '../../src/model/index';
import { answerRequest, sendAnalysis, type CurrentAnalysis } from '../../src/panel/responder';
import { storeInternals } from '../../src/panel/internalsResponder';
import { headCsv } from '../../src/panel/analysisData';
import { writeAnalysis } from '../../src/cli/output';
import { testCacheDir, testModelDir } from '../helpers/models';
import { assertShownEqual, compactOpts, compactText } from '../helpers/compactAttention';

const cacheDir = testCacheDir;
const text = compactText;
const opts = compactOpts;
/** 4 layers × 4 heads × 160² floats are 1.6 MB, their codes 0.6 MB (lower triangles): a 1.25 MB budget keeps every layer compact (dropLayers.test.ts drops some). */
const BUDGET_MB = 1.25;

const current = (result: AnalysisResult, id: number): CurrentAnalysis => ({ id, result, source: { fileName: 'x.py', tokenText: () => '?' }, stats: null });

function selectors(r: AnalysisResult): AttentionSelector[] {
  const { nLayers: L, nHeads: H, nTokens: T } = r.shape;
  const out: AttentionSelector[] = [];
  for (let layer = 0; layer < L; layer++) {
    out.push({ kind: 'layerMean', layer }, { kind: 'layerHeads', layer });
    for (let head = 0; head < H; head++) out.push({ kind: 'head', layer, head });
    out.push({ kind: 'row', query: T - 1, matrix: { kind: 'head', layer, head: H - 1 } }, { kind: 'row', query: T >> 1, matrix: { kind: 'layerMean', layer } });
  }
  return out;
}

async function pair(load: typeof loadModel): Promise<{ dense: AnalysisResult; compact: AnalysisResult; dispose: () => Promise<void> }> {
  const model = await load({ name: 'm', path: testModelDir() }, { cacheDir });
  const dense = await model.analyze(text, opts);
  const compact = await model.analyze(text, { ...opts, attentionMemoryMB: BUDGET_MB });
  return { dense, compact, dispose: () => model.dispose() };
}

test('over the budget the attention is kept at 3 bytes a value; within it, whole', async () => {
  const { dense, compact, dispose } = await pair(loadModel);
  const { nLayers: L, nHeads: H, nTokens: T } = dense.shape;
  assert.ok(L * H * T * T * 4 > BUDGET_MB * 2 ** 20, 'the test text is over the budget');
  assert.equal(dense.stored, undefined);
  assert.equal(compact.attention.length, 0);
  assert.equal(compact.stored?.length, L);
  // A causal model's layers: three bytes a value on and below each head's diagonal (above it is exactly zero).
  for (const layer of compact.stored!) assert.ok(layer instanceof Uint8Array && layer.length === (3 * H * T * (T + 1)) / 2, 'three bytes a value of the lower triangles');
  assert.equal(compact.keptLayers, undefined, 'every layer kept');
  const roomy = await (await loadModel({ name: 'm', path: testModelDir() }, { cacheDir })).analyze(text, { ...opts, attentionMemoryMB: 512 });
  assert.equal(roomy.stored, undefined);
  assert.deepEqual(roomy.attention, dense.attention);
  compact.release();
  assert.equal(compact.stored?.every((s) => s !== null && s.length === 0), true, 'release drops the codes');
  await dispose();
});

test('every view the panel sends, and the statistics, match float32 within what the panel shows', async () => {
  const { dense, compact, dispose } = await pair(loadModel);
  const [a, b] = [current(dense, 1), current(compact, 2)];
  for (const selector of selectors(dense)) {
    for (const options of [{ dropSink: false }, { dropSink: true }]) {
      const want = answerRequest({ type: 'requestAttention', analysisId: 1, requestId: 1, selector, options }, a);
      const got = answerRequest({ type: 'requestAttention', analysisId: 2, requestId: 1, selector, options }, b);
      assert.ok(want?.type === 'attention' && got?.type === 'attention');
      assertShownEqual(got.data, want.data, `${JSON.stringify(selector)} ${JSON.stringify(options)}`);
    }
  }
  for (const encoding of ['linear', 'log'] as const) {
    const want = answerRequest({ type: 'requestOverview', analysisId: 1, requestId: 1, size: 48, options: { dropSink: false }, encoding }, a);
    const got = answerRequest({ type: 'requestOverview', analysisId: 2, requestId: 1, size: 48, options: { dropSink: false }, encoding }, b);
    assert.ok(want?.type === 'overview' && got?.type === 'overview');
    const off = want.data.reduce((m, x, i) => Math.max(m, Math.abs(x - got.data[i]!)), 0);
    assert.ok(off <= 1, `overview thumbnails differ by ${off} of 255 levels`);
  }
  // Value-weighted views: the same norms on both.
  const norms = Float32Array.from({ length: dense.shape.nLayers * dense.shape.nHeads * dense.shape.nTokens }, (_, i) => 0.5 + ((i * 7919) % 97) / 50);
  for (const c of [a, b]) storeInternals(c, 'valueNorms', { ids: [], shape: c.result.shape, problems: {}, timings: {}, valueNorms: norms });
  for (const selector of selectors(dense).slice(0, 8)) {
    const options = { dropSink: false, valueWeighted: true };
    const want = answerRequest({ type: 'requestAttention', analysisId: 1, requestId: 1, selector, options }, a);
    const got = answerRequest({ type: 'requestAttention', analysisId: 2, requestId: 1, selector, options }, b);
    assert.ok(want?.type === 'attention' && got?.type === 'attention');
    assertShownEqual(got.data, want.data, `value-weighted ${JSON.stringify(selector)}`);
  }
  // Statistics: computed from the exact values before compacting, so equal to float32's.
  const ids = dense.tokens.map((t) => t.id);
  assert.deepEqual(compact.headStats, allHeadStats(dense.attention, dense.shape.nLayers, dense.shape.nHeads, dense.shape.nTokens, ids, true));
  const sent: HostToWebview[] = [];
  sendAnalysis(b, (m) => sent.push(m), () => true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const header = sent.find((m) => m.type === 'analysis');
  assert.ok(header?.type === 'analysis' && /kept compact \(24 bits per weight, the causal zeros above each diagonal left out, \d+ MB instead of \d+ MB/.test(header.header.attentionNote ?? ''), 'the panel says the attention is compact');
  assert.deepEqual(sent.find((m) => m.type === 'headStats'), { type: 'headStats', analysisId: 2, data: compact.headStats });
  // CSV export.
  // The last T fields of each row are the numbers (the quoted token label before them may hold commas).
  const csv = (r: AnalysisResult) => headCsv(r, { kind: 'head', layer: 1, head: 2 }).trim().split('\n').slice(1).flatMap((line) => line.split(',').slice(-r.shape.nTokens).map(Number));
  assertShownEqual(csv(compact), csv(dense), 'CSV');
  await dispose();
});

test('JSON and .npy exports of a compact analysis hold the attention within what the panel shows', async () => {
  const { dense, compact, dispose } = await pair(loadModel);
  const data = (r: AnalysisResult) => (JSON.parse(analysisJson(r)) as { attention: { shape: number[]; data: number[] } }).attention;
  assert.deepEqual(data(compact).shape, data(dense).shape);
  assertShownEqual(data(compact).data, data(dense).data, 'JSON');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'attention-lens-compact-')), 'a.npy');
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write; // the JSON goes nowhere here
  try {
    assert.equal(await writeAnalysis(compact, {}, { path: file, dtype: 'float32' }), null);
  } finally {
    process.stdout.write = write;
  }
  const bytes = readFileSync(file);
  const header = 10 + bytes.readUInt16LE(8);
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset + header, bytes.byteOffset + bytes.length));
  assertShownEqual(values, dense.attention, '.npy');
  await dispose();
});

test('through the model worker the codes cross by transfer and read the same', async () => {
  const local = await pair(loadModel);
  const worker = await pair(loadModelInWorker);
  assert.deepEqual(worker.compact.stored, local.compact.stored);
  assert.deepEqual(worker.compact.headStats, local.compact.headStats);
  worker.compact.release();
  await worker.dispose();
  await local.dispose();
});
