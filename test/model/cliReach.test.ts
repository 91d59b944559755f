// The CLI's --reach and --baselines: the numbers equal the library's (corpus-fitted chains
// included when the model folder ships them), and without the flags the output is exactly what it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compressionBaselines, loadModel } from '../../src/model/index';
import { buildLayout } from '../helpers/hubServer';
import { repoRoot, testCacheDir, testModelDir } from '../helpers/models';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const TEXT = 'def area(r):\n    return 3.14 * r * r\n\ndef volume(r, h):\n    return area(r) * h\n';

function runCli(args: string[], input: string) {
  return spawnSync(process.execPath, [cli, 'analyze', ...args, '--cache-dir', testCacheDir, '--json'], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

interface Token { id: number; text: string; start: number; end: number; logprob: number | null; reach?: number | null; logprobByContext?: (number | null)[] }
interface Output { tokens: Token[]; reachContexts?: number[]; baselines?: { bytes: number; bitsPerByte: Record<string, number> }; [key: string]: unknown }

test('build the CLI bundle', () => {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
});

test('--reach K and --baselines add their fields, equal to the library; without them the output is unchanged', async () => {
  const dir = testModelDir();
  const plain = runCli(['--model', dir], TEXT);
  const both = runCli(['--model', dir, '--reach', '8', '--baselines'], TEXT);
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(both.status, 0, both.stderr);
  const p = JSON.parse(plain.stdout) as Output;
  const b = JSON.parse(both.stdout) as Output;
  assert.deepEqual(Object.keys(p), ['model', 'tokens', 'attention', 'next']);
  assert.deepEqual(Object.keys(p.tokens[0]!), ['id', 'text', 'start', 'end', 'logprob']);
  assert.deepEqual(Object.keys(b), ['model', 'tokens', 'attention', 'next', 'reachContexts', 'baselines']);
  assert.deepEqual(b.reachContexts, [1, 2, 3, 4, 5, 6, 7, 8]);
  // Take the additions away and what is left is the plain output, byte for byte.
  const stripped = { ...b, tokens: b.tokens.map(({ reach: _r, logprobByContext: _l, ...t }) => t) };
  delete stripped.reachContexts;
  delete stripped.baselines;
  assert.equal(JSON.stringify(stripped), plain.stdout.trim());

  const model = await loadModel({ name: 'lib', path: dir }, { cacheDir: testCacheDir });
  try {
    const lib = await model.analyze(TEXT, { topK: 10, maxTokens: 512 });
    const reach = await model.contextReach(lib.tokens.map((t) => t.id), { maxContext: 8 });
    b.tokens.forEach((t, i) => {
      assert.equal(t.reach, reach.reach[i]! > 0 ? reach.reach[i] : null, `reach of token ${i}`);
      assert.equal(t.logprobByContext!.length, 8);
      t.logprobByContext!.forEach((x, k) => {
        const want = reach.logProbs[i * 8 + k]!; // [T, K]
        if (Number.isNaN(want)) assert.equal(x, null, `token ${i} k=${k + 1}`);
        else assert.ok(Math.abs(x! - want) <= 1e-6, `token ${i} k=${k + 1}`);
      });
    });
    assert.equal(b.tokens[0]!.reach, null);
    assert.ok(b.tokens.slice(1).some((t) => t.reach !== null));
    const corpus = model.corpusMarkov();
    assert.equal(corpus.length > 0, existsSync(path.join(dir, 'markov', 'markov.json')), 'corpus chains exactly when the folder ships them');
    const table = compressionBaselines(lib, corpus);
    assert.equal(b.baselines!.bytes, Buffer.byteLength(TEXT));
    assert.deepEqual(Object.keys(b.baselines!.bitsPerByte), ['model', 'deflate', 'brotli', 'markov1', 'markov2', 'markov3', 'markov4', ...corpus.map((c) => `corpusMarkov${c.order}`)]);
    for (const [name, value] of Object.entries(table.bitsPerByte)) assert.ok(Math.abs(b.baselines!.bitsPerByte[name]! - value) <= 1e-9, name);
  } finally {
    await model.dispose();
  }
});

test('--reach without a number uses K = 64; encoders refuse reach but give the LZ and Markov rows', () => {
  const r = runCli(['--model', testModelDir(), '--reach'], 'x = 1\n');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Output;
  assert.equal(json.reachContexts!.length, 64);
  assert.ok(json.tokens.every((t) => t.logprobByContext!.length === 64));

  const encoder = buildLayout(mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-enc-')), 'encoder');
  const refused = runCli(['--model', encoder, '--reach', '4'], 'a b c');
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /causal models only/);
  const table = runCli(['--model', encoder, '--baselines'], 'a b c a b c');
  assert.equal(table.status, 0, table.stderr);
  const bpb = (JSON.parse(table.stdout) as Output).baselines!.bitsPerByte;
  assert.equal(bpb.model, undefined);
  assert.ok(bpb.deflate! > 0 && bpb.markov1! > 0);
  assert.match(runCli(['--model', testModelDir(), '--reach', '0'], 'x').stderr, /--reach needs a positive integer/);
});
