// The CLI end to end: build dist/cli.js, run it on a model, check the JSON against the library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModel } from '../../src/model/index';
import { repoRoot, testCacheDir, testModelDir } from '../helpers/models';
import { python } from '../helpers/python';

const cli = path.join(repoRoot, 'dist', 'cli.js');
const cacheDir = testCacheDir;
const work = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-'));

function runCli(args: string[], input?: string) {
  return spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
}

test('build the CLI bundle', () => {
  const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
});

test('analyze --json from a file and from stdin prints the documented object', async () => {
  const dir = testModelDir();
  const text = 'const x = 1;\tconsole.log(x); // ✓ 👍\r\n';
  const file = path.join(work, 'in.txt');
  writeFileSync(file, text);
  const fromFile = runCli(['analyze', '--model', dir, '--text-file', file, '--top-k', '4', '--cache-dir', cacheDir, '--json']);
  assert.equal(fromFile.status, 0, fromFile.stderr);
  const json = JSON.parse(fromFile.stdout) as {
    model: string; tokens: { id: number; text: string; start: number; end: number; logprob: number | null }[];
    attention: { shape: number[]; data: number[] }; next: { id: number; token: string; prob: number }[];
  };
  assert.deepEqual(Object.keys(json), ['model', 'tokens', 'attention', 'next']);
  const T = json.tokens.length;
  const [L, H] = json.attention.shape;
  assert.deepEqual(json.attention.shape.slice(2), [T, T]);
  assert.equal(json.attention.data.length, L! * H! * T * T);
  assert.equal(json.next.length, 4);
  assert.equal(json.tokens[0]!.logprob, null);

  const model = await loadModel({ name: 'lib', path: dir }, { cacheDir });
  const lib = await model.analyze(text, { topK: 4, maxTokens: 512 });
  await model.dispose();
  assert.deepEqual(json.tokens.map((t) => [t.id, t.start, t.end]), lib.tokens.map((t) => [t.id, t.start, t.end]));
  json.tokens.forEach((t, i) => { if (i > 0) assert.ok(Math.abs(t.logprob! - lib.tokens[i]!.logprob!) < 1e-9); });
  let maxDiff = 0;
  json.attention.data.forEach((x, i) => { maxDiff = Math.max(maxDiff, Math.abs(x - lib.attention[i]!)); });
  assert.ok(maxDiff < 1e-6);
  assert.deepEqual(json.next.map((n) => n.id), lib.next.map((n) => n.id));

  const fromStdin = runCli(['analyze', '--model', dir, '--top-k', '4', '--cache-dir', cacheDir, '--json'], text);
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  assert.equal(fromStdin.stdout, fromFile.stdout);
});

test('without --attention-out the JSON is JSON.stringify of the analysis byte for byte; with it a .npy holds the same attention', async () => {
  const dir = testModelDir();
  const text = 'def f(x):\n    return x * 2  # twice\n'.repeat(6);
  const file = path.join(work, 'npy-in.txt');
  writeFileSync(file, text);
  const base = ['analyze', '--model', dir, '--text-file', file, '--top-k', '3', '--cache-dir', cacheDir, '--json'];
  const plain = runCli(base);
  assert.equal(plain.status, 0, plain.stderr);
  const model = await loadModel({ name: path.basename(dir), path: dir }, { cacheDir });
  const lib = await model.analyze(text, { topK: 3, maxTokens: 512 });
  await model.dispose();
  const s = lib.shape;
  const shape = [s.nLayers, s.nHeads, s.nTokens, s.nTokens];
  const expected = JSON.stringify({
    model: lib.model.name,
    tokens: lib.tokens.map((t) => ({ id: t.id, text: t.text, start: t.start, end: t.end, logprob: t.logprob })),
    attention: { shape, data: Array.from(lib.attention) },
    next: lib.next.map((n) => ({ id: n.id, token: n.token, prob: n.prob })),
  }) + '\n';
  assert.equal(plain.stdout, expected);

  const plainFile = path.join(work, 'plain.json');
  writeFileSync(plainFile, plain.stdout);
  for (const dtype of ['float32', 'float16'] as const) {
    const npy = path.join(work, `att-${dtype}.npy`);
    const withFile = runCli([...base, '--attention-out', npy, ...(dtype === 'float16' ? ['--attention-dtype', dtype] : [])]);
    assert.equal(withFile.status, 0, withFile.stderr);
    const json = JSON.parse(withFile.stdout) as { attention: unknown; tokens: unknown[]; next: unknown[] };
    assert.deepEqual(json.attention, { shape, dtype, file: npy });
    const ref = JSON.parse(expected) as { tokens: unknown[]; next: unknown[] };
    assert.deepEqual([json.tokens, json.next], [ref.tokens, ref.next]);
    // NumPy reads the file; its values are the inline JSON's (float16: NumPy's own rounding of them).
    const got = JSON.parse(python(`
import sys, json, numpy as np
a = np.load(sys.argv[1]); ref = np.array(json.load(open(sys.argv[2]))["attention"]["data"], dtype=np.float32).reshape(a.shape)
print(json.dumps({"dtype": str(a.dtype), "shape": list(a.shape), "same": bool(np.array_equal(a, ref.astype(a.dtype)))}))
`, npy, plainFile)) as { dtype: string; shape: number[]; same: boolean };
    assert.deepEqual(got, { dtype, shape, same: true });
  }
  const badDtype = runCli([...base, '--attention-dtype', 'float16']);
  assert.equal(badDtype.status, 2);
  assert.match(badDtype.stderr, /--attention-dtype needs --attention-out/);
  const unknownDtype = runCli([...base, '--attention-out', path.join(work, 'x.npy'), '--attention-dtype', 'int8']);
  assert.equal(unknownDtype.status, 2);
  assert.match(unknownDtype.stderr, /float32 or float16, got "int8"/);
  const unwritable = runCli([...base, '--attention-out', path.join(work, 'no', 'such', 'dir.npy')]);
  assert.equal(unwritable.status, 1);
  assert.equal(unwritable.stdout, '');
  assert.match(unwritable.stderr, /cannot write .*dir\.npy/);
});

test('--max-tokens truncates and reports it on stderr', () => {
  const r = runCli(['analyze', '--model', testModelDir(), '--max-tokens', '5', '--cache-dir', cacheDir, '--json'], 'one two three four five six seven eight nine ten');
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { tokens: unknown[]; attention: { shape: number[] } };
  assert.equal(json.tokens.length, 5);
  assert.equal(json.attention.shape[3], 5);
  assert.match(r.stderr, /analysed the first 5 of \d+ tokens/);
});

test('errors go to stderr with a non-zero exit; --help works', () => {
  const missing = runCli(['analyze', '--model', path.join(work, 'nope'), '--json'], 'hello');
  assert.notEqual(missing.status, 0);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /Model folder not found/);
  const noJson = runCli(['analyze', '--model', testModelDir()], 'hello');
  assert.equal(noJson.status, 2);
  assert.match(noJson.stderr, /--json is required/);
  const empty = runCli(['analyze', '--model', testModelDir(), '--json'], '');
  assert.notEqual(empty.status, 0);
  assert.match(empty.stderr, /empty/);
  const badK = runCli(['analyze', '--model', testModelDir(), '--top-k', 'x', '--json'], 'hi');
  assert.match(badK.stderr, /--top-k needs a positive integer/);
  const help = runCli(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: attention-lens analyze --model <bundled\|DIR>/);
});

test('--model bundled is <root>/model next to dist/cli.js (here: a copied layout)', async () => {
  const { copyFileSync, mkdirSync, symlinkSync } = await import('node:fs');
  const root = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-root-'));
  mkdirSync(path.join(root, 'dist'));
  copyFileSync(cli, path.join(root, 'dist', 'cli.js'));
  writeFileSync(path.join(root, 'package.json'), '{"name":"attention-lens-copy"}');
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  symlinkSync(testModelDir(), path.join(root, 'model'));
  const r = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'analyze', '--model', 'bundled', '--cache-dir', cacheDir, '--json'], { input: 'print(1)', encoding: 'utf8', cwd: os.tmpdir() });
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { model: string; tokens: unknown[] };
  assert.equal(json.model, 'bundled');
  assert.ok(json.tokens.length > 0);
});
