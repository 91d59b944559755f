// A merged decoder runs from its branch with a past alone (cacheBranch.ts); one whose branch with a
// past fails from an empty past (made here: that branch reads position 0 of the past) loads with
// both branches instead, and analyses, probes and internals views work and agree with the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { loadModel } from '../../src/model/index';
import { exposeAttention } from '../../src/model/surgery';
import { isPastInput } from '../../src/model/onnxGraph';
import { testModelDir } from '../helpers/models';
import { maxAbsDiff } from '../helpers/assertions';

const MERGED = 'onnx/decoder_model_merged.onnx';
const text = 'def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n';
const tmp = (name: string) => mkdtempSync(path.join(os.tmpdir(), `attention-lens-${name}-`));

/** The test model with its branch with a past adding 0 · (sum of the past at position 0) to the logits: an error when the past is empty. */
function failingFromEmptyPast(): string {
  const dir = path.join(tmp('branch'), 'model');
  cpSync(testModelDir(), dir, { recursive: true });
  const model = onnx.ModelProto.decode(readFileSync(path.join(dir, MERGED)));
  const graph = model.graph!;
  const past = graph.input!.map((i) => i.name!).find(isPastInput)!;
  const ifNode = graph.node!.find((n) => n.opType === 'If' && n.input![0] === 'use_cache_branch')!;
  const branch = ifNode.attribute!.map((a) => a.g).find((g) => g?.node?.some((n) => n.input?.includes(past)))!;
  const logits = branch.output![0]!.name!;
  const producer = branch.node!.find((n) => n.output!.includes(logits))!;
  producer.output = producer.output!.map((o) => (o === logits ? `${logits}.raw` : o));
  branch.initializer!.push(
    { name: 'test.zero_index', dataType: onnx.TensorProto.DataType.INT64, dims: [1], int64Data: [0] },
    { name: 'test.zero', dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [0] },
  );
  branch.node!.push(
    { opType: 'Gather', name: 'test.gather', input: [past, 'test.zero_index'], output: ['test.first'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 2 }] },
    { opType: 'ReduceSum', name: 'test.sum', input: ['test.first'], output: ['test.sum'], attribute: [{ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] },
    { opType: 'Mul', name: 'test.mul', input: ['test.sum', 'test.zero'], output: ['test.nothing'] },
    { opType: 'Add', name: 'test.add', input: [`${logits}.raw`, 'test.nothing'], output: [logits] },
  );
  writeFileSync(path.join(dir, MERGED), onnx.ModelProto.encode(model).finish());
  return dir;
}

test('a merged decoder keeps only its branch with a past: no If and no use_cache_branch left', () => {
  const patched = exposeAttention(readFileSync(path.join(testModelDir(), MERGED)), MERGED);
  assert.equal(patched.cachedBranchOnly, true);
  assert.ok(!patched.inputs.some((i) => i.name === 'use_cache_branch'));
  const graph = onnx.ModelProto.decode(patched.bytes).graph!;
  assert.ok(!graph.node!.some((n) => n.opType === 'If'), 'the If is gone');
});

test('a branch with a past that fails from an empty past: both branches are kept, and everything works as in the model', async () => {
  const dir = failingFromEmptyPast();
  const cacheDir = tmp('branch-cache');
  const refCache = tmp('branch-ref-cache');
  const broken = await loadModel({ name: 'broken', path: dir }, { cacheDir });
  const reference = await loadModel({ name: 'ref', path: testModelDir() }, { cacheDir: refCache });
  try {
    const names = readdirSync(cacheDir).filter((n) => n.startsWith('patched-'));
    assert.ok(names.some((n) => /-decoder-both-v\d+\.onnx$/.test(n)), `the both-branch graph is cached: ${names.join(', ')}`);
    const [got, want] = [await broken.analyze(text, { topK: 5, maxTokens: 512 }), await reference.analyze(text, { topK: 5, maxTokens: 512 })];
    assert.ok(maxAbsDiff(got.attention, want.attention) <= 1e-5, 'attention');
    got.tokens.forEach((t, i) => assert.ok(Math.abs((t.logprob ?? 0) - (want.tokens[i]!.logprob ?? 0)) <= 1e-4, `token ${i}`));
    // Probes: the first from no past (the branch without one), the next through the cache (the branch with one).
    const first = await broken.probe(text, { topK: 3 });
    const next = await broken.probe(text + 'x', { topK: 3 });
    const wantNext = await reference.probe(text + 'x', { topK: 3, useCache: false });
    assert.equal(first.cached, false);
    assert.equal(next.cached, true);
    assert.deepEqual(next.next.map((n) => n.id), wantNext.next.map((n) => n.id));
    const [norms, wantNorms] = [await broken.internals(text, { valueNorms: true, maxTokens: 512 }), await reference.internals(text, { valueNorms: true, maxTokens: 512 })];
    assert.ok(maxAbsDiff(norms.valueNorms!, wantNorms.valueNorms!) <= 1e-4, 'an internals view');
  } finally {
    await broken.dispose();
    await reference.dispose();
    for (const d of [path.dirname(dir), cacheDir, refCache]) rmSync(d, { recursive: true, force: true });
  }
});
