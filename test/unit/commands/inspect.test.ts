// Inspect Selection end to end on the host side, against the recording vscode stand-in and a
// stand-in model: the panel is shown once, and the top-k after every token names the candidates
// the selection does not hold with the model's own token text (it used to show them as #id).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import path from 'node:path';
import type { AnalysisResult, LoadedModel } from '../../../src/model';

const fakePath = path.join(__dirname, '..', 'panel', 'fakeVscode.ts');
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return resolve.call(this, request === 'vscode' ? fakePath : request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require(fakePath) as typeof import('../panel/fakeVscode') & Record<string, unknown>;

// An editor with 'abc' selected in a file, as the command reads it.
const TEXT = 'abc';
const editor = {
  document: { fileName: '/ws/notes.txt', getText: () => TEXT, offsetAt: () => 0 },
  selection: { isEmpty: false, start: { line: 0, character: 0 } },
};
Object.assign(vscode.window, { activeTextEditor: editor, visibleTextEditors: [editor] });
Object.assign(vscode.workspace, { onDidChangeTextDocument: () => ({ dispose() {} }) });

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { inspectSelection } = require('../../../src/commands/inspect') as typeof import('../../../src/commands/inspect');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AttentionPanel } = require('../../../src/panel/attentionPanel') as typeof import('../../../src/panel/attentionPanel');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LatestWins } = require('../../../src/base/latestWins') as typeof import('../../../src/base/latestWins');

const T = 3;

/** Top-2 after each token: the next token of the text, and id 40 + t, which the text never holds. */
function analysis(): AnalysisResult {
  const ids = new Int32Array([1, 40, 2, 41, 7, 42]); // [T, k]
  return {
    model: { name: 'm', path: '/m', kind: 'decoder', modelType: 'gpt2', nLayers: 1, nHeads: 1, contextLength: 16, vocabSize: 64 },
    text: TEXT,
    tokens: [0, 1, 2].map((i) => ({ id: i, text: TEXT[i]!, display: TEXT[i]!, start: i, end: i + 1, logprob: i ? -1 : null, rank: i ? 1 : null, special: false })),
    shape: { nLayers: 1, nHeads: 1, nTokens: T },
    attention: new Float32Array(T * T).fill(1 / T),
    topK: { k: 2, ids, probs: new Float32Array([0.6, 0.4, 0.6, 0.4, 0.6, 0.4]) },
    next: [{ id: 7, token: 'z', prob: 0.6 }, { id: 42, token: 'w42', prob: 0.4 }],
    truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
    release: () => undefined,
  };
}

const model = { analyze: async () => analysis(), tokenText: (id: number) => `w${id}` } as unknown as LoadedModel;
const models = { run: <R>(fn: (m: LoadedModel) => Promise<R>) => fn(model) };
const host = { extensionUri: vscode.Uri.file('/ext') as never, predictMasked: async () => ({ original: '', next: [], entropy: 0 }) };
const settings = () => ({ topK: 2, maxTokens: 512 }) as never;

test('Inspect Selection shows the panel once and names every top-k candidate with the model’s token text', async () => {
  AttentionPanel.show(host); // a panel is open already, as when inspecting again
  const p = vscode.recorded.panels.at(-1)!;
  p.fromWebview({ type: 'ready' });
  p.revealed.length = 0;
  const attached: unknown[] = [];
  const outcome = await inspectSelection({ panelHost: host, models: models as never, sync: { attach: (...args) => void attached.push(args) }, settings, latest: new LatestWins() });
  assert.equal(outcome.ok, true);
  assert.equal(outcome.nTokens, T);
  assert.equal(p.revealed.length, 1, 'shown once per inspection');
  assert.equal(attached.length, 1, 'the editor link is made');
  const header = p.posted.find((m) => m.type === 'analysis')!.header;
  assert.equal(header.analysisId, outcome.analysisId);
  // After token 0 the candidates are 'b' (in the text) and id 40 (not): named by the model, never '#40'.
  assert.deepEqual(header.topK.vocab, { 0: 'a', 1: 'b', 2: 'c', 7: 'z', 40: 'w40', 41: 'w41', 42: 'w42' });
  AttentionPanel.current()?.dispose();
});
