// The host side of the panel against a recording stand-in for the vscode API: creation options,
// CSP, waiting for `ready`, slicing answers, stale requests, resending after hide, serializer, exports.
// Each test opens its own panel; nothing waits on a clock (messages and saves are awaited as events).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import path from 'node:path';
import type { AnalysisResult } from '../../../src/model/types';
import { HEAD_STAT_NAMES } from '../../../src/common/stats';

// Load the fake in place of 'vscode' (tsx runs these files as CommonJS).
const fakePath = path.join(__dirname, 'fakeVscode.ts');
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return resolve.call(this, request === 'vscode' ? fakePath : request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require('./fakeVscode') as typeof import('./fakeVscode');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AttentionPanel } = require('../../../src/panel/attentionPanel') as typeof import('../../../src/panel/attentionPanel');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { saveExport } = require('../../../src/panel/exports') as typeof import('../../../src/panel/exports');

const host = { extensionUri: vscode.Uri.file('/ext') as never, predictMasked: async () => ({ original: '', next: [], entropy: 0 }) };
const source = (fileName: string) => ({ fileName, tokenText: (id: number) => `#${id}` });
const T = 3;

function result(): AnalysisResult {
  const attention = new Float32Array(2 * 2 * T * T);
  for (let x = 0; x < 4; x++) for (let q = 0; q < T; q++) attention[x * T * T + q * T] = 1; // all sink
  return {
    model: { name: 'm', path: '/m', kind: 'decoder', modelType: 'gpt2', nLayers: 2, nHeads: 2, contextLength: 16, vocabSize: 9 },
    text: 'abc',
    tokens: [0, 1, 2].map((i) => ({ id: i, text: 'abc'[i], display: 'abc'[i], start: i, end: i + 1, logprob: i ? -1 : null, rank: i ? 1 : null, special: false })),
    shape: { nLayers: 2, nHeads: 2, nTokens: T },
    attention,
    topK: { k: 1, ids: new Int32Array([1, 2, 5]), probs: new Float32Array([0.5, 0.5, 0.9]) },
    next: [{ id: 5, token: 'z', prob: 0.9 }],
    truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
    release: () => undefined,
  };
}

const lastPanel = () => vscode.recorded.panels.at(-1)!;
const types = (p = lastPanel()) => p.posted.map((m) => m.type);

/** A new panel (any open one is closed first), before its webview said `ready`. */
function fresh() {
  AttentionPanel.current()?.dispose();
  const panel = AttentionPanel.show(host);
  return { panel, p: lastPanel() };
}

/** A new panel showing result() to a ready webview, its header and statistics delivered; `posted` emptied. */
async function showing() {
  const { panel, p } = fresh();
  const id = panel.showAnalysis(result(), source('/ws/a.ts'));
  p.fromWebview({ type: 'ready' });
  await p.nextPosted('headStats', true);
  p.posted.length = 0;
  return { panel, p, id };
}

test('one panel beside the editor, scripts on, resources limited, not retained when hidden', () => {
  AttentionPanel.current()?.dispose();
  const before = vscode.recorded.panels.length;
  const a = AttentionPanel.show(host);
  const p = lastPanel();
  assert.equal(p.viewType, 'attentionLens.panel');
  assert.deepEqual(p.showOptions, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
  assert.equal(p.options.enableScripts, true);
  assert.equal(p.options.retainContextWhenHidden, undefined);
  assert.deepEqual(p.options.localResourceRoots.map(String), ['file:///ext/dist', 'file:///ext/media']);
  assert.equal(AttentionPanel.show(host), a, 'the same panel again');
  assert.equal(vscode.recorded.panels.length, before + 1);
  assert.deepEqual(p.revealed, [[undefined, true]]);
  assert.equal(AttentionPanel.current(), a);
});

test('strict CSP with a fresh nonce on the script', () => {
  const html = fresh().p.webview.html;
  const nonce = /script-src 'nonce-([0-9a-f]{32})'/.exec(html)![1];
  assert.match(html, /default-src 'none'/);
  assert.ok(html.includes(`<script nonce="${nonce}" src="file:///ext/dist/webview.js">`));
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
});

test('nothing is sent before ready; then the header, and the statistics after it has gone; never the tensor', async () => {
  const { panel, p } = fresh();
  const id = panel.showAnalysis(result(), source('/ws/a.ts'));
  assert.equal(p.posted.length, 0);
  assert.equal(p.title, 'Attention Lens: a.ts');
  const stats = p.nextPosted('headStats');
  p.fromWebview({ type: 'ready' });
  assert.deepEqual(types(p), ['analysis'], 'the header first: the heatmap does not wait for the statistics');
  await stats;
  assert.deepEqual(types(p), ['analysis', 'headStats']);
  // The compression table and reach's state wait for the first view's data to go out (reach here:
  // unavailable, as this analysis came without a way to run it).
  p.fromWebview({ type: 'requestAttention', analysisId: id, requestId: 1, selector: { kind: 'head', layer: 0, head: 0 }, options: { dropSink: false } });
  assert.deepEqual(types(p), ['analysis', 'headStats', 'attention']);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(types(p), ['analysis', 'headStats', 'attention', 'baselines', 'reach']);
  assert.equal(p.posted[4].state, 'unavailable');
  const header = p.posted[0].header;
  assert.equal(header.analysisId, id);
  assert.equal(header.attention, undefined);
  assert.deepEqual(header.topK.vocab, { 0: 'a', 1: 'b', 2: 'c', 5: 'z' });
  assert.equal(p.posted[1].data.length, 2 * 2 * HEAD_STAT_NAMES.length);
});

test('requests are answered with one slice; stale and bad ones are not', async () => {
  const { p, id } = await showing();
  p.fromWebview({ type: 'requestAttention', analysisId: id, requestId: 7, selector: { kind: 'head', layer: 1, head: 1 }, options: { dropSink: false } });
  p.fromWebview({ type: 'requestAttention', analysisId: id - 1, requestId: 8, selector: { kind: 'head', layer: 0, head: 0 }, options: { dropSink: false } });
  p.fromWebview({ type: 'requestAttention', analysisId: id, requestId: 9, selector: { kind: 'head', layer: 5, head: 0 }, options: { dropSink: false } });
  p.fromWebview({ type: 'requestOverview', analysisId: id, requestId: 10, size: 48, options: { dropSink: false }, encoding: 'linear' });
  assert.deepEqual(types(p), ['attention', 'error', 'overview']);
  assert.equal(p.posted[0].requestId, 7);
  assert.deepEqual([...p.posted[0].data], [1, 0, 0, 1, 0, 0, 1, 0, 0]);
  assert.match(p.posted[1].message, /layer 5/);
  assert.equal(p.posted[2].size, T);
  assert.equal(p.posted[2].data.length, 2 * 3 * T * T);
});

test('hover and reveal become events only for valid tokens of the current analysis', async () => {
  const { panel, p, id } = await showing();
  const hovers: unknown[] = [], reveals: unknown[] = [];
  panel.onDidHoverToken((e) => hovers.push(e.index));
  panel.onDidRevealToken((e) => reveals.push(e.index));
  p.fromWebview({ type: 'hoverToken', analysisId: id, index: 2 });
  p.fromWebview({ type: 'hoverToken', analysisId: id, index: null });
  p.fromWebview({ type: 'hoverToken', analysisId: id, index: 3 });
  p.fromWebview({ type: 'revealToken', analysisId: id, index: 1 });
  p.fromWebview({ type: 'revealToken', analysisId: id + 1, index: 1 });
  assert.deepEqual(hovers, [2, null]);
  assert.deepEqual(reveals, [1]);
});

test('a hidden webview loses messages; on ready again it gets everything back', async () => {
  const { panel, p } = await showing();
  p.setVisible(false);
  panel.selectQuery(2);
  panel.selectQuery(9); // out of range: ignored
  panel.showProbe({ nTokens: 4, entropy: 1, temperature: 1, next: [{ token: 'q', prob: 1 }], cached: false });
  assert.equal(p.posted.length, 0);
  p.setVisible(true);
  p.fromWebview({ type: 'ready' });
  assert.deepEqual(types(p), ['analysis', 'headStats', 'selectQuery', 'probe']);
  assert.equal(p.posted[2].query, 2);
});

test('exports: PNG bytes from the data URL, CSV of one head; a cancelled dialog writes nothing', async () => {
  const { p, id } = await showing();
  const before = vscode.recorded.written.length;
  vscode.recorded.saveDialog = vscode.Uri.file('/ws/out.png');
  const saved = vscode.nextMessage(/^info: Attention Lens: saved/);
  p.fromWebview({ type: 'export', format: 'png', dataUrl: 'data:image/png;base64,iVBORw0K', suggestedName: 'attention-L0-H0.png' });
  await saved; // through the panel, as the webview asks
  const current = { id, result: result() };
  vscode.recorded.saveDialog = vscode.Uri.file('/ws/out.csv');
  await saveExport({ type: 'export', format: 'csv', analysisId: id, selector: { kind: 'head', layer: 0, head: 0 } }, current);
  vscode.recorded.saveDialog = null;
  await saveExport({ type: 'export', format: 'json', analysisId: id, selector: null }, current);
  const w = vscode.recorded.written.slice(before);
  assert.equal(w.length, 2);
  assert.deepEqual([...w[0].bytes], [...Buffer.from('iVBORw0K', 'base64')]);
  assert.equal(new TextDecoder().decode(w[1].bytes).split('\n')[2], '"1:b",1,0,0');
});

test('a result the panel stops showing is released once; the one shown is not', () => {
  const { panel, p } = fresh();
  const released: string[] = [];
  const tracked = (name: string): AnalysisResult => ({ ...result(), release: () => released.push(name) });
  const a = tracked('a');
  const b = tracked('b');
  panel.showAnalysis(a, source('a.py'));
  panel.showAnalysis(a, source('a.py')); // shown again: still read
  assert.deepEqual(released, []);
  panel.showLoading('next');
  assert.deepEqual(released, ['a'], 'loading the next analysis frees the shown one first');
  panel.showAnalysis(b, source('b.py'));
  panel.showError('failed');
  assert.deepEqual(released, ['a', 'b']);
  const c = tracked('c');
  panel.showAnalysis(c, source('c.py'));
  p.dispose();
  assert.deepEqual(released, ['a', 'b', 'c'], 'closing the panel frees what it showed');
});

test('dispose fires onDidDispose; the serializer revives a panel that says what to do', () => {
  const { panel, p } = fresh();
  let disposed = 0;
  panel.onDidDispose(() => disposed++);
  p.dispose();
  assert.equal(disposed, 1);
  assert.equal(AttentionPanel.current(), undefined);

  const reg = AttentionPanel.registerSerializer(host);
  const s = vscode.recorded.serializers.at(-1)!;
  assert.equal(s.viewType, 'attentionLens.panel');
  const revived = new vscode.FakeWebviewPanel('attentionLens.panel', 'Attention Lens', {}, {});
  void s.serializer.deserializeWebviewPanel(revived, { view: 'kernel' });
  assert.ok(AttentionPanel.current());
  assert.match(revived.webview.html, /nonce-/);
  assert.deepEqual(revived.webview.options.localResourceRoots.map(String), ['file:///ext/dist', 'file:///ext/media']);
  revived.fromWebview({ type: 'ready' });
  assert.equal(revived.posted[0].type, 'empty');
  assert.match(revived.posted[0].message, /reloaded/);
  reg.dispose();
});
