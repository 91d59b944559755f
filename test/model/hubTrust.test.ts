// Restricted mode and encoder requests on the panel's host side, against the recording vscode
// stand-in: in an untrusted workspace the panel says which model setting is ignored and that
// nothing is downloaded; trust granted clears it; masked-token requests go to the host's model side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import path from 'node:path';
import type { AnalysisResult } from '../../src/model';

const fakePath = path.join(__dirname, '..', 'unit', 'panel', 'fakeVscode.ts');
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolve = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return resolve.call(this, request === 'vscode' ? fakePath : request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vscode = require(fakePath) as typeof import('../unit/panel/fakeVscode') & Record<string, unknown>;

// What this test adds to the stand-in, before the panel module reads it.
const executed: unknown[] = [];
let answer: unknown = { original: 'c', next: [{ token: 'x', prob: 0.75 }], entropy: 0.5 };
const granted = new vscode.EventEmitter<void>();
const scopes: Record<string, unknown> = { defaultValue: 'bundled', globalValue: 'Xenova/gpt2', workspaceValue: 'someone/else' };
Object.assign(vscode.workspace, {
  isTrusted: false,
  onDidGrantWorkspaceTrust: granted.event,
  getConfiguration: () => ({ inspect: (key: string) => (key === 'model' ? scopes : { defaultValue: undefined }) }),
});
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { AttentionPanel } = require('../../src/panel/attentionPanel') as typeof import('../../src/panel/attentionPanel');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { restrictedNotice, restrictedSetting } = require('../../src/services/trust') as typeof import('../../src/services/trust');

/** The panel's host: masked-token requests are recorded and answered with `answer`. */
const host = { extensionUri: vscode.Uri.file('/ext') as never, predictMasked: async (req: unknown) => { executed.push(req); return answer as never; } };
const T = 3;

function encoderResult(): AnalysisResult {
  const attention = new Float32Array(T * T).fill(1 / T); // one layer, one head, uniform both ways
  return {
    model: { name: 'enc', path: '/models/enc', kind: 'encoder', modelType: 'bert', nLayers: 1, nHeads: 1, contextLength: 16, vocabSize: 9 },
    text: 'a b c',
    tokens: [0, 1, 2].map((i) => ({ id: i, text: 'abc'[i]!, display: 'abc'[i]!, start: 2 * i, end: 2 * i + 1, logprob: null, rank: null, special: false })),
    shape: { nLayers: 1, nHeads: 1, nTokens: T },
    attention,
    topK: { k: 0, ids: new Int32Array(0), probs: new Float32Array(0) },
    next: [],
    truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
    release: () => undefined,
  };
}

const lastPanel = () => vscode.recorded.panels.at(-1)!;

test('untrusted: only the user setting counts, and the panel says which one is ignored', () => {
  assert.equal(restrictedSetting('model'), 'Xenova/gpt2');
  const notice = restrictedNotice()!;
  assert.match(notice, /Restricted mode/);
  assert.match(notice, /“someone\/else”\) is ignored/);
  assert.match(notice, /“Xenova\/gpt2” from your user settings/);
  assert.match(notice, /no models are downloaded/);

  AttentionPanel.show(host);
  const p = lastPanel();
  p.fromWebview({ type: 'ready' });
  const restricted = p.posted.filter((m) => m.type === 'restricted');
  assert.deepEqual(restricted, [{ type: 'restricted', message: notice }]);

  granted.fire();
  assert.deepEqual(p.posted.at(-1), { type: 'restricted', message: null }, 'trust granted clears the notice');
});

test('masked-token requests for an encoder analysis go to the model command and come back', async () => {
  AttentionPanel.current()?.dispose();
  const panel = AttentionPanel.show(host);
  const p = lastPanel();
  p.fromWebview({ type: 'ready' });
  const id = panel.showAnalysis(encoderResult(), { fileName: '/ws/a.txt', tokenText: (i) => `#${i}` });
  let answered = p.nextPosted('masked');
  p.fromWebview({ type: 'requestMasked', analysisId: id, index: 2 });
  await answered;
  assert.deepEqual(executed.at(-1), { text: 'a b c', index: 2, modelPath: '/models/enc' });
  const masked = () => p.posted.filter((m: { type: string }) => m.type === 'masked'); // head statistics may arrive in between
  assert.deepEqual(masked().at(-1), { type: 'masked', analysisId: id, index: 2, original: 'c', next: [{ token: 'x', prob: 0.75 }], entropy: 0.5 });

  const before = executed.length;
  p.fromWebview({ type: 'requestMasked', analysisId: id, index: 3 }); // no such token
  p.fromWebview({ type: 'requestMasked', analysisId: id + 100, index: 0 }); // another analysis
  assert.equal(executed.length, before, 'bad requests are not sent on (a request goes out at once or never)');

  answer = { original: '', next: [], entropy: NaN, error: 'The model changed' };
  answered = p.nextPosted('masked');
  p.fromWebview({ type: 'requestMasked', analysisId: id, index: 0 });
  await answered;
  assert.equal(masked().at(-1).error, 'The model changed');
});
