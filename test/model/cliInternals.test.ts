// The CLI's internals flags: each adds its key (and nothing else changes), with the library's numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadModel } from '../../src/model/index';
import { repoRoot, testCacheDir, testModelDir } from '../helpers/models';
import { maxAbsDiff } from '../helpers/assertions';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const text = 'The cat sat on the mat. The cat sat on the';

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, 'analyze', '--model', testModelDir(), '--cache-dir', testCacheDir, '--json', ...args], { input: text, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

test('build the CLI bundle', () => {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
});

test('--value-norms, --rollout, --logit-lens K and --ablation add their keys with the library\'s numbers', async () => {
  const plain = runCli([]);
  assert.equal(plain.status, 0, plain.stderr);
  const all = runCli(['--value-norms', '--rollout', '--logit-lens', '3', '--ablation']);
  assert.equal(all.status, 0, all.stderr);
  const base = JSON.parse(plain.stdout) as Record<string, unknown>;
  const json = JSON.parse(all.stdout) as Record<string, unknown> & {
    valueNorms: { shape: number[]; data: number[] }; rollout: { shape: number[]; data: number[] };
    logitLens: { shape: number[]; ids: number[]; probs: number[] }; ablation: { shape: number[]; data: (number | null)[]; top1Changed: number[] };
  };
  assert.deepEqual(Object.keys(json), [...Object.keys(base), 'valueNorms', 'rollout', 'logitLens', 'ablation']);
  for (const key of Object.keys(base)) assert.deepEqual(json[key], base[key], `${key} unchanged`);

  const model = await loadModel({ name: 'lib', path: testModelDir() }, { cacheDir: testCacheDir });
  try {
    const lib = await model.internals(text, { valueNorms: true, rollout: true, logitLens: 3, ablation: true, maxTokens: 512 });
    const { nLayers: L, nHeads: H, nTokens: T } = lib.shape;
    assert.deepEqual(lib.problems, {});
    assert.deepEqual(json.valueNorms.shape, [L, H, T]);
    assert.ok(maxAbsDiff(json.valueNorms.data, lib.valueNorms!) <= 1e-6);
    assert.deepEqual(json.rollout.shape, [T, T]);
    assert.ok(maxAbsDiff(json.rollout.data, lib.rollout!) <= 1e-6);
    assert.deepEqual(json.logitLens.shape, [L, T, 3]);
    assert.deepEqual(json.logitLens.ids, Array.from(lib.logitLens!.ids));
    assert.ok(maxAbsDiff(json.logitLens.probs, lib.logitLens!.probs) <= 1e-6);
    // The lens's last layer is the model's own prediction: its top-3 after the last token is "next".
    assert.deepEqual(json.logitLens.ids.slice(-3), (base.next as { id: number }[]).slice(0, 3).map((n) => n.id));
    assert.deepEqual(json.ablation.shape, [L, H, T]);
    json.ablation.data.forEach((x, i) => {
      if (i % T === 0) assert.equal(x, null, 'the first token has no prediction');
      else assert.ok(Math.abs(x! - lib.ablation!.delta[i]!) <= 1e-6);
    });
    assert.deepEqual(json.ablation.top1Changed, Array.from(lib.ablation!.top1Changed));
  } finally {
    await model.dispose();
  }
});

test('--logit-lens needs a positive count', () => {
  const bad = runCli(['--logit-lens', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--logit-lens needs a positive integer/);
});
