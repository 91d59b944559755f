// Every decoder family the model layer runs (Llama with grouped-query attention, GPT-NeoX, OPT)
// gives every internals view, and the logit lens's last layer is the analysis's own top-k.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/model/index';
import { ARCHS, archModelDir } from '../helpers/archModels';
import { testCacheDir } from '../helpers/models';

const text = 'The cat sat on the mat and the cat sat.';

for (const arch of ARCHS) {
  test(`${arch}: value norms, rollout, logit lens and ablation are found; the lens's last row is the model's top-k`, async () => {
    const model = await loadModel({ name: arch, path: archModelDir(arch) }, { cacheDir: testCacheDir });
    try {
      const r = await model.internals(text, { valueNorms: true, rollout: true, logitLens: 3, ablation: true, maxTokens: 64 });
      assert.deepEqual(r.problems, {});
      const { nLayers: L, nHeads: H, nTokens: T } = r.shape;
      assert.equal(r.valueNorms!.length, L * H * T);
      assert.ok(r.valueNorms!.every((x) => Number.isFinite(x) && x >= 0));
      // Rollout rows are distributions, and causal: nothing on later tokens.
      for (let q = 0; q < T; q++) {
        const row = r.rollout!.subarray(q * T, (q + 1) * T); // [T, T]
        assert.ok(Math.abs(row.reduce((a, x) => a + x, 0) - 1) < 1e-4, `rollout row ${q} sums to 1`);
        for (let k = q + 1; k < T; k++) assert.ok(row[k]! < 1e-6);
      }
      const a = await model.analyze(text, { topK: 3, maxTokens: 64 });
      assert.deepEqual(Array.from(r.logitLens!.ids.subarray((L - 1) * T * 3)), Array.from(a.topK.ids), 'the last lens row is the model\'s top-3 at every position');
      a.release();
      assert.equal(r.ablation!.delta.length, L * H * T);
      assert.ok(r.ablation!.delta.some((x) => Math.abs(x) > 1e-4), 'zeroing some head changes some token');
    } finally {
      await model.dispose();
    }
  });
}
