// Loading model folders: file choice per model kind, cached surgery, encoders, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AttentionLensError, loadModel } from '../../src/model/index';
import { graphReference, testGraphsDir } from '../helpers/graphs';
import { testModelDir } from '../helpers/models';
import { letterTokenizer } from '../helpers/hubServer';
import { maxAbsDiff, expectError } from '../helpers/assertions';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'attention-lens-load-'));

/** A model folder around one of the test graphs. */
function folder(graph: string, onnxName: string, config: Record<string, unknown>, tokenizerConfig: Record<string, unknown> = {}): string {
  const ref = graphReference();
  const dir = path.join(tmp(), 'letters');
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ vocab_size: ref.vocab, n_head: ref.heads, n_positions: 32, ...config }));
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(letterTokenizer(ref.vocab)));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', model_max_length: 32, ...tokenizerConfig }));
  copyFileSync(path.join(testGraphsDir(), graph), path.join(dir, 'onnx', onnxName));
  return dir;
}

const lettersOf = (ids: number[]) => ids.map((i) => String.fromCharCode(97 + i)).join(' ');


test('a plain (non-merged) decoder export loads and analyses against the numpy reference', async () => {
  const ref = graphReference();
  const dir = folder('flat_decoder.onnx', 'decoder_model.onnx', { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] });
  const model = await loadModel({ name: 'flat', path: dir }, { cacheDir: tmp() });
  assert.equal(model.info.kind, 'decoder');
  assert.equal(model.info.nLayers, ref.layers);
  const text = lettersOf(ref.ids);
  const result = await model.analyze(text, { topK: 3, maxTokens: 512 });
  assert.deepEqual(result.tokens.map((t) => t.id), ref.ids);
  assert.deepEqual(result.tokens.map((t) => text.slice(t.start, t.end)), ref.ids.map((i) => String.fromCharCode(97 + i)));
  assert.ok(maxAbsDiff(result.attention, ref.decoder.attention) <= 1e-4);
  // logprob of token 1 from the reference logits row 0
  const row = ref.decoder.logits.slice(0, ref.vocab);
  const logZ = Math.log(row.reduce((s, x) => s + Math.exp(x), 0));
  assert.ok(Math.abs(result.tokens[1]!.logprob! - (row[ref.ids[1]!]! - logZ)) <= 1e-4);
  assert.equal((await model.probe('a b', { topK: 2 })).cached, false);
  assert.equal((await model.probe('a b c', { topK: 2 })).cached, false, 'no past inputs: every probe recomputes');
  await model.dispose();
  await assert.rejects(model.analyze('a', { topK: 1, maxTokens: 4 }), (e: unknown) => e instanceof AttentionLensError && e.code === 'disposed');
});

test('an encoder (BERT-style) folder: bidirectional attention, no log-probabilities, no next tokens', async () => {
  const ref = graphReference();
  const lastLetter = String.fromCharCode(97 + ref.vocab - 1);
  const dir = folder('encoder.onnx', 'model.onnx', { model_type: 'bert', architectures: ['BertForMaskedLM'] }, { mask_token: lastLetter });
  const model = await loadModel({ name: 'enc', path: dir }, { cacheDir: tmp() });
  assert.equal(model.info.kind, 'encoder');
  const result = await model.analyze(lettersOf(ref.ids), { topK: 3, maxTokens: 512 });
  assert.ok(maxAbsDiff(result.attention, ref.encoder_zero_types.attention) <= 1e-4);
  assert.ok(result.tokens.every((t) => t.logprob === null && t.rank === null));
  assert.deepEqual(result.next, []);
  assert.equal(result.topK.k, 0);
  await assert.rejects(model.probe('a b', { topK: 2 }), /encoder/);
  // Masked-token prediction at token 2 equals the softmax of the reference logits there.
  const masked = await model.predictMasked(lettersOf(ref.ids), 2, 3);
  assert.equal(masked.original.id, ref.ids[2]);
  const row = ref.encoder_masked_2.logits.slice(2 * ref.vocab, 3 * ref.vocab); // [T, V] row 2
  const max = Math.max(...row);
  const z = row.reduce((s, x) => s + Math.exp(x - max), 0);
  const probs = row.map((x) => Math.exp(x - max) / z);
  const order = probs.map((p, v) => [p, v] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
  assert.deepEqual(masked.next.map((n) => n.id), order.map(([, v]) => v));
  masked.next.forEach((n, i) => assert.ok(Math.abs(n.prob - order[i]![0]) <= 1e-4));
  await assert.rejects(model.predictMasked('a b', 5, 3), /does not exist/);
  await model.dispose();
});

test('only a quantized file present: it is chosen; maxTokens truncates and says so', async () => {
  const ref = graphReference();
  const dir = folder('quantized_decoder.onnx', 'decoder_model_quantized.onnx', { model_type: 'gpt2' });
  const model = await loadModel({ name: 'q', path: dir }, { cacheDir: tmp() });
  const result = await model.analyze(lettersOf(ref.ids), { topK: 2, maxTokens: 4 });
  assert.equal(result.shape.nTokens, 4);
  assert.equal(result.attention.length, ref.layers * ref.heads * 16);
  assert.deepEqual(result.truncated, { reason: 'maxTokens', totalTokens: ref.ids.length, shownTokens: 4, shownChars: 7, totalIsLowerBound: false });
  await model.dispose();
});

test('surgery runs once: the patched file is cached by the source hash', async () => {
  const cacheDir = tmp();
  const dir = testModelDir();
  const first = await loadModel({ name: 'a', path: dir }, { cacheDir, onProgress: () => undefined });
  const files = readdirSync(cacheDir).sort();
  assert.equal(files.filter((f) => f.endsWith('.onnx')).length, 1);
  const mtime = statSync(path.join(cacheDir, files.find((f) => f.endsWith('.onnx'))!)).mtimeMs;
  const messages: string[] = [];
  const second = await loadModel({ name: 'b', path: dir }, { cacheDir, onProgress: (m) => messages.push(m) });
  assert.deepEqual(readdirSync(cacheDir).sort(), files);
  assert.equal(statSync(path.join(cacheDir, files.find((f) => f.endsWith('.onnx'))!)).mtimeMs, mtime, 'not rewritten');
  assert.ok(messages.length > 0, 'progress is reported');
  await first.dispose();
  await second.dispose();
  rmSync(cacheDir, { recursive: true, force: true });
});

test('the source hash is remembered by size and modification time: a cached start reads no source bytes; a changed file is hashed again', async () => {
  const cacheDir = tmp();
  const dir = path.join(tmp(), 'copy');
  cpSync(testModelDir(), dir, { recursive: true });
  const onnx = path.join(dir, 'onnx', 'decoder_model_merged.onnx');
  const original = readFileSync(onnx);
  const sha = createHash('sha256').update(original).digest('hex').slice(0, 24);
  const memoName = () => {
    const names = readdirSync(cacheDir).filter((n) => n.startsWith('source-'));
    assert.equal(names.length, 1, `one memo: ${names.join(', ')}`);
    return path.join(cacheDir, names[0]!);
  };
  const memo = () => JSON.parse(readFileSync(memoName(), 'utf8')) as { path: string; size: number; mtimeMs: number; hash: string };
  const when = 1_700_000_000; // whole seconds: a time utimes can set back exactly
  utimesSync(onnx, when, when);
  await (await loadModel({ name: 'a', path: dir }, { cacheDir })).dispose();
  assert.equal(memo().hash, sha);
  assert.ok(readdirSync(cacheDir).some((n) => n.startsWith(`patched-${sha}-decoder-`) && n.endsWith('.onnx')));
  // Same size and modification time: the remembered hash is trusted and the source is never read
  // (garbage of the same size in its place still loads the cached patched graph).
  writeFileSync(onnx, Buffer.alloc(original.length, 7));
  utimesSync(onnx, when, when);
  const cachedStart = await loadModel({ name: 'b', path: dir }, { cacheDir });
  assert.ok((await cachedStart.analyze('x = 1', { topK: 2, maxTokens: 8 })).tokens.length > 0);
  await cachedStart.dispose();
  writeFileSync(onnx, original);
  utimesSync(onnx, when, when);
  // A memo whose hash names no cached entry (the cache was cleared) is not trusted: hashed again.
  writeFileSync(memoName(), JSON.stringify({ ...memo(), hash: 'f'.repeat(24) }));
  await (await loadModel({ name: 'c', path: dir }, { cacheDir })).dispose();
  assert.equal(memo().hash, sha);
  // The file written again (a new modification time): hashed afresh; garbage now fails as garbage.
  writeFileSync(onnx, Buffer.alloc(original.length, 7));
  await assert.rejects(loadModel({ name: 'd', path: dir }, { cacheDir }), AttentionLensError);
  assert.notEqual(memo().hash, sha);
  rmSync(cacheDir, { recursive: true, force: true });
  rmSync(path.dirname(dir), { recursive: true, force: true });
});

test('an unwritable cache folder does not stop loading (the patched model stays in memory)', async () => {
  const blocker = path.join(tmp(), 'a-file');
  writeFileSync(blocker, 'not a folder');
  const model = await loadModel({ name: 'nocache', path: testModelDir() }, { cacheDir: path.join(blocker, 'cache') });
  const result = await model.analyze('x = 1', { topK: 2, maxTokens: 16 });
  assert.ok(result.shape.nTokens > 0);
  await model.dispose();
});


test('broken folders give clear errors', async () => {
  await assert.rejects(loadModel({ name: 'x', path: path.join(tmp(), 'nope') }), expectError('model-folder-missing', /not found/));
  await assert.rejects(loadModel({ name: 'x', path: tmp() }), expectError('model-files-missing', /lacks config\.json, tokenizer\.json, tokenizer_config\.json/));

  const noOnnx = path.join(tmp(), 'm');
  cpSync(testModelDir(), noOnnx, { recursive: true });
  const onnxFiles = readdirSync(path.join(noOnnx, 'onnx'));
  for (const f of onnxFiles) writeFileSync(path.join(noOnnx, 'onnx', f), 'not a model');
  await assert.rejects(loadModel({ name: 'x', path: noOnnx }, { cacheDir: tmp() }), expectError('onnx-unreadable', /not a readable ONNX model/));

  writeFileSync(path.join(noOnnx, 'config.json'), '{ broken');
  await assert.rejects(loadModel({ name: 'x', path: noOnnx }), expectError('config-unreadable', /config\.json .* not valid JSON/));

  const fused = folder('fused_attention.onnx', 'decoder_model.onnx', { model_type: 'gpt2' });
  await assert.rejects(loadModel({ name: 'x', path: fused }, { cacheDir: tmp() }), expectError('fused-attention', /com\.microsoft\.Attention.*onnx\/decoder_model\.onnx|onnx\/decoder_model\.onnx.*com\.microsoft\.Attention/));

  const seq2seq = folder('flat_decoder.onnx', 'decoder_model.onnx', { model_type: 't5', is_encoder_decoder: true });
  await assert.rejects(loadModel({ name: 'x', path: seq2seq }), expectError('unsupported-architecture', /encoder–decoder/));
});

test('patching anew drops the same source\'s entries of other surgery versions, and nothing else', async () => {
  const cacheDir = tmp();
  await (await loadModel({ name: 'a', path: testModelDir() }, { cacheDir })).dispose();
  const current = readdirSync(cacheDir).filter((n) => n.startsWith('patched-'));
  assert.equal(current.length, 2, current.join(', ')); // .onnx and .json
  const stale = current.map((n) => n.replace(/-v(\d+)\./, (_, v: string) => `-v${Number(v) - 1}.`));
  const other = 'patched-0123456789abcdef01234567-decoder-v1.onnx'; // another source's entry
  for (const n of [...stale, other]) writeFileSync(path.join(cacheDir, n), 'old');
  for (const n of current) rmSync(path.join(cacheDir, n));
  await (await loadModel({ name: 'b', path: testModelDir() }, { cacheDir })).dispose();
  const after = readdirSync(cacheDir).filter((n) => n.startsWith('patched-')).sort();
  assert.deepEqual(after, [...current, other].sort());
  rmSync(cacheDir, { recursive: true, force: true });
});
