// The q·k breakdown on the test graphs against the PyTorch reference of the same model
// (fixtures/internals_reference.py): queries, keys, scale and the softmax's input, and the
// softmax of those inputs is the attention the analysis returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { Internals, type QkResult } from '../../src/model/internals';
import { OnnxSession } from '../../src/model/onnxSession';
import { exposeAttention } from '../../src/model/surgery';
import { graphReference, internalsReference, readGraph, testGraphsDir, type InternalsViews } from '../helpers/graphs';
import { expectError, maxAbsDiff } from '../helpers/assertions';
import { checkQkConsistent } from '../helpers/qkChecks';

const dims = { heads: 2, kvHeads: 2, headDim: 4, vocab: 11 };
const internalsOf = (file: string, kind: 'decoder' | 'encoder' = 'decoder') =>
  new Internals({ file: path.join(testGraphsDir(), file), label: file, dims, kind, sessionOptions: { logSeverityLevel: 3 } });

async function plainAttention(file: string, ids: number[]): Promise<Float32Array> {
  const plain = exposeAttention(readGraph(file), file);
  const runner = new OnnxSession(await ort.InferenceSession.create(plain.bytes, { logSeverityLevel: 3 }), plain, dims, 'plain');
  return Float32Array.from((await runner.forward(ids, null, 0, { attention: true })).attention!.data);
}

function checkAgainst(r: QkResult, ref: InternalsViews, file: string, tolerance = 1e-4): void {
  assert.equal(r.D, 4);
  assert.ok(maxAbsDiff(r.q, ref.qkQueries) <= tolerance, `${file}: queries`);
  assert.ok(maxAbsDiff(r.k, ref.qkKeys) <= tolerance, `${file}: keys`);
  assert.ok(maxAbsDiff(r.scale, ref.qkScale) <= 1e-7, `${file}: scale`);
  assert.equal(r.scores.length, ref.qkScores.length);
  ref.qkScores.forEach((x, i) => {
    // Hidden keys hold the graph's −1e9 (float32 rounds it); visible ones the scaled product, to 1e-4
    // relative where it is large (the test model has scores in the hundreds: float32 holds ~7 digits).
    if (x <= -1e8) assert.equal(r.scores[i], Math.fround(x), `${file}: masked softmax input ${i}`);
    else assert.ok(Math.abs(r.scores[i]! - x) <= tolerance * Math.max(1, Math.abs(x)), `${file}: softmax input ${i}: ${r.scores[i]} vs ${x}`);
  });
}

for (const file of ['flat_decoder.onnx', 'merged_decoder.onnx']) {
  test(`${file}: queries, keys, scale and softmax inputs equal PyTorch within 1e-4; their softmax is the analysis's attention`, async () => {
    const { ids, layers: L, heads: H } = graphReference();
    const r = await internalsOf(file).qk(ids);
    checkAgainst(r, internalsReference().decoder, file);
    checkQkConsistent(r, await plainAttention(file, ids), { L, H, T: ids.length });
  });
}

test('encoder (scale by Mul, additive padding mask): the same, against PyTorch', async () => {
  const { ids, layers: L, heads: H } = graphReference();
  const r = await internalsOf('encoder.onnx', 'encoder').qk(ids);
  checkAgainst(r, internalsReference().encoder, 'encoder.onnx');
  const plain = exposeAttention(readGraph('encoder.onnx'), 'encoder.onnx', { scoreTokens: false });
  const runner = new OnnxSession(await ort.InferenceSession.create(plain.bytes, { logSeverityLevel: 3 }), plain, dims, 'plain');
  checkQkConsistent(r, Float32Array.from((await runner.forward(ids, null, 0, { attention: true })).attention!.data), { L, H, T: ids.length });
});

test('quantized decoder: scale · q·k is the softmax input exactly and its softmax the attention; q and k within quantization error', async () => {
  const { ids, layers: L, heads: H } = graphReference();
  const r = await internalsOf('quantized_decoder.onnx').qk(ids);
  const ref = internalsReference().decoder;
  const spread = Math.max(...ref.qkQueries.map(Math.abs));
  assert.ok(maxAbsDiff(r.q, ref.qkQueries) <= 0.05 * spread, 'queries near fp32');
  assert.ok(maxAbsDiff(r.scale, ref.qkScale) <= 1e-7, 'scale');
  checkQkConsistent(r, await plainAttention('quantized_decoder.onnx', ids), { L, H, T: ids.length });
});

test('a score that passes through a non-linear cap (Tanh) has no q·k breakdown, and the message says what is missing', async () => {
  const model = onnx.ModelProto.decode(readGraph('flat_decoder.onnx'));
  const g = model.graph!;
  const divs = g.node!.filter((n) => n.opType === 'Div' && n.input?.[1] === 'scale');
  for (const div of divs) {
    const capped = `${div.output![0]}_capped`;
    for (const n of g.node!) n.input = n.input!.map((i) => (i === div.output![0] ? capped : i));
    g.node!.splice(g.node!.indexOf(div) + 1, 0, { opType: 'Tanh', name: `${div.name}_cap`, input: [div.output![0]!], output: [capped] });
  }
  const file = 'capped_decoder.onnx';
  writeFileSync(path.join(testGraphsDir(), file), onnx.ModelProto.encode(model).finish());
  const internals = internalsOf(file);
  await assert.rejects(internals.qk(graphReference().ids), expectError('internals-missing', /q·k breakdown cannot be shown .*q·k product before the softmax of layer 0, 1/));
  assert.ok((await internals.rollout(graphReference().ids)).length > 0, 'the other views keep working');
});
