// Corpus-fitted Markov chains: files written by training/markov_export.py from a small random
// corpus, read by src/model/corpusMarkov.ts, against an independent Python reading of the same
// file (test/model/fixtures/corpus_markov_reference.py) and against normalisation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { corpusMarkovLoader, CorpusMarkovModels } from '../../../src/model/corpusMarkov';
import { AttentionLensError } from '../../../src/model/errors';
import { rng } from '../../helpers/randomText';
import { pythonEnv } from '../../helpers/python';

const root = path.resolve(__dirname, '../../..');
const reference = path.join(root, 'test', 'model', 'fixtures', 'corpus_markov_reference.py');
const env = pythonEnv({ PYTHONPATH: root });
const V = 23;

/** A model folder holding only markov/, fitted by the exporter on a skewed random corpus with the given thresholds. */
function fitted(minCounts: number[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-markov-'));
  const script = [
    'import json, os, sys, numpy as np',
    'from training.markov_export import build_levels, encode',
    'a = json.loads(sys.argv[1])',
    'r = np.random.default_rng(3)',
    'tokens = r.integers(0, a["V"], 4000) % (1 + r.integers(1, a["V"], 4000))',
    'header, blob = encode(build_levels(tokens, a["V"], len(a["min"]) - 1, tuple(a["min"])), a["V"], {})',
    'os.makedirs(os.path.join(a["dir"], "markov"))',
    'open(os.path.join(a["dir"], "markov", "markov.bin"), "wb").write(blob)',
    'json.dump(header, open(os.path.join(a["dir"], "markov", "markov.json"), "w"))',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify({ V, dir, min: minCounts })], { cwd: root, env });
  return dir;
}

function pythonReference(dir: string, ids: number[], distributions: number[][]): { probs: number[][]; sums: number[][] } {
  return JSON.parse(execFileSync('/usr/bin/python3', [reference, dir], { input: JSON.stringify({ ids, distributions }), encoding: 'utf8', env }));
}

/** Ids that revisit frequent contexts (small ids are common in the corpus) and some rare ones. */
function sampleIds(n: number, seed: number): number[] {
  const rand = rng(seed);
  return Array.from({ length: n }, () => Math.floor(rand() * V) % (1 + Math.floor(rand() * V)));
}

for (const minCounts of [[1, 1, 1, 1], [1, 2, 3, 5]]) {
  test(`code lengths equal the Python reading of the same file (thresholds ${minCounts.join(', ')})`, () => {
    const dir = fitted(minCounts);
    try {
      const models = CorpusMarkovModels.read(dir)!;
      assert.equal(models.maxOrder, 3);
      const ids = sampleIds(300, minCounts[1]!);
      const ref = pythonReference(dir, ids, []);
      const lengths = models.codeLengths(ids); // [K][T]
      for (let k = 1; k <= 3; k++) {
        for (let i = 0; i < ids.length; i++) {
          const p = 2 ** -lengths[k - 1]![i]!;
          assert.ok(Math.abs(p - ref.probs[k - 1]![i]!) <= 1e-6 * Math.max(1, p), `order ${k}, token ${i}: ${p} vs ${ref.probs[k - 1]![i]}`);
          assert.ok(Math.abs(models.probability(ids, i, k) - p) <= 1e-12, 'one walk for all orders = one walk per order');
        }
      }
      assert.deepEqual(models.models().map((m) => m.order), [1, 2, 3]);
      assert.deepEqual(models.models()[1]!.codeLengths(ids), lengths[1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('every conditional distribution sums to 1 over the vocabulary, pruned or not, seen context or not', () => {
  const dir = fitted([1, 2, 3, 5]);
  try {
    const models = CorpusMarkovModels.read(dir)!;
    const contexts = [[], [0], [1, 0], [0, 0, 1], [2, 1, 0], [22, 22, 22], ...Array.from({ length: 6 }, (_, s) => sampleIds(3, 40 + s))];
    const ref = pythonReference(dir, [0], contexts);
    contexts.forEach((ctx, c) => {
      for (let k = 1; k <= 3; k++) {
        let sum = 0;
        for (let w = 0; w < V; w++) sum += models.probability([...ctx, w], ctx.length, k);
        assert.ok(Math.abs(sum - 1) <= 1e-12, `context [${ctx}] order ${k}: ${sum}`);
        assert.ok(Math.abs(ref.sums[c]![k - 1]! - 1) <= 1e-12, `Python: context [${ctx}] order ${k}`);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder without markov/ has no corpus models; a damaged or mismatched file says so', () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-markov-none-'));
  const dir = fitted([1, 2, 2, 3]);
  try {
    assert.deepEqual(corpusMarkovLoader(empty, V)(), []);
    assert.equal(corpusMarkovLoader(dir, V)().length, 3);
    assert.throws(() => corpusMarkovLoader(dir, 50257)(), (e: unknown) => e instanceof AttentionLensError && e.code === 'corpus-markov-invalid' && /vocabulary of 23 tokens and the model has 50257/.test(e.message));
    const bin = path.join(dir, 'markov', 'markov.bin');
    writeFileSync(bin, readFileSync(bin).subarray(0, 100));
    const load = corpusMarkovLoader(dir, V);
    assert.throws(load, (e: unknown) => e instanceof AttentionLensError && e.code === 'corpus-markov-invalid' && /outside the file/.test(e.message));
    assert.throws(load, /cannot be read/, 'the failure is remembered, not retried');
    writeFileSync(path.join(dir, 'markov', 'markov.json'), '{"format": "something else"}');
    assert.throws(() => corpusMarkovLoader(dir, V)(), /expected format attention-lens-markov version 1/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
