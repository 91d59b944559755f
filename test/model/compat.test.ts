// Exports the bundled runtime (ONNX Runtime 1.14) cannot run get a message naming the operator or
// opset and the export that would work, before or instead of the runtime's own error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { loadModel } from '../../src/model/index';
import { exposeAttention } from '../../src/model/surgery';
import { explainSessionError, RUNTIME } from '../../src/model/compat';
import { readGraph } from '../helpers/graphs';
import { archModelDir } from '../helpers/archModels';
import { expectError } from '../helpers/assertions';

const WORKING = /optimum-cli export onnx .*--opset 14/;

/** flat_decoder.onnx (two attention layers) with `change` applied. */
function modified(change: (m: onnx.ModelProto) => void): Uint8Array {
  const model = onnx.ModelProto.decode(readGraph('flat_decoder.onnx'));
  change(model);
  return onnx.ModelProto.encode(model).finish();
}

const stamped = (opset: number, ir: number) => modified((m) => { m.opsetImport[0]!.version = opset; m.irVersion = ir; });

test('a newer opset or IR version is named, with the limits and an export that works; the newest the runtime reads still passes', async () => {
  assert.throws(() => exposeAttention(stamped(21, 8), 'onnx/model.onnx'), expectError('unsupported-architecture', /onnx\/model\.onnx .*ONNX opset 21 \(ONNX Runtime 1\.14 runs opsets up to 18\)/));
  assert.throws(() => exposeAttention(stamped(21, 10), 'm.onnx'), expectError('unsupported-architecture', /opset 21 .* and ONNX IR version 10 \(.*up to 8\)/));
  assert.throws(() => exposeAttention(stamped(14, 9), 'm.onnx'), (err: Error) => WORKING.test(err.message) && /IR version 9/.test(err.message));
  // The limits are the runtime's own: it refuses IR 9 and opset 19 itself, and runs opset 18 at IR 8 after surgery.
  await assert.rejects(ort.InferenceSession.create(stamped(14, 9), { logSeverityLevel: 3 }), /IR version/);
  await assert.rejects(ort.InferenceSession.create(stamped(19, 8), { logSeverityLevel: 3 }), /Opset 19/);
  assert.throws(() => exposeAttention(stamped(19, 8), 'm.onnx'), /ONNX opset 19/);
  const ok = exposeAttention(stamped(RUNTIME.maxOpset, RUNTIME.maxIrVersion), 'm.onnx');
  const session = await ort.InferenceSession.create(ok.bytes, { logSeverityLevel: 3 });
  assert.ok(session.outputNames.includes(ok.attentionOutputs[0]!));
});

/** A graph holding one contrib attention node, as ONNX Runtime's optimizer or the genai builder writes it. */
function fusedGraph(op: string, inputs: string[]): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const value = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: 1 }, { dimParam: 'seq' }, { dimValue: 8 }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 14 }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      name: 'fused', node: [{ opType: op, domain: 'com.microsoft', name: `${op}_0`, input: inputs, output: ['y'], attribute: [{ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: 2 }] }],
      input: inputs.map(value), output: [value('y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

test('fused GroupQueryAttention and MultiHeadAttention are named with the unfused export that works (the runtime cannot even run the first)', async () => {
  for (const [op, inputs] of [['GroupQueryAttention', ['query', 'key', 'value']], ['MultiHeadAttention', ['query', 'key', 'value']]] as const) {
    const bytes = fusedGraph(op, [...inputs]);
    assert.throws(() => exposeAttention(bytes, 'onnx/model_q4.onnx'), expectError('fused-attention', new RegExp(`onnx/model_q4\\.onnx .*com\\.microsoft\\.${op} \\(node "${op}_0"\\).*without attention fusion.*${WORKING.source}`)));
  }
  await assert.rejects(ort.InferenceSession.create(fusedGraph('GroupQueryAttention', ['query', 'key', 'value']), { logSeverityLevel: 3 }), /GroupQueryAttention.*not a registered/);
});

test('an operator the runtime lacks is named when the model loads, not reported as a damaged file', async () => {
  // Attention the surgery finds, plus a contrib RotaryEmbedding (ONNX Runtime ≥ 1.17) the runtime does not know.
  const bytes = modified((m) => {
    m.opsetImport.push({ domain: 'com.microsoft', version: 1 });
    m.graph!.node!.unshift({ opType: 'RotaryEmbedding', domain: 'com.microsoft', name: 'rotary_0', input: ['wte'], output: ['rotated'] });
    m.graph!.output!.push({ name: 'rotated', type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  });
  assert.equal(exposeAttention(bytes, 'm.onnx').nLayers, 2);
  const runtimeError = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 }).then(() => null, (err: unknown) => err);
  assert.ok(runtimeError, 'the runtime refuses it');
  assert.throws(() => { throw explainSessionError('m.onnx', runtimeError); }, expectError('unsupported-architecture', /m\.onnx uses the operator com\.microsoft\.RotaryEmbedding, which ONNX Runtime 1\.14 .* does not have/));
  // Through loadModel: a model folder whose decoder holds it.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-compat-'));
  cpSync(archModelDir('llama_bytes'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'onnx', 'decoder_model_merged.onnx'), bytes);
  await assert.rejects(loadModel({ name: 'x', path: dir }, { cacheDir: path.join(dir, 'cache') }), expectError('unsupported-architecture', /onnx\/decoder_model_merged\.onnx uses the operator com\.microsoft\.RotaryEmbedding.*optimum-cli/));
  // Anything else keeps the runtime's own words.
  assert.equal(explainSessionError('m.onnx', new Error('disk on fire')).code, 'onnx-unreadable');
});
