// The heads-off commands on the host side, against the recording vscode stand-in and a stand-in
// model: the quick pick lists every head with its labels and ticks those off, the panel's toggle
// reaches the state, and a switch analyses the panel's text again, keeping its view and source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import path from 'node:path';
import type { AnalysisResult, HeadRef, LoadedModel } from '../../../src/model';

const fakePath = path.join(__dirname, '..', 'panel', 'fakeVscode.ts');
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return resolve.call(this, request === 'vscode' ? fakePath : request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require(fakePath) as typeof import('../panel/fakeVscode') & Record<string, unknown>;
/** What the person ticks in the quick pick: a function of the rows offered. */
let answerPick: (items: { label: string; description?: string; picked?: boolean }[]) => unknown = () => undefined;
const offered: { label: string; description?: string; picked?: boolean }[][] = [];
Object.assign(vscode.window, {
  showQuickPick: async (items: { label: string }[]) => { offered.push(items); return answerPick(items); },
  setStatusBarMessage: () => ({ dispose() {} }),
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pickHeadsOff, toggleHeadOff, rerunShownAnalysis, switchAllHeadsOn } = require('../../../src/commands/headsOff') as typeof import('../../../src/commands/headsOff');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { HeadsOff } = require('../../../src/services/headsOff') as typeof import('../../../src/services/headsOff');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AttentionPanel } = require('../../../src/panel/attentionPanel') as typeof import('../../../src/panel/attentionPanel');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LatestWins } = require('../../../src/base/latestWins') as typeof import('../../../src/base/latestWins');

const TEXT = 'abcdefgh';
const T = TEXT.length, L = 1, H = 2;

/**
 * One layer, two heads: head 0 puts all of each row on the token before (a previous-token head),
 * head 1 all of it on the first token (a sink). Token logprobs say which heads were off.
 */
function analysis(off: HeadRef[]): AnalysisResult {
  const attention = new Float32Array(L * H * T * T); // [L, H, Q, K]
  for (let q = 0; q < T; q++) {
    attention[(0 * T + q) * T + Math.max(0, q - 1)] = 1;
    attention[(1 * T + q) * T + 0] = 1;
  }
  return {
    model: { name: 'm', path: '/m', kind: 'decoder', modelType: 'gpt2', nLayers: L, nHeads: H, contextLength: 64, vocabSize: 64 },
    text: TEXT,
    tokens: [...TEXT].map((c, i) => ({ id: i, text: c, display: c, start: i, end: i + 1, logprob: i ? -1 - off.length : null, rank: i ? 1 : null, special: false })),
    shape: { nLayers: L, nHeads: H, nTokens: T },
    attention,
    topK: { k: 1, ids: new Int32Array(T), probs: new Float32Array(T).fill(0.5) },
    next: [{ id: 0, token: 'a', prob: 0.5 }],
    truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
    ...(off.length ? { headsOff: off } : {}),
    release: () => undefined,
  };
}

function setup() {
  const analyses: { text: string; maxTokens: number }[] = [];
  let off: HeadRef[] = [];
  const model = {
    info: analysis([]).model,
    async setHeadsOff(heads: HeadRef[]) { off = heads; },
    async analyze(text: string, opts: { maxTokens: number }) { analyses.push({ text, maxTokens: opts.maxTokens }); return analysis(off); },
    tokenText: (id: number) => `w${id}`,
  } as unknown as LoadedModel;
  const models = { run: <R>(fn: (m: LoadedModel) => Promise<R>) => fn(model), peek: () => model };
  const headsOff = new HeadsOff(models);
  const deps = { headsOff, models, settings: () => ({ topK: 1, maxTokens: 512 }) as never, latest: new LatestWins() };
  return { deps, analyses, model };
}

test('the quick pick lists every head with its labels, ticks those off, and switches exactly the ticked ones', async () => {
  const { deps } = setup();
  const host = { extensionUri: vscode.Uri.file('/ext') as never, predictMasked: async () => ({ original: '', next: [], entropy: 0 }) };
  const panel = AttentionPanel.show(host);
  panel.showAnalysis(analysis([]), { fileName: '/ws/a.txt', tokenText: (id) => `w${id}` });
  await deps.headsOff.toggle(0, 1);
  answerPick = (items) => items.filter((x) => x.label === 'L0.H0');
  assert.deepEqual(await pickHeadsOff(deps), [{ layer: 0, head: 0 }]);
  assert.deepEqual(offered.at(-1)!.map((x) => [x.label, x.description, x.picked]), [['L0.H0', 'previous-token', false], ['L0.H1', 'sink', true]]);
  assert.deepEqual(deps.headsOff.current, [{ layer: 0, head: 0 }], 'L0.H1 went back on, L0.H0 off');
  answerPick = () => undefined; // dismissed: nothing changes
  assert.equal(await pickHeadsOff(deps), undefined);
  assert.deepEqual(deps.headsOff.current, [{ layer: 0, head: 0 }]);
  await switchAllHeadsOn(deps);
  assert.deepEqual(deps.headsOff.current, []);
  panel.dispose();
  answerPick = () => [];
  await pickHeadsOff(deps);
  assert.deepEqual(offered.at(-1)!.map((x) => [x.label, x.description]), [['L0.H0', ''], ['L0.H1', '']], 'no analysis shown: heads without labels');
});

test('the panel’s toggle reaches the state; a call without a head says where to use it', async () => {
  const { deps } = setup();
  const toggles: unknown[] = [];
  const host = {
    extensionUri: vscode.Uri.file('/ext') as never, predictMasked: async () => ({ original: '', next: [], entropy: 0 }),
    headsOff: (m: unknown) => void toggles.push(m),
  };
  AttentionPanel.show(host);
  const p = vscode.recorded.panels.at(-1)!;
  p.fromWebview({ type: 'ready' });
  p.fromWebview({ type: 'headsOff', action: 'toggle', layer: 0, head: 1 });
  p.fromWebview({ type: 'headsOff', action: 'allOn' });
  assert.deepEqual(toggles, [{ type: 'headsOff', action: 'toggle', layer: 0, head: 1 }, { type: 'headsOff', action: 'allOn' }]);
  AttentionPanel.current()?.dispose();

  assert.deepEqual(await toggleHeadOff(deps, { webview: 'attentionLens.panel', layer: 0, head: 1 }), [{ layer: 0, head: 1 }], 'the context menu passes the head');
  assert.deepEqual(await toggleHeadOff(deps, { layer: 0, head: 1 }), []);
  const hint = vscode.nextMessage(/Switch Head Off \/ On works on a head/);
  assert.equal(await toggleHeadOff(deps, undefined), undefined);
  await hint;
  assert.deepEqual(deps.headsOff.current, []);
});

test('a switch analyses the panel’s text again with the same model and tokens, keeping its source', async () => {
  const { deps, analyses } = setup();
  const host = { extensionUri: vscode.Uri.file('/ext') as never, predictMasked: async () => ({ original: '', next: [], entropy: 0 }) };
  const panel = AttentionPanel.show(host);
  const p = vscode.recorded.panels.at(-1)!;
  p.fromWebview({ type: 'ready' });
  const first = panel.showAnalysis(analysis([]), { fileName: '/ws/notes.txt', tokenText: (id) => `w${id}` });
  await deps.headsOff.toggle(0, 0);
  const id = await rerunShownAnalysis(deps);
  assert.ok(id !== undefined && id > first);
  assert.deepEqual(analyses, [{ text: TEXT, maxTokens: T }], 'the same text, at most the tokens it had');
  const header = p.posted.filter((m) => m.type === 'analysis').at(-1)!.header;
  assert.equal(header.analysisId, id);
  assert.deepEqual(header.headsOff, [{ layer: 0, head: 0 }], 'the panel is told which heads were off');
  assert.equal(header.source.fileName, '/ws/notes.txt');
  assert.equal(header.tokens[1].logprob, -2, 'the new numbers');
  assert.ok(p.posted.some((m) => m.type === 'status' && /with L0\.H0 switched off/.test(m.message)), 'it says what it is doing');

  // Another model in use: the analysis shown stays as its model made it.
  const other = { ...deps, models: { run: deps.models.run, peek: () => ({ info: { path: '/other' } }) as LoadedModel } };
  assert.equal(await rerunShownAnalysis(other), undefined);
  assert.equal(analyses.length, 1);
  panel.dispose();
  assert.equal(await rerunShownAnalysis(deps), undefined, 'no panel: nothing to run');
});
