// Attention and logits through ONNX Runtime (after surgery) equal the PyTorch reference the
// training pipeline wrote next to the model (`<model>/fidelity/`), within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/model/index';
import { analyzeText } from '../../src/model/analyze';
import { AttentionPool } from '../../src/model/attentionPool';
import { FETCH_ALL, OnnxSession } from '../../src/model/onnxSession';
import type { ModelDims } from '../../src/model/onnxFeeds';
import type { Tokenization } from '../../src/model/tokenize';
import { exposeAttention, type LogitReductions } from '../../src/model/surgery';
import { modelDims } from '../../src/model/config';
import { fidelitySamples, readFloats, testCacheDir, testModelDir } from '../helpers/models';
import { assertLogprobAndRank, logSoftmaxRow, maxAbsDiff } from '../helpers/assertions';

const dir = testModelDir();
const { tolerance, samples } = fidelitySamples(dir);
const cacheDir = testCacheDir;

test(`raw logits and attention of ${path.basename(path.dirname(dir))}/${path.basename(dir)} match PyTorch`, async () => {
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const patched = exposeAttention(readFileSync(path.join(dir, 'onnx', 'decoder_model_merged.onnx')), 'decoder_model_merged.onnx');
  const session = await ort.InferenceSession.create(patched.bytes, { logSeverityLevel: 3 });
  const onnx = new OnnxSession(session, patched, modelDims(config), 'test');
  for (const sample of samples) {
    const out = await onnx.forward(sample.ids, null, 0, FETCH_ALL, 3);
    const refLogits = readFloats(dir, sample.logits.file); // [T, V]
    assert.ok(maxAbsDiff(out.logits!, refLogits) <= tolerance, `${sample.name}: logits within ${tolerance}`);
    const [L, H, T] = sample.attention.shape;
    assert.deepEqual([out.attention!.nLayers, out.attention!.nHeads, out.attention!.data.length], [L, H, L * H * T * T]);
    const refAttention = readFloats(dir, sample.attention.file); // [L, H, T, T]
    assert.ok(maxAbsDiff(out.attention!.data, refAttention) <= tolerance, `${sample.name}: attention within ${tolerance}`);
    // Given a buffer (larger than needed, holding stale values), the runtime writes each layer into its slice of it.
    const buffer = new Float32Array(L * H * T * T + 7).fill(-1);
    const into = await onnx.forward(sample.ids, null, 0, { attention: true }, 3, buffer);
    assert.equal(into.attention!.data.buffer, buffer.buffer, `${sample.name}: attention written into the given buffer`);
    assert.deepEqual(Array.from(into.attention!.data), Array.from(out.attention!.data), `${sample.name}: same attention written in place`);
    // Fetching a subset hands back the same values under the right names (the runtime mislabels them; the session relabels).
    const some = await onnx.forward(sample.ids, null, 0, { attention: true, tokenScores: true, present: true }, 3);
    assert.equal(some.logits, null);
    assert.equal(some.top, null);
    assert.deepEqual(Array.from(some.attention!.data), Array.from(out.attention!.data));
    assert.deepEqual(Array.from(some.tokenScores!.logProbs), Array.from(out.tokenScores!.logProbs));
    assert.deepEqual([...some.present.keys()], [...out.present.keys()]);
    for (const [name, t] of out.present) assert.deepEqual(Array.from(some.present.get(name)!.data as Float32Array), Array.from(t.data as Float32Array), name);
    const only = await onnx.forward(sample.ids, null, 0, { top: true }, 3);
    assert.deepEqual(Array.from(only.top!.indices), Array.from(out.top!.indices));
    assert.equal(only.attention, null);
  }
});

/** The same session, as if surgery had not added token scoring. */
function withoutTokenScores(onnx: OnnxSession): OnnxSession {
  const reductions = (onnx as unknown as { reductions: LogitReductions }).reductions;
  return new OnnxSession(onnx.session, { inputs: onnx.inputs, attentionOutputs: onnx.attentionOutputs, nLayers: 0, reductions: { ...reductions, tokenScores: null } }, (onnx as unknown as { dims: ModelDims }).dims, 'test');
}

test('analyze(): tokens, attention, log-probabilities, ranks and top-k agree with the reference', async () => {
  const model = await loadModel({ name: 'test', path: dir }, { cacheDir });
  const internals = model as unknown as { tokens: Tokenization; onnx: OnnxSession };
  assert.ok(internals.onnx.scoresTokens, 'surgery added token scoring to the bundled export');
  try {
    for (const sample of samples) {
      const result = await model.analyze(sample.text, { topK: 5, maxTokens: 100_000 });
      assert.deepEqual(result.tokens.map((t) => t.id), sample.ids, `${sample.name}: same token ids as the Python tokenizer`);
      const [L, H, T] = sample.attention.shape;
      assert.deepEqual(result.shape, { nLayers: L, nHeads: H, nTokens: T });
      assert.ok(maxAbsDiff(result.attention, readFloats(dir, sample.attention.file)) <= tolerance);
      const refLogits = readFloats(dir, sample.logits.file);
      const V = sample.logits.shape[1];
      assert.equal(result.tokens[0]!.logprob, null);
      for (let t = 0; t < T; t++) {
        const lsm = logSoftmaxRow(refLogits, t, V);
        if (t + 1 < T) {
          assertLogprobAndRank(result.tokens[t + 1]!, lsm, sample.ids[t + 1]!, tolerance, `${sample.name}: token ${t + 1}`);
        }
        const k = result.topK.k;
        for (let i = 0; i < k; i++) {
          const id = result.topK.ids[t * k + i]!; // [T, k]
          assert.ok(Math.abs(result.topK.probs[t * k + i]! - Math.exp(lsm[id]!)) <= tolerance);
          if (i > 0) assert.ok(result.topK.probs[t * k + i]! <= result.topK.probs[t * k + i - 1]!, 'sorted');
        }
        const best = lsm.reduce((b, x, v) => (x > lsm[b]! ? v : b), 0);
        assert.ok(lsm[result.topK.ids[t * k]!]! >= lsm[best]! - tolerance, 'top-1 is the argmax');
      }
      assert.deepEqual(result.next.map((n) => n.id), Array.from(result.topK.ids.subarray((T - 1) * 5, T * 5)));
      for (const tok of result.tokens) assert.equal(sample.text.slice(tok.start, tok.end).length, tok.end - tok.start);
      // Graphs whose tokens the runtime cannot score (no int64 input_ids) fetch the distribution
      // and score in JavaScript: the same logprobs (to float rounding) and ranks.
      const viaJs = await analyzeText(sample.text, { topK: 5, maxTokens: 100_000 }, model.info, internals.tokens, withoutTokenScores(internals.onnx), new AttentionPool());
      assert.deepEqual(viaJs.tokens.map((t) => t.rank), result.tokens.map((t) => t.rank), `${sample.name}: same ranks either way`);
      assert.ok(viaJs.tokens.every((t, i) => t.logprob === null ? result.tokens[i]!.logprob === null : Math.abs(t.logprob - result.tokens[i]!.logprob!) <= 1e-6));
      assert.deepEqual(Array.from(viaJs.topK.ids), Array.from(result.topK.ids));
    }
  } finally {
    await model.dispose();
  }
});

test('released attention buffers are filled again by later analyses; results not released are never touched', async () => {
  const model = await loadModel({ name: 'test', path: dir }, { cacheDir });
  try {
    const [a, b] = samples;
    assert.ok(a && b, 'two fidelity samples');
    const refA = readFloats(dir, a.attention.file);
    const refB = readFloats(dir, b.attention.file);
    const kept = await model.analyze(a.text, { topK: 5, maxTokens: 100_000 });
    const first = await model.analyze(b.text, { topK: 5, maxTokens: 100_000 });
    const buffer = first.attention.buffer;
    first.release();
    first.release(); // twice is harmless
    assert.equal(first.attention.length, 0, 'a released result no longer shows attention');
    const second = await model.analyze(a.text, { topK: 5, maxTokens: 100_000 });
    assert.equal(second.attention.buffer, buffer, 'the released buffer was filled again');
    assert.ok(maxAbsDiff(second.attention, refA) <= tolerance, 'and holds the new analysis');
    second.release();
    const third = await model.analyze(b.text, { topK: 5, maxTokens: 100_000 });
    assert.ok(maxAbsDiff(third.attention, refB) <= tolerance, 'a buffer reused for a text of another length');
    assert.ok(maxAbsDiff(kept.attention, refA) <= tolerance, 'the result never released still holds its own attention');
    const none = await model.analyze(b.text, { topK: 5, maxTokens: 100_000, attention: false });
    assert.equal(none.attention.length, 0, 'attention: false returns none');
    assert.deepEqual(none.tokens.map((t) => t.rank), third.tokens.map((t) => t.rank), 'and the same token scores');
  } finally {
    await model.dispose();
  }
});
