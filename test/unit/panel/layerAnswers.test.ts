// Views that read every layer of a large analysis (the overview) read one layer per turn of the host's
// event loop, so the host keeps answering meanwhile; the result equals the one-go overview, and an
// analysis replaced meanwhile gets nothing sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerPanelRequest, readsLayerByLayer } from '../../../src/panel/layerAnswers';
import { InternalsJobs } from '../../../src/panel/internalsResponder';
import type { CurrentAnalysis } from '../../../src/panel/responder';
import { overviewBytes } from '../../../src/common/slices';
import type { HostToWebview } from '../../../src/common/protocol';
import type { AnalysisResult } from '../../../src/model/types';
import { rng } from '../../helpers/randomText';

/** Causal rows of random weights, [L, H, T, T]. */
function analysis(L: number, H: number, T: number): CurrentAnalysis {
  const r = rng(5);
  const attention = new Float32Array(L * H * T * T);
  for (let row = 0; row < L * H * T; row++) {
    const q = row % T;
    let sum = 0;
    for (let k = 0; k <= q; k++) sum += (attention[row * T + k] = r());
    for (let k = 0; k <= q; k++) attention[row * T + k]! /= sum;
  }
  const result = { shape: { nLayers: L, nHeads: H, nTokens: T }, attention, model: { kind: 'decoder' }, tokens: [] } as unknown as AnalysisResult;
  return { id: 3, result, source: { fileName: 'x', tokenText: () => '' }, stats: null };
}

const overviewRequest = { type: 'requestOverview' as const, analysisId: 3, requestId: 9, size: 64, options: { dropSink: true }, encoding: 'log' as const };

test('the overview of a large analysis goes one layer per turn: a timer runs between layers, and the bytes equal the one-go overview', async () => {
  const a = analysis(3, 1, 2048); // 4.2 M weights a layer: over the one-turn limit
  assert.equal(readsLayerByLayer(a.result), true);
  assert.equal(readsLayerByLayer(analysis(2, 2, 64).result), false, 'a small analysis is answered at once');
  const posted: HostToWebview[] = [];
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 0);
  try {
    await answerPanelRequest(overviewRequest, a, { jobs: new InternalsJobs(), post: (m) => void posted.push(m), isShown: () => true, dataSent: () => undefined });
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 2, `the host ran other work between layers (${ticks} timer ticks)`);
  assert.equal(posted.length, 1);
  const m = posted[0]!;
  assert.ok(m.type === 'overview');
  const once = overviewBytes(a.result.attention, a.result.shape, 64, overviewRequest.options, 'log');
  assert.equal(m.size, once.size);
  assert.deepEqual(m.data, once.data);
});

test('an analysis replaced while its overview is read layer by layer gets nothing sent', async () => {
  const a = analysis(3, 1, 2048);
  const posted: HostToWebview[] = [];
  let shown = true;
  const reading = answerPanelRequest(overviewRequest, a, { jobs: new InternalsJobs(), post: (m) => void posted.push(m), isShown: () => shown, dataSent: () => undefined });
  shown = false; // the panel shows a newer analysis before the first turn ends
  await reading;
  assert.deepEqual(posted, []);
});
