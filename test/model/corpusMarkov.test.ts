// The corpus Markov chains a model folder ships (model/markov/ for the bundled model, and what the
// smoke pipeline writes): the loaded model reads them, their probabilities equal an independent
// Python reading of the same file, and they land in the compression table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compressionBaselines, loadModel } from '../../src/model/index';
import { bundledDir, repoRoot, smokeModelDir, testCacheDir } from '../helpers/models';
import { pythonEnv } from '../helpers/python';

const reference = path.join(repoRoot, 'test', 'model', 'fixtures', 'corpus_markov_reference.py');
const env = pythonEnv();
const TEXT = readFileSync(path.join(repoRoot, 'sample', 'copying.py'), 'utf8');

function lengthsSum(lengths: Float64Array, coded: boolean[]): number {
  return lengths.reduce((s, x, i) => (coded[i] ? s + x : s), 0);
}

async function check(dir: string, name: string): Promise<void> {
  const header = JSON.parse(readFileSync(path.join(dir, 'markov', 'markov.json'), 'utf8')) as { maxOrder: number };
  const model = await loadModel({ name, path: dir }, { cacheDir: testCacheDir });
  try {
    const corpus = model.corpusMarkov();
    assert.deepEqual(corpus.map((c) => c.order), Array.from({ length: header.maxOrder }, (_, k) => k + 1));
    const result = await model.analyze(TEXT, { topK: 5, maxTokens: 512 });
    const ids = result.tokens.map((t) => t.id);
    const ref = JSON.parse(execFileSync('/usr/bin/python3', [reference, dir], { input: JSON.stringify({ ids, distributions: [ids.slice(0, 3)] }), encoding: 'utf8', env, maxBuffer: 64 << 20 })) as { probs: number[][]; sums: number[][] };
    for (const c of corpus) {
      const lengths = c.codeLengths(ids);
      ids.forEach((_, i) => {
        const p = 2 ** -lengths[i]!, want = ref.probs[c.order - 1]![i]!;
        assert.ok(Math.abs(p - want) <= 1e-6 * Math.max(1, want), `order ${c.order}, token ${i}: ${p} vs ${want}`);
      });
      assert.ok(Math.abs(ref.sums[0]![c.order - 1]! - 1) < 1e-9, `order ${c.order} sums to 1 after the first three tokens`);
    }
    const table = compressionBaselines(result, corpus);
    for (const c of corpus) {
      const bits = lengthsSum(c.codeLengths(ids), result.tokens.map((t) => !t.special));
      assert.ok(Math.abs(table.bitsPerByte[`corpusMarkov${c.order}`]! - bits / table.bytes) < 1e-9, `corpusMarkov${c.order} row`);
    }
    assert.ok(table.bestMarkov in table.bitsPerByte);
  } finally {
    await model.dispose();
  }
}

test('the bundled model reads its corpus chains, equal to the Python reading of model/markov/', async () => {
  assert.ok(existsSync(path.join(bundledDir, 'markov', 'markov.bin')), 'the bundled model ships model/markov/');
  await check(bundledDir, 'bundled');
});

test('the smoke pipeline writes corpus chains the extension reads', async () => {
  await check(smokeModelDir(), 'smoke');
});
