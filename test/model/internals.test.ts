// The internals views (value norms, rollout, logit lens, head ablation) on the test graphs, against
// the PyTorch reference of the same model (fixtures/internals_reference.py), within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { Internals } from '../../src/model/internals';
import { FETCH_ALL, OnnxSession } from '../../src/model/onnxSession';
import { exposeAttention } from '../../src/model/surgery';
import { exposeInternals } from '../../src/model/surgeryInternals';
import { bertReference, graphReference, internalsReference, readGraph, testGraphsDir, type InternalsViews } from '../helpers/graphs';
import { expectError, maxAbsDiff } from '../helpers/assertions';

const dims = { heads: 2, kvHeads: 2, headDim: 4, vocab: 11 };
const internalsOf = (file: string, kind: 'decoder' | 'encoder' = 'decoder') =>
  new Internals({ file: path.join(testGraphsDir(), file), label: file, dims, kind, sessionOptions: { logSeverityLevel: 3 } });

/** The lens's top-k ids are the reference's k most likely tokens, with the reference's probabilities. */
function checkLens(lens: { k: number; ids: Int32Array; probs: Float32Array }, ref: number[], L: number, T: number, V: number): void {
  for (let l = 0; l < L; l++) {
    for (let t = 0; t < T; t++) {
      const row = ref.slice((l * T + t) * V, (l * T + t + 1) * V); // [L, T, V]
      const order = row.map((x, v) => [x, v] as const).sort((a, b) => b[0] - a[0]).map(([, v]) => v);
      for (let i = 0; i < lens.k; i++) {
        const at = (l * T + t) * lens.k + i; // [L, T, k]
        assert.equal(lens.ids[at], order[i], `layer ${l}, position ${t}, rank ${i}`);
        assert.ok(Math.abs(lens.probs[at]! - Math.exp(row[order[i]!]!)) <= 1e-4);
      }
    }
  }
}

async function checkDecoder(file: string, ref: InternalsViews): Promise<void> {
  const { ids, layers: L, heads: H, vocab: V } = graphReference();
  const T = ids.length;
  const internals = internalsOf(file);
  assert.ok(maxAbsDiff(await internals.valueNorms(ids), ref.valueNorms) <= 1e-4, `${file}: value norms`);
  assert.ok(maxAbsDiff(await internals.rollout(ids), ref.rollout) <= 1e-4, `${file}: rollout`);
  const lens = await internals.logitLens(ids, 3);
  assert.equal(lens.k, 3);
  checkLens(lens, ref.lens, L, T, V);
  const ablation = await internals.ablation(ids);
  assert.equal(ablation.delta.length, L * H * T);
  for (let i = 0; i < L * H * T; i++) {
    if (i % T === 0) assert.ok(Number.isNaN(ablation.delta[i]), 'the first token has no prediction to change');
    else assert.ok(Math.abs(ablation.delta[i]! - ref.ablation[i]!) <= 1e-4, `${file}: ablation entry ${i}`);
    assert.equal(ablation.top1Changed[i], ref.ablationTop1[i] !== ref.top1[i % T] ? 1 : 0, `${file}: top-1 change ${i}`);
  }
  assert.deepEqual(Array.from(ablation.top1), ref.top1);
}

test('flat decoder: value norms, rollout, logit lens and ablation equal PyTorch within 1e-4', () => checkDecoder('flat_decoder.onnx', internalsReference().decoder));

test('merged decoder (both If branches patched): the same views equal PyTorch within 1e-4', () => checkDecoder('merged_decoder.onnx', internalsReference().decoder));

test('encoder: value norms, rollout and the lens through its head equal PyTorch; ablation says it needs a causal model', async () => {
  const { ids, layers: L, vocab: V } = graphReference();
  const ref = internalsReference().encoder;
  const internals = internalsOf('encoder.onnx', 'encoder');
  assert.ok(maxAbsDiff(await internals.valueNorms(ids), ref.valueNorms) <= 1e-4);
  assert.ok(maxAbsDiff(await internals.rollout(ids), ref.rollout) <= 1e-4);
  checkLens(await internals.logitLens(ids, 4), ref.lens, L, ids.length, V);
  await assert.rejects(internals.ablation(ids), expectError('internals-missing', /causal language model/));
});

test('BERT-architecture encoder (torch export, post-LN, MLM head): value norms, rollout and the lens through the MLM head equal PyTorch', async () => {
  const ref = bertReference();
  const T = ref.ids.length;
  const internals = new Internals({
    file: path.join(testGraphsDir(), 'bert_encoder.onnx'), label: 'bert_encoder.onnx', kind: 'encoder', sessionOptions: { logSeverityLevel: 3 },
    dims: { heads: ref.heads, kvHeads: ref.heads, headDim: 4, vocab: ref.vocab },
  });
  assert.ok(maxAbsDiff(await internals.valueNorms(ref.ids), ref.valueNorms) <= 1e-4, 'value norms');
  assert.ok(maxAbsDiff(await internals.rollout(ref.ids), ref.rollout) <= 1e-4, 'rollout');
  const lens = await internals.logitLens(ref.ids, 3);
  checkLens(lens, ref.lens, ref.layers, T, ref.vocab);
});

test('the last lens row is the model\'s own prediction, bit for bit', async () => {
  const { ids, layers: L } = graphReference();
  const T = ids.length;
  const lens = await internalsOf('flat_decoder.onnx').logitLens(ids, 2);
  const plain = exposeAttention(readGraph('flat_decoder.onnx'), 'flat_decoder.onnx');
  const runner = new OnnxSession(await ort.InferenceSession.create(plain.bytes, { logSeverityLevel: 3 }), plain, dims, 'plain');
  const out = await runner.forward(ids, null, 0, { top: true }, 2);
  assert.deepEqual(Array.from(lens.ids.subarray((L - 1) * T * 2)), Array.from(out.top!.indices, Number));
  assert.deepEqual(Array.from(lens.probs.subarray((L - 1) * T * 2)), Array.from(out.top!.values, (x) => Math.fround(Math.exp(x))), "the same log-probabilities, exponentiated alike");
});

test('quantized decoder: every view is found, and close to the fp32 reference', async () => {
  const { ids } = graphReference();
  const ref = internalsReference().decoder;
  const internals = internalsOf('quantized_decoder.onnx');
  const norms = await internals.valueNorms(ids);
  const scale = Math.max(...ref.valueNorms);
  assert.ok(maxAbsDiff(norms, ref.valueNorms) <= 0.05 * scale, 'value norms within quantization error');
  assert.ok(maxAbsDiff(await internals.rollout(ids), ref.rollout) <= 0.05, 'rollout within quantization error');
  assert.equal((await internals.logitLens(ids, 2)).ids.length, 2 * ids.length * 2);
  assert.equal((await internals.ablation(ids)).delta.length, 2 * 2 * ids.length);
});

test('ablating no head equals the plain run exactly (attention, logits, token scores, top-k, cache)', async () => {
  const { ids } = graphReference();
  for (const file of ['flat_decoder.onnx', 'merged_decoder.onnx', 'quantized_decoder.onnx']) {
    const plain = exposeAttention(readGraph(file), file);
    const runner = new OnnxSession(await ort.InferenceSession.create(plain.bytes, { logSeverityLevel: 3 }), plain, dims, 'plain');
    const gated = await internalsOf(file).gatedRunner();
    const a = await runner.forward(ids, null, 0, FETCH_ALL, 3);
    const b = await gated.forward(ids, null, 0, FETCH_ALL, 3);
    assert.deepEqual(Array.from(b.attention!.data), Array.from(a.attention!.data), `${file}: attention`);
    assert.deepEqual(Array.from(b.logits!), Array.from(a.logits!), `${file}: logits`);
    assert.deepEqual(Array.from(b.tokenScores!.logProbs), Array.from(a.tokenScores!.logProbs), `${file}: token scores`);
    assert.deepEqual(Array.from(b.top!.indices), Array.from(a.top!.indices), `${file}: top-k`);
    // Switching a head off changes the run.
    gated.headGates = Float32Array.from([1, 0, 1, 1]);
    const c = await gated.forward(ids, null, 0, { logits: true });
    assert.ok(maxAbsDiff(c.logits!, a.logits!) > 1e-3, `${file}: a zeroed head changes the logits`);
  }
});

test('a graph lacking a part names it for that view; the other views keep working', async () => {
  // Without its logits output the lens has no head to read the stream through.
  const model = onnx.ModelProto.decode(readGraph('flat_decoder.onnx'));
  model.graph!.output = model.graph!.output!.filter((o) => o.name !== 'logits');
  const file = 'no_logits_decoder.onnx';
  writeFileSync(path.join(testGraphsDir(), file), onnx.ModelProto.encode(model).finish());
  const internals = internalsOf(file);
  const { ids } = graphReference();
  await assert.rejects(internals.logitLens(ids, 2), expectError('internals-missing', /logit lens .*logits output/i));
  assert.ok(maxAbsDiff(await internals.valueNorms(ids), internalsReference().decoder.valueNorms) <= 1e-4, 'value norms still computed');
  assert.throws(() => exposeInternals(readGraph('no_attention.onnx'), 'no_attention.onnx', 'rollout', { heads: 2 }), expectError('internals-missing', /Attention rollout .*attention softmax/));
});
