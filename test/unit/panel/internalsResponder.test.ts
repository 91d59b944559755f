// The panel's internals answers: value-weighted slices, what must be computed first, and problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueWeighted } from '../../../src/common/internals';
import { allHeadStats } from '../../../src/common/stats';
import { answerRequest, type CurrentAnalysis } from '../../../src/panel/responder';
import { internalsMessage, neededInternals, storeInternals } from '../../../src/panel/internalsResponder';
import type { AnalysisResult, InternalsResult } from '../../../src/model/types';

const T = 3;
// One layer, one head, causal uniform rows: [1, 1, Q, K].
const attention = Float32Array.from([1, 0, 0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3]);
const shape = { nLayers: 1, nHeads: 1, nTokens: T };

function analysis(): CurrentAnalysis {
  const result = { model: { kind: 'decoder' }, attention, shape, tokens: [0, 1, 2].map((id) => ({ id, display: `t${id}` })) } as unknown as AnalysisResult;
  return { id: 7, result, source: { fileName: 'x', tokenText: (id) => `v${id}` }, stats: null };
}

const internals = (over: Partial<InternalsResult>): InternalsResult => ({ ids: [0, 1, 2], shape, problems: {}, timings: {}, ...over });

test('valueWeighted multiplies each weight by its key\'s norm and renormalises each row', () => {
  const w = valueWeighted(attention, shape, Float32Array.from([2, 1, 1]));
  const expected = [1, 0, 0, 2 / 3, 1 / 3, 0, 0.5, 0.25, 0.25];
  w.forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) < 1e-6, `entry ${i}`));
  assert.throws(() => valueWeighted(attention, shape, new Float32Array(2)), /L·H·T/);
});

test('a value-weighted request needs the value norms first, then is answered from them', () => {
  const a = analysis();
  const m = { type: 'requestAttention' as const, analysisId: 7, requestId: 1, selector: { kind: 'head' as const, layer: 0, head: 0 }, options: { dropSink: false, valueWeighted: true } };
  assert.equal(neededInternals(m, a), 'valueNorms');
  assert.equal(neededInternals({ ...m, options: { dropSink: false } }, a), null, 'raw weights need nothing');
  assert.equal(neededInternals({ ...m, analysisId: 6 }, a), null, 'a stale request is not computed for');
  storeInternals(a, 'valueNorms', internals({ valueNorms: Float32Array.from([2, 1, 1]) }));
  assert.equal(neededInternals(m, a), null);
  const answer = answerRequest(m, a);
  assert.equal(answer?.type, 'attention');
  assert.ok(answer?.type === 'attention' && Math.abs(answer.data[3]! - 2 / 3) < 1e-6);
});

test('a view the model cannot give is answered with its reason, every time, without computing again', () => {
  const a = analysis();
  const m = { type: 'requestInternals' as const, analysisId: 7, view: 'ablation' as const };
  assert.equal(neededInternals(m, a), 'ablation');
  storeInternals(a, 'ablation', internals({ problems: { ablation: 'Head ablation needs a causal language model.' } }));
  assert.equal(neededInternals(m, a), null);
  assert.deepEqual(internalsMessage(a, 'ablation'), { type: 'internalsError', analysisId: 7, view: 'ablation', message: 'Head ablation needs a causal language model.' });
  storeInternals(a, 'valueNorms', new Error('the runtime failed'));
  const overview = answerRequest({ type: 'requestOverview', analysisId: 7, requestId: 2, size: 3, options: { dropSink: false, valueWeighted: true }, encoding: 'linear' }, a);
  assert.deepEqual(overview, { type: 'internalsError', analysisId: 7, view: 'valueNorms', message: 'the runtime failed' });
});

test('lens and ablation messages carry typed arrays and a vocabulary for every id they name', () => {
  const a = analysis();
  storeInternals(a, 'logitLens', internals({ logitLens: { k: 1, ids: Int32Array.from([1, 2, 40]), probs: Float32Array.from([0.5, 0.6, 0.7]) } }));
  const lens = internalsMessage(a, 'logitLens');
  assert.ok(lens.type === 'logitLens');
  assert.ok(lens.ids instanceof Int32Array && lens.probs instanceof Float32Array);
  assert.deepEqual(lens.vocab, { 0: 't0', 1: 't1', 2: 't2', 40: 'v40' });
});

test('statistics on value-weighted attention: computed on the weighted rows (worked out here by hand), named as such', () => {
  const a = analysis();
  storeInternals(a, 'valueNorms', internals({ valueNorms: Float32Array.from([2, 1, 1]) }));
  const m = internalsMessage(a, 'valueNorms');
  assert.ok(m.type === 'headStats' && m.weights === 'valueWeighted');
  // Rows α_qk·n_k / Σ: [1, 0, 0], [2/3, 1/3, 0], [1/2, 1/4, 1/4].
  const byHand = Float32Array.from([1, 0, 0, 2 / 3, 1 / 3, 0, 0.5, 0.25, 0.25]);
  const expected = allHeadStats(byHand, 1, 1, T, [0, 1, 2], true);
  assert.ok(m.type === 'headStats' && m.data.every((x, i) => (Number.isNaN(x) && Number.isNaN(expected[i]!)) || Math.abs(x - expected[i]!) < 1e-6));
  const raw = allHeadStats(attention, 1, 1, T, [0, 1, 2], true);
  assert.ok(m.type === 'headStats' && m.data.some((x, i) => Math.abs(x - raw[i]!) > 1e-3), 'not the raw statistics');
  const b = analysis();
  storeInternals(b, 'valueNorms', new Error('no W_O'));
  assert.deepEqual(internalsMessage(b, 'valueNorms'), { type: 'internalsError', analysisId: 7, view: 'valueNorms', message: 'no W_O' });
});
