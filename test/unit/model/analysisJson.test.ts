// The streamed analysis JSON against JSON.stringify of the same object (the form the writer must
// keep): byte for byte, across piece boundaries, with the CLI's extras, and with an attention file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analysisJson, analysisJsonPieces, writeAnalysisJson, type JsonExtras } from '../../../src/model/analysisJson';
import type { AnalysisResult } from '../../../src/model/types';

function fakeResult(L: number, H: number, T: number): AnalysisResult {
  const attention = new Float32Array(L * H * T * T); // [L, H, T, T]
  let seed = 7;
  for (let i = 0; i < attention.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    attention[i] = i % 5 === 0 ? 0 : seed / 2147483648;
  }
  if (attention.length > 3) attention[3] = 1e-30; // written in exponent notation
  const tokens = Array.from({ length: T }, (_, i) => ({
    id: i, text: i === 1 ? 'q"\\\n\u2028' : `t${i}`, display: `t${i}`, partial: null, continuation: false, start: i, end: i + 1,
    logprob: i === 0 ? null : -i / 3, rank: i === 0 ? null : 1, special: false,
  }));
  return {
    model: { name: 'm "x"', path: '/m', kind: 'decoder', modelType: 'gpt2', nLayers: L, nHeads: H, contextLength: 1024, vocabSize: 10 },
    text: 'x', tokens, shape: { nLayers: L, nHeads: H, nTokens: T }, attention,
    topK: { k: 0, ids: new Int32Array(0), probs: new Float32Array(0) },
    next: [{ id: 3, token: ' a', prob: 0.25 }, { id: 1, token: '"', prob: 1 / 3 }],
    truncated: null, timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 }, release: () => undefined,
  };
}

/** What JSON.stringify makes of the same object, extras placed where the writer puts them. */
function reference(r: AnalysisResult, extras: JsonExtras = {}): string {
  const s = r.shape;
  const text = JSON.stringify({
    model: r.model.name,
    tokens: r.tokens.map((t, i) => ({ id: t.id, text: t.text, start: t.start, end: t.end, logprob: t.logprob, ...extras.perToken?.(i) })),
    attention: { shape: [s.nLayers, s.nHeads, s.nTokens, s.nTokens], data: Array.from(r.attention) },
    next: r.next.map((n) => ({ id: n.id, token: n.token, prob: n.prob })),
  });
  return text.slice(0, -1) + (extras.tail ?? '') + '}';
}

test('the pieces joined are JSON.stringify of the analysis, byte for byte, over several data pieces', () => {
  const r = fakeResult(2, 3, 150); // 135,000 numbers: three pieces of the writer's 65,536
  const pieces = [...analysisJsonPieces(r)];
  assert.ok(pieces.length >= 5);
  assert.equal(pieces.join(''), reference(r));
  assert.ok(Math.max(...pieces.map((c) => c.length)) < reference(r).length / 2, 'no piece holds the whole text');
});

test('extras (per-token fields, top-level keys) land where JSON.stringify would put them', () => {
  const r = fakeResult(1, 2, 5);
  const extras: JsonExtras = { perToken: (i) => ({ reach: i === 0 ? null : i }), tail: ',"baselines":{"bytes":5}' };
  assert.equal(analysisJson(r, extras), reference(r, extras));
  JSON.parse(analysisJson(r, extras));
});

test('no attention, and exactly one full piece, write valid identical JSON', () => {
  const empty = fakeResult(1, 1, 3);
  empty.attention = new Float32Array(0);
  empty.shape = { nLayers: 0, nHeads: 0, nTokens: 3 };
  assert.equal(analysisJson(empty), reference(empty));
  const full = fakeResult(1, 1, 256); // 65,536 numbers: one piece exactly
  assert.equal(analysisJson(full), reference(full));
});

test('the writer waits for a sink that asks it to before the next piece', async () => {
  const r = fakeResult(2, 2, 200);
  const got: string[] = [];
  let waiting = false;
  await writeAnalysisJson(r, (piece) => {
    assert.equal(waiting, false, 'a piece arrived while the sink was still draining');
    got.push(piece);
    waiting = true;
    return new Promise<void>((resolve) => setImmediate(() => { waiting = false; resolve(); }));
  });
  assert.equal(got.join(''), reference(r));
});

test('with an attention file the JSON names it, its dtype and shape, and holds no data', () => {
  const r = fakeResult(1, 2, 4);
  const json = JSON.parse(analysisJson(r, { attentionFile: { path: 'out/a "b".npy', dtype: 'float16' } })) as { attention: unknown; tokens: unknown[]; next: unknown[] };
  assert.deepEqual(json.attention, { shape: [1, 2, 4, 4], dtype: 'float16', file: 'out/a "b".npy' });
  const ref = JSON.parse(reference(r)) as { tokens: unknown[]; next: unknown[] };
  assert.deepEqual(json.tokens, ref.tokens);
  assert.deepEqual(json.next, ref.next);
});
