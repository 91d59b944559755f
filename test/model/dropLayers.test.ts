// Layers dropped beyond the memory budget (only 1 of the test model's 4 coded layers fits) and
// recomputed when read, against the same analysis kept whole as float32: every layer, the panel's
// answers and their note, value-weighted statistics, exports, heads off, overlapping reads sharing
// one recompute, a second analysis discarding a stale recompute, and the same through the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allHeadStats } from '../../src/common/stats';
import { valueWeighted } from '../../src/common/internals';
import { overviewBytes } from '../../src/common/slices';
import type { HostToWebview, WebviewToHost } from '../../src/common/protocol';
import { analysisJson, attentionLayers, fetchLayers, loadModel, loadModelInWorker, missingLayers, writeAnalysisJson, type AnalysisResult } from '../../src/model/index';
import { InternalsJobs, storeInternals } from '../../src/panel/internalsResponder';
import { answerPanelRequest } from '../../src/panel/layerAnswers';
import { sendAnalysis, type CurrentAnalysis } from '../../src/panel/responder';
import { testCacheDir as cacheDir, testModelDir } from '../helpers/models';
import { assertShownEqual, compactOpts, compactText } from '../helpers/compactAttention';

const text = compactText;
const opts = compactOpts;
/** One causal layer's codes are 4 heads × (160·161/2) × 3 B = 0.15 MB: a 0.2 MB budget holds one layer of four. */
const BUDGET_MB = 0.2;

const layerOf = (dense: AnalysisResult, l: number) => attentionLayers(dense).layer(l);
const resident = (r: AnalysisResult) => r.stored!.filter((x) => x !== null).length;

/** Counts the recomputes an analysis asks its model for. */
function counted(r: AnalysisResult): { calls: number[][] } {
  const seen = { calls: [] as number[][] };
  const recompute = r.recompute!;
  r.recompute = (layers) => { seen.calls.push([...layers]); return recompute(layers); };
  return seen;
}

/** A panel stand-in: what answerPanelRequest posts, and whether the analysis is still shown. */
function panel(a: CurrentAnalysis) {
  const posted: HostToWebview[] = [];
  const state = { shown: a as CurrentAnalysis | null };
  const deps = { jobs: new InternalsJobs(), post: (m: HostToWebview) => void posted.push(m), isShown: (x: CurrentAnalysis) => state.shown === x, dataSent: () => undefined };
  return { posted, state, ask: (m: Extract<WebviewToHost, { type: 'requestAttention' | 'requestOverview' | 'requestInternals' }>) => answerPanelRequest(m, a, deps) };
}

const headRequest = (analysisId: number, layer: number, head: number, requestId = 1) =>
  ({ type: 'requestAttention' as const, analysisId, requestId, selector: { kind: 'head' as const, layer, head }, options: { dropSink: false } });

test('over what even the codes fit, one layer is kept; every layer read after a recompute matches float32', async () => {
  const model = await loadModel({ name: 'm', path: testModelDir() }, { cacheDir });
  try {
    const dense = await model.analyze(text, opts);
    const dropped = await model.analyze(text, { ...opts, attentionMemoryMB: BUDGET_MB });
    const { nLayers: L, nHeads: H, nTokens: T } = dense.shape;
    assert.equal(T, 160);
    assert.equal(dropped.keptLayers, 1);
    assert.ok(dropped.stored![0] instanceof Uint8Array && dropped.stored!.slice(1).every((x) => x === null), 'layer 0 kept, 1..3 dropped');
    const ids = dense.tokens.map((t) => t.id);
    assert.deepEqual(dropped.headStats, allHeadStats(dense.attention, L, H, T, ids, true), 'statistics of every layer from the exact values');
    const seen = counted(dropped);
    for (const l of [2, 0, 3, 1, 1]) {
      const f = await fetchLayers(dropped, [l]);
      assertShownEqual(attentionLayers(dropped).layer(l), layerOf(dense, l), `layer ${l}`);
      assert.equal(resident(dropped), 1, 'never more than the budget holds');
      assert.deepEqual(missingLayers(dropped, [l]), []);
      assert.ok(f.recomputed.length <= 1);
    }
    assert.deepEqual(seen.calls, [[2], [0], [3], [1]], 'a kept layer is read without a recompute');
    // Two readers of one dropped layer share its recompute.
    const [a, b] = await Promise.all([fetchLayers(dropped, [2]), fetchLayers(dropped, [2])]);
    assert.deepEqual(seen.calls.slice(4), [[2]]);
    assert.deepEqual([a.recomputed, b.recomputed], [[2], [2]]);
    assert.throws(() => attentionLayers(dropped).layer(0), /not kept/, 'a dropped layer is never read as something else');
    // Exports read every layer, recomputing one at a time; the synchronous pieces refuse with a reason.
    let json = '';
    await writeAnalysisJson(dropped, (p) => void (json += p));
    const data = (s: string) => (JSON.parse(s) as { attention: { data: number[] } }).attention.data;
    assertShownEqual(data(json), data(analysisJson(dense)), 'JSON export');
    assert.equal(resident(dropped), 1);
    assert.deepEqual(seen.calls.slice(5), [[0], [1], [2], [3]], 'the export recomputed each layer (layer 2, held before, gave way to layer 0), one at a time');
    assert.throws(() => analysisJson(dropped), /dropped over the memory budget/);
    dropped.release();
    await fetchLayers(dropped, [1]);
    assert.equal(seen.calls.length, 9, 'a released analysis recomputes nothing');
    assert.throws(() => attentionLayers(dropped).layer(1), /does not match/, 'and its layers read as nothing');
  } finally {
    await model.dispose();
  }
});

test('the panel waits for a dropped layer, says it was recomputed, and sends the float32 views', async () => {
  const model = await loadModel({ name: 'm', path: testModelDir() }, { cacheDir });
  try {
    const dense = await model.analyze(text, opts);
    const dropped = await model.analyze(text, { ...opts, attentionMemoryMB: BUDGET_MB });
    const a: CurrentAnalysis = { id: 5, result: dropped, source: { fileName: 'x.py', tokenText: () => '?' }, stats: null };
    const header: HostToWebview[] = [];
    sendAnalysis(a, (m) => header.push(m), () => true);
    const note = header[0]!.type === 'analysis' ? header[0]!.header.attentionNote ?? '' : '';
    assert.match(note, /1 of 4 layers kept compact/);
    assert.match(note, /recomputed when a view shows them/);

    const p = panel(a);
    await p.ask(headRequest(5, 0, 1));
    assert.deepEqual(p.posted.map((m) => m.type), ['attention'], 'a kept layer: no note');
    await p.ask(headRequest(5, 3, 2));
    assert.deepEqual(p.posted.slice(1).map((m) => m.type), ['recomputed', 'attention']);
    const said = p.posted[1]!, sent = p.posted[2]!;
    assert.ok(said.type === 'recomputed' && /^Layer 3 recomputed in \d+\.\d s \(not kept: over attentionLens\.attentionMemoryMB\)\.$/.test(said.message), JSON.stringify(said));
    assert.ok(sent.type === 'attention');
    const T = dense.shape.nTokens;
    assertShownEqual(sent.data, layerOf(dense, 3).subarray(2 * T * T, 3 * T * T), 'head L3.H2');

    // The overview reads every layer: the kept one first, the others recomputed one at a time.
    p.posted.length = 0;
    await p.ask({ type: 'requestOverview', analysisId: 5, requestId: 2, size: 48, options: { dropSink: true }, encoding: 'log' });
    const [overNote, over] = p.posted;
    assert.ok(overNote?.type === 'recomputed' && /^Layers 0–2 recomputed/.test(overNote.message), JSON.stringify(overNote));
    const want = overviewBytes(dense.attention, dense.shape, 48, { dropSink: true }, 'log');
    assert.ok(over?.type === 'overview' && over.size === want.size);
    assert.ok(over.data.every((x, i) => Math.abs(x - want.data[i]!) <= 1), 'overview thumbnails within one level');

    // Value-weighted statistics (the stats view's internals request) read every layer too.
    const { nLayers: L, nHeads: H } = dense.shape;
    const norms = Float32Array.from({ length: L * H * T }, (_, i) => 0.5 + ((i * 7919) % 97) / 50);
    storeInternals(a, 'valueNorms', { ids: [], shape: dense.shape, problems: {}, timings: {}, valueNorms: norms });
    p.posted.length = 0;
    await p.ask({ type: 'requestInternals', analysisId: 5, view: 'valueNorms' });
    const stats = p.posted.find((m) => m.type === 'headStats');
    const exact = allHeadStats(valueWeighted(dense.attention, dense.shape, norms), L, H, T, dense.tokens.map((t) => t.id), true);
    assert.ok(stats?.type === 'headStats' && stats.weights === 'valueWeighted');
    stats.data.forEach((x, i) => assert.ok(Math.abs(x - exact[i]!) <= 1e-3 * Math.max(1, Math.abs(exact[i]!)), `value-weighted statistic ${i}: ${x} for ${exact[i]}`));
    assert.equal(resident(dropped), 1);
  } finally {
    await model.dispose();
  }
});

test('a second analysis while a recompute runs: the stale recompute is discarded, nothing of it is sent', async () => {
  const model = await loadModelInWorker({ name: 'm', path: testModelDir() }, { cacheDir });
  try {
    const first = await model.analyze(text, { ...opts, attentionMemoryMB: BUDGET_MB });
    const a: CurrentAnalysis = { id: 8, result: first, source: { fileName: 'x.py', tokenText: () => '?' }, stats: null };
    const p = panel(a);
    const asked = p.ask(headRequest(8, 2, 0));
    // The panel shows a new analysis: it stops showing the old one and releases it (attentionPanel.setShown).
    const second = model.analyze(text.slice(0, 200), { ...opts, attentionMemoryMB: BUDGET_MB });
    p.state.shown = null;
    first.release();
    await asked;
    assert.deepEqual(p.posted, [], 'no note and no data for the replaced analysis');
    assert.ok(first.stored!.every((x) => x !== null && x.length === 0), 'its layers stay released');
    const next = await second;
    assert.ok(next.stored, 'the new analysis is kept compact as its own budget says');
    assert.ok(next.stored.some((x) => x !== null && x.length > 0), 'with its own layers');
    next.release();
  } finally {
    await model.dispose();
  }
});

test('heads off: a dropped layer is recomputed with the analysis\'s heads off, through the worker', async () => {
  const model = await loadModelInWorker({ name: 'm', path: testModelDir() }, { cacheDir });
  try {
    await model.setHeadsOff([{ layer: 0, head: 1 }]);
    const dense = await model.analyze(text, opts);
    const dropped = await model.analyze(text, { ...opts, attentionMemoryMB: BUDGET_MB });
    await model.setHeadsOff([]);
    const plain = await model.analyze(text, opts);
    for (const l of [3, 1]) {
      const f = await fetchLayers(dropped, [l]);
      assert.deepEqual(f.recomputed, [l]);
      assertShownEqual(attentionLayers(dropped).layer(l), layerOf(dense, l), `layer ${l} with L0.H1 off`);
    }
    const differs = layerOf(plain, 3).some((x, i) => Math.abs(x - layerOf(dense, 3)[i]!) > 1e-3);
    assert.ok(differs, 'switching the head off changes layer 3 (so the check above means something)');
    for (const r of [dense, dropped, plain]) r.release();
  } finally {
    await model.dispose();
  }
});
