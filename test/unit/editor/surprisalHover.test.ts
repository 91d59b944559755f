import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverMarkdown, temperedAt, untemperedAt } from '../../../src/editor/surprisalHover';
import type { AnalysisResult, ProbeResult } from '../../../src/model/types';

// A 5-word vocabulary and fixed logits after every prefix, so tempered probabilities can be
// computed by hand: p_T(i) = exp(z_i / T) / Σ_j exp(z_j / T).
const VOCAB = ['the', ' cat', ' sat', ' on', ' mat'];
const LOGITS = [1.0, 3.0, 0.5, 2.0, -1.0]; // ranks: cat 1, on 2, the 3, sat 4, mat 5

function softmax(z: number[], t: number): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp((v - m) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function sorted(t: number): { id: number; token: string; prob: number }[] {
  return softmax(LOGITS, t)
    .map((prob, id) => ({ id, token: VOCAB[id]!, prob }))
    .sort((a, b) => b.prob - a.prob);
}

// "the sat": token 1 (" sat") got rank 4 from the distribution after "the".
function analysis(): AnalysisResult {
  const p1 = softmax(LOGITS, 1);
  const top = sorted(1);
  const k = 5;
  return {
    model: { name: 'toy', path: '/toy', kind: 'decoder', modelType: 'gpt2', nLayers: 1, nHeads: 1, contextLength: 16, vocabSize: 5 },
    text: 'the sat',
    tokens: [
      { id: 0, text: 'the', display: 'the', start: 0, end: 3, logprob: null, rank: null, special: false },
      { id: 2, text: ' sat', display: '␣sat', start: 3, end: 7, logprob: Math.log(p1[2]!), rank: 4, special: false },
    ],
    shape: { nLayers: 1, nHeads: 1, nTokens: 2 },
    attention: new Float32Array([1, 0, 0.5, 0.5]),
    topK: {
      k,
      ids: Int32Array.from([...top.map((t) => t.id), ...top.map((t) => t.id)]), // [T, k]
      probs: Float32Array.from([...top.map((t) => t.prob), ...top.map((t) => t.prob)]),
    },
    next: top,
    truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 },
    release: () => undefined,
  };
}

const fakeProbe = async (prefix: string, opts: { topK: number; temperature: number }): Promise<ProbeResult> => {
  assert.equal(prefix, 'the', 'the probe reads exactly the text before the token');
  const next = sorted(opts.temperature).slice(0, opts.topK);
  return { nTokens: 1, next, entropy: 0, cached: false };
};

test('at temperature 1 the hover shows the analysis itself', () => {
  const v = untemperedAt(analysis(), 1, (id) => VOCAB[id]!)!;
  assert.ok(Math.abs(v.prob - softmax(LOGITS, 1)[2]!) < 1e-12);
  assert.equal(v.rank, 4);
  assert.deepEqual(v.alternatives.map((a) => a.token), [' cat', ' on', 'the', ' sat', ' mat']);
  assert.deepEqual(v.alternatives.map((a) => a.actual), [false, false, false, true, false]);
  assert.equal(untemperedAt(analysis(), 0, (id) => VOCAB[id]!), undefined, 'the first token has no probability');
});

test('at another temperature the token keeps its rank and gets exactly softmax(z / T)', async () => {
  for (const t of [0.5, 2]) {
    const v = (await temperedAt(analysis(), 1, t, fakeProbe))!;
    const expected = softmax(LOGITS, t);
    assert.ok(Math.abs(v.prob - expected[2]!) < 1e-12, `T=${t}`);
    assert.equal(v.temperature, t);
    assert.ok(Math.abs(v.alternatives[0]!.prob - expected[1]!) < 1e-12);
  }
  // Sharper at T < 1, flatter at T > 1, for the top token.
  const cold = (await temperedAt(analysis(), 1, 0.5, fakeProbe))!.alternatives[0]!.prob;
  const warm = (await temperedAt(analysis(), 1, 2, fakeProbe))!.alternatives[0]!.prob;
  assert.ok(cold > softmax(LOGITS, 1)[1]! && warm < softmax(LOGITS, 1)[1]!);
});

test('when the text before a token tokenizes differently, no tempered numbers are invented', async () => {
  const wrong = async (): Promise<ProbeResult> => ({ nTokens: 1, next: sorted(2).map((n) => ({ ...n, id: 99 })), entropy: 0, cached: false });
  assert.equal(await temperedAt(analysis(), 1, 2, wrong), undefined);
});

test('hover text: probability, surprisal in bits, rank, bucket and alternatives, token text escaped', () => {
  const v = untemperedAt(analysis(), 1, (id) => VOCAB[id]!)!;
  const md = hoverMarkdown({ ...v, display: '*sat*' }, 'rank');
  const p = softmax(LOGITS, 1)[2]!;
  assert.match(md, /token \\\*sat\\\*/);
  assert.ok(md.includes(`surprisal ${(-Math.log2(p)).toFixed(2)} bits`));
  assert.match(md, /rank \*\*4\*\* of 5 — top 10/);
  assert.match(md, /\| ␣sat ✓ \|/);
});
