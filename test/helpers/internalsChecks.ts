// An InternalsResult against a PyTorch reference written as float32 files (gpt2_internals_reference.py,
// archs_internals_reference.py): value norms, rollout, logit lens, ablation and the q·k breakdown.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InternalsResult } from '../../src/model/index';
import { maxAbsDiff } from './assertions';
import { pythonEnv } from './python';

export interface TorchReference {
  meta: { L: number; H: number; T: number; V: number; D?: number };
  read: (name: string) => Float32Array;
}

/** Runs a reference script (MODEL_DIR OUT_DIR ids…) with the system PyTorch and reads what it wrote. */
export function torchReference(script: string, modelDir: string, ids: number[]): TorchReference {
  const out = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-internals-ref-'));
  const env = pythonEnv();
  execFileSync('/usr/bin/python3', ['-W', 'ignore', script, modelDir, out, ...ids.map(String)], { env, stdio: 'pipe' });
  return {
    meta: JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as TorchReference['meta'],
    read: (name) => new Float32Array(Uint8Array.from(readFileSync(path.join(out, `${name}.bin`))).buffer),
  };
}

/** Value norms, rollout, lens (ranks and probabilities) and ablation within `tolerance`. */
export function checkViews(r: InternalsResult, ref: TorchReference, tolerance: number): void {
  const { L, H, T, V } = ref.meta;
  assert.deepEqual(r.shape, { nLayers: L, nHeads: H, nTokens: T });
  assert.ok(maxAbsDiff(r.valueNorms!, ref.read('value_norms')) <= tolerance, `value norms: ${maxAbsDiff(r.valueNorms!, ref.read('value_norms'))}`);
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
    else assert.ok(Math.abs(r.ablation!.delta[i]! - delta[i]!) <= tolerance, `ablation entry ${i}: ${r.ablation!.delta[i]} vs ${delta[i]}`);
    assert.equal(r.ablation!.top1Changed[i], top1[i] !== baseTop1[i % T] ? 1 : 0, `top-1 change ${i}`);
  }
}

/** Queries, keys and scale within `tolerance`; softmax inputs too where a key is visible (relative where large), and hidden where hidden. */
export function checkQk(r: InternalsResult, ref: TorchReference, tolerance: number): void {
  const qk = r.qk!;
  if (ref.meta.D !== undefined) assert.equal(qk.D, ref.meta.D);
  assert.ok(maxAbsDiff(qk.q, ref.read('qk_queries')) <= tolerance, `queries: ${maxAbsDiff(qk.q, ref.read('qk_queries'))}`);
  assert.ok(maxAbsDiff(qk.k, ref.read('qk_keys')) <= tolerance, `keys: ${maxAbsDiff(qk.k, ref.read('qk_keys'))}`);
  assert.ok(maxAbsDiff(qk.scale, ref.read('qk_scale')) <= 1e-7, 'scale');
  const scores = ref.read('qk_scores');
  assert.equal(qk.scores.length, scores.length);
  scores.forEach((x, i) => {
    if (x <= -1e8) assert.ok(qk.scores[i]! <= -1e8, `softmax input ${i} is masked`);
    else assert.ok(Math.abs(qk.scores[i]! - x) <= tolerance * Math.max(1, Math.abs(x)), `softmax input ${i}: ${qk.scores[i]} vs ${x}`);
  });
}
