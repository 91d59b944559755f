import { test } from 'node:test';
import assert from 'node:assert/strict';
import { visibleToken, withoutInvisible } from '../../../src/common/tokenText';
import { csvField, headCsv, safeFileName, toHeader } from '../../../src/panel/analysisData';
import type { AnalysisResult } from '../../../src/model/types';

test('whitespace and bidi controls become visible', () => {
  assert.equal(visibleToken(' a\tb\r\n'), '␣a⇥b␍⏎');
  assert.equal(withoutInvisible('x\u202Ey'), 'x⟨U+202E⟩y');
  assert.equal(withoutInvisible('\u2066a\u2069\u200b'), '⟨U+2066⟩a⟨U+2069⟩⟨U+200B⟩');
  assert.equal(withoutInvisible('<img src=x onerror=alert(1)>'), '<img src=x onerror=alert(1)>');
});

test('CSV fields are quoted and never start a formula', () => {
  assert.equal(csvField('a"b'), '"a""b"');
  assert.equal(csvField('=SUM(A1)'), `"'=SUM(A1)"`);
  assert.equal(safeFileName('a/b:c?.png'), 'a_b_c_.png');
});

function result(): AnalysisResult {
  return {
    model: { name: 'tiny', path: '/m', kind: 'decoder', modelType: 'gpt2', nLayers: 1, nHeads: 1, contextLength: 8, vocabSize: 10 },
    text: 'ab',
    tokens: [
      { id: 3, text: 'a', display: 'a', start: 0, end: 1, logprob: null, rank: null, special: false },
      { id: 4, text: 'b', display: 'b', start: 1, end: 2, logprob: -1, rank: 2, special: false },
    ],
    shape: { nLayers: 1, nHeads: 1, nTokens: 2 },
    attention: new Float32Array([1, 0, 0.25, 0.75]),
    topK: { k: 2, ids: new Int32Array([4, 7, 9, 3]), probs: new Float32Array([0.6, 0.4, 0.5, 0.5]) },
    next: [{ id: 9, token: ' x', prob: 0.5 }, { id: 3, token: 'a', prob: 0.5 }],
    truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
    release: () => undefined,
  };
}

test('header carries no attention and names every top-k id', () => {
  const h = toHeader(result(), 7, { fileName: 'f.ts', tokenText: (id) => (id === 7 ? '\n' : 'zz') });
  assert.equal(h.analysisId, 7);
  assert.equal((h as unknown as Record<string, unknown>).attention, undefined);
  assert.deepEqual(h.topK.vocab, { 3: 'a', 4: 'b', 7: '⏎', 9: '␣x' });
  const undecodable = () => { throw new Error('no such id'); };
  assert.equal(toHeader(result(), 1, { fileName: 'f', tokenText: undecodable }).topK.vocab[7], '#7');
});

test('head CSV: key header row, one row per query', () => {
  const csv = headCsv(result(), { kind: 'head', layer: 0, head: 0 });
  assert.equal(csv, '"query \\ key","0:a","1:b"\n"0:a",1,0\n"1:b",0.25,0.75\n');
});
