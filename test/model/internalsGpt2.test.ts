// The internals views of the test model (GPT-2 architecture: pre-LN, GELU MLP, tied unembedding,
// merged decoder) against a PyTorch implementation reading the same weights by name
// (fixtures/gpt2_internals_reference.py), within the fidelity tolerance; and the softmax of the q·k
// breakdown's scores is the analysis's attention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/model/index';
import { fidelitySamples, readFloats, testCacheDir, testModelDir } from '../helpers/models';
import { maxAbsDiff } from '../helpers/assertions';
import { checkQk, checkViews, torchReference } from '../helpers/internalsChecks';
import { checkQkConsistent } from '../helpers/qkChecks';

const dir = testModelDir();
const { tolerance, samples } = fidelitySamples(dir);
const sample = samples[0]!;
const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/gpt2_internals_reference.py');

test(`value norms, rollout, logit lens, ablation and q·k of ${path.basename(dir)} equal PyTorch`, async () => {
  const ref = torchReference(script, dir, sample.ids);
  // The reference is the model: its logits are the training pipeline's.
  assert.ok(maxAbsDiff(ref.read('logits'), readFloats(dir, sample.logits.file)) <= tolerance, 'reference logits match the fidelity data');
  const model = await loadModel({ name: 'test', path: dir }, { cacheDir: testCacheDir });
  try {
    const r = await model.internals(sample.text, { valueNorms: true, rollout: true, logitLens: 5, ablation: true, qk: true, maxTokens: 100_000 });
    assert.deepEqual(r.ids, sample.ids);
    assert.deepEqual(r.problems, {});
    checkViews(r, ref, tolerance);
    checkQk(r, ref, tolerance);
    const a = await model.analyze(sample.text, { topK: 1, maxTokens: 100_000 });
    checkQkConsistent(r.qk!, a.attention, { L: ref.meta.L, H: ref.meta.H, T: ref.meta.T });
    a.release();
    assert.ok(r.timings.valueNorms! >= 0 && r.timings.ablation! >= 0 && r.timings.qk! >= 0);
  } finally {
    await model.dispose();
  }
});
