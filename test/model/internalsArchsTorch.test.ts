// The internals views of every decoder family (Llama with grouped-query attention and rotary,
// GPT-NeoX with partial rotary and a parallel residual, OPT with its pre-scaled query and folded
// heads) against PyTorch running the same model (fixtures/archs_internals_reference.py), ≤ 1e-4;
// and the softmax of the q·k breakdown's scores is the analysis's attention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/model/index';
import { ARCHS, archModelDir } from '../helpers/archModels';
import { fidelitySamples, testCacheDir } from '../helpers/models';
import { checkQk, checkViews, torchReference } from '../helpers/internalsChecks';
import { checkQkConsistent } from '../helpers/qkChecks';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/archs_internals_reference.py');

for (const arch of ARCHS) {
  test(`${arch}: value norms, rollout, logit lens, ablation and q·k equal PyTorch within 1e-4`, async () => {
    const dir = archModelDir(arch);
    const sample = fidelitySamples(dir).samples[0]!;
    const ref = torchReference(script, dir, sample.ids);
    const model = await loadModel({ name: arch, path: dir }, { cacheDir: testCacheDir });
    try {
      const r = await model.internals(sample.text, { valueNorms: true, rollout: true, logitLens: 5, ablation: true, qk: true, maxTokens: 100_000 });
      assert.deepEqual(r.ids, sample.ids);
      assert.deepEqual(r.problems, {});
      checkViews(r, ref, 1e-4);
      checkQk(r, ref, 1e-4);
      const a = await model.analyze(sample.text, { topK: 1, maxTokens: 100_000 });
      checkQkConsistent(r.qk!, a.attention, { L: ref.meta.L, H: ref.meta.H, T: ref.meta.T });
      a.release();
    } finally {
      await model.dispose();
    }
  });
}
