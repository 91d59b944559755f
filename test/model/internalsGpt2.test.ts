// The internals views of the test model (GPT-2 architecture: pre-LN, GELU MLP, tied unembedding,
// merged decoder) against a PyTorch implementation reading the same weights by name
// (fixtures/gpt2_internals_reference.py), within the fidelity tolerance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/model/index';
import { fidelitySamples, readFloats, testCacheDir, testModelDir } from '../helpers/models';
import { maxAbsDiff } from '../helpers/assertions';

const dir = testModelDir();
const { tolerance, samples } = fidelitySamples(dir);
const sample = samples[0]!;
const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/gpt2_internals_reference.py');

function reference(): { meta: { L: number; H: number; T: number; V: number }; read: (name: string) => Float32Array } {
  const out = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-gpt2-ref-'));
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  execFileSync('/usr/bin/python3', [script, dir, out, ...sample.ids.map(String)], { env, stdio: 'inherit' });
  return {
    meta: JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as { L: number; H: number; T: number; V: number },
    read: (name) => new Float32Array(Uint8Array.from(readFileSync(path.join(out, `${name}.bin`))).buffer),
  };
}

test(`value norms, rollout, logit lens and ablation of ${path.basename(dir)} equal PyTorch`, async () => {
  const ref = reference();
  const { L, H, T, V } = ref.meta;
  // The reference is the model: its logits are the training pipeline's.
  assert.ok(maxAbsDiff(ref.read('logits'), readFloats(dir, sample.logits.file)) <= tolerance, 'reference logits match the fidelity data');
  const model = await loadModel({ name: 'test', path: dir }, { cacheDir: testCacheDir });
  try {
    const r = await model.internals(sample.text, { valueNorms: true, rollout: true, logitLens: 5, ablation: true, maxTokens: 100_000 });
    assert.deepEqual(r.ids, sample.ids);
    assert.deepEqual(r.problems, {});
    assert.deepEqual(r.shape, { nLayers: L, nHeads: H, nTokens: T });
    assert.ok(maxAbsDiff(r.valueNorms!, ref.read('value_norms')) <= tolerance, 'value norms');
    assert.ok(maxAbsDiff(r.rollout!, ref.read('rollout')) <= tolerance, 'rollout');
    const lens = ref.read('lens'); // [L, T, V] log-probabilities
    const k = r.logitLens!.k;
    for (let row = 0; row < L * T; row++) {
      const sorted = Array.from(lens.subarray(row * V, (row + 1) * V)).sort((a, b) => b - a);
      for (let i = 0; i < k; i++) {
        const id = r.logitLens!.ids[row * k + i]!; // [L, T, k]
        const refLogProb = lens[row * V + id]!;
        assert.ok(Math.abs(refLogProb - sorted[i]!) <= tolerance, `lens row ${row}: rank ${i} is the reference's rank ${i} (up to ties)`);
        assert.ok(Math.abs(r.logitLens!.probs[row * k + i]! - Math.exp(refLogProb)) <= tolerance, `lens row ${row}: probability`);
      }
    }
    const delta = ref.read('ablation');
    const top1 = ref.read('ablation_top1');
    const baseTop1 = ref.read('top1');
    for (let i = 0; i < L * H * T; i++) {
      if (i % T === 0) assert.ok(Number.isNaN(r.ablation!.delta[i]));
      else assert.ok(Math.abs(r.ablation!.delta[i]! - delta[i]!) <= tolerance, `ablation entry ${i}`);
      assert.equal(r.ablation!.top1Changed[i], top1[i] !== baseTop1[i % T] ? 1 : 0, `top-1 change ${i}`);
    }
    assert.ok(r.timings.valueNorms! >= 0 && r.timings.ablation! >= 0);
  } finally {
    await model.dispose();
  }
});
