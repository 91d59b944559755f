// The compression table: deflate sizes against Python's zlib (another zlib build), brotli by a
// round trip, Markov and model rows against sums worked out here from their per-token lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { brotliBytes, compressionBaselines, deflateBytes } from '../../../src/model/baselines';
import { adaptiveMarkovBits } from '../../../src/common/markov';
import type { AnalysisResult, TokenInfo } from '../../../src/model/types';

const TEXT = 'for (const x of xs) {\n  total += x; // ✓ naïve\n}\nfor (const y of ys) {\n  total += y;\n}\n'.repeat(3);

/** Raw deflate level 9 size from Python's zlib. */
function pythonDeflate(data: Uint8Array): number {
  const code = 'import sys, zlib\nc = zlib.compressobj(9, zlib.DEFLATED, -15)\nd = sys.stdin.buffer.read()\nprint(len(c.compress(d) + c.flush()))';
  return Number(execFileSync('python3', ['-c', code], { input: data }).toString());
}

test('deflate: a valid raw stream whose size agrees with an independent zlib build', () => {
  const data = new TextEncoder().encode(TEXT);
  const ours = deflateBytes(data);
  const theirs = pythonDeflate(data);
  // Different zlib versions (Node's 1.3 and Python's) may pick slightly different matches.
  assert.ok(Math.abs(ours - theirs) <= Math.max(2, 0.02 * theirs), `node ${ours} vs python ${theirs}`);
  assert.ok(ours < data.length / 2, 'a text written three times deflates well');
});

test('brotli and deflate: the streams decompress to the input', () => {
  const data = new TextEncoder().encode(TEXT);
  const stream = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  assert.deepEqual(new Uint8Array(brotliDecompressSync(stream)), data);
  assert.equal(brotliBytes(data), stream.length);
  const deflated = deflateRawSync(data, { level: 9 });
  assert.deepEqual(new Uint8Array(inflateRawSync(deflated)), data);
  assert.equal(deflateBytes(data), deflated.length);
});

/** A stand-in analysis: one token per word-ish piece, made-up log-probabilities. */
function fakeAnalysis(kind: 'decoder' | 'encoder', special = false): AnalysisResult {
  const pieces = TEXT.match(/\w+|\s+|[^\w\s]/gu)!;
  const vocab = new Map<string, number>();
  let at = 0;
  const tokens: TokenInfo[] = pieces.map((p, i) => {
    if (!vocab.has(p)) vocab.set(p, vocab.size);
    const t: TokenInfo = { id: vocab.get(p)!, text: p, display: p, start: at, end: at + p.length, logprob: kind === 'decoder' && i > 0 ? -0.5 - (i % 3) : null, rank: null, special: false };
    at += p.length;
    return t;
  });
  if (special) tokens.unshift({ id: 99, text: '', display: '<s>', start: 0, end: 0, logprob: null, rank: null, special: true });
  return {
    model: { name: 'fake', path: '', kind, modelType: 'gpt2', nLayers: 1, nHeads: 1, contextLength: 1024, vocabSize: 128 },
    text: TEXT, tokens, shape: { nLayers: 1, nHeads: 1, nTokens: tokens.length }, attention: new Float32Array(0),
    topK: { k: 0, ids: new Int32Array(0), probs: new Float32Array(0) }, next: [], truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 }, release: () => undefined,
  };
}

test('bits per byte: model, deflate, brotli and Markov rows from their code lengths over the same bytes', () => {
  const r = fakeAnalysis('decoder');
  const b = compressionBaselines(r);
  const bytes = Buffer.byteLength(TEXT, 'utf8');
  assert.equal(b.bytes, bytes);
  assert.deepEqual(Object.keys(b.bitsPerByte), ['model', 'deflate', 'brotli', 'markov1', 'markov2', 'markov3', 'markov4']);
  const modelBits = Math.log2(128) + r.tokens.slice(1).reduce((s, t) => s - t.logprob! / Math.LN2, 0);
  assert.ok(Math.abs(b.bitsPerByte.model! - modelBits / bytes) < 1e-9);
  const data = new TextEncoder().encode(TEXT);
  assert.equal(b.bitsPerByte.deflate, (8 * deflateBytes(data)) / bytes);
  assert.equal(b.bitsPerByte.brotli, (8 * brotliBytes(data)) / bytes);
  const ids = r.tokens.map((t) => t.id);
  const markov = adaptiveMarkovBits(ids, 128, 4);
  for (let k = 1; k <= 4; k++) assert.ok(Math.abs(b.bitsPerByte[`markov${k}`]! - markov[k - 1]!.reduce((s, x) => s + x, 0) / bytes) < 1e-9);
  const best = [1, 2, 3, 4].reduce((a, k) => (b.bitsPerByte[`markov${k}`]! < b.bitsPerByte[`markov${a}`]! ? k : a), 1);
  assert.equal(b.bestMarkov, `markov${best}`);
  assert.ok(Number.isNaN(b.modelMinusMarkov![0]!), 'no model prediction for the first token');
  for (let i = 1; i < ids.length; i++) assert.ok(Math.abs(b.modelMinusMarkov![i]! - (r.tokens[i]!.logprob! / Math.LN2 + markov[best - 1]![i]!)) < 1e-5);
});

test('tokens the tokenizer adds cost nothing; encoders get LZ and Markov rows but no model row or strip', () => {
  const plain = compressionBaselines(fakeAnalysis('decoder'));
  const withBos = compressionBaselines(fakeAnalysis('decoder', true));
  assert.equal(withBos.bytes, plain.bytes);
  assert.ok(Number.isNaN(withBos.modelMinusMarkov![0]!));
  const enc = compressionBaselines(fakeAnalysis('encoder'));
  assert.equal(enc.bitsPerByte.model, undefined);
  assert.equal(enc.modelMinusMarkov, null);
  assert.equal(enc.bitsPerByte.deflate, plain.bitsPerByte.deflate);
  assert.equal(enc.bitsPerByte.markov2, plain.bitsPerByte.markov2);
});

test('a corpus-fitted model plugs in as corpusMarkovN, and the strip compares with it when it is the best chain', () => {
  const r = fakeAnalysis('decoder');
  const worse = compressionBaselines(r, [{ order: 3, codeLengths: (ids) => new Float64Array(ids.length).fill(40) }]);
  assert.ok(Math.abs(worse.bitsPerByte.corpusMarkov3! - (40 * r.tokens.length) / worse.bytes) < 1e-9);
  assert.match(worse.bestMarkov, /^markov\d$/);
  const lengths = Float64Array.from(r.tokens, (_, i) => 0.25 + (i % 2));
  const b = compressionBaselines(r, [{ order: 1, codeLengths: () => new Float64Array(r.tokens.length).fill(30) }, { order: 2, codeLengths: () => lengths }]);
  assert.deepEqual(Object.keys(b.bitsPerByte).slice(-2), ['corpusMarkov1', 'corpusMarkov2']);
  assert.equal(b.bestMarkov, 'corpusMarkov2');
  for (let i = 1; i < r.tokens.length; i++) assert.ok(Math.abs(b.modelMinusMarkov![i]! - (r.tokens[i]!.logprob! / Math.LN2 + lengths[i]!)) < 1e-5);
});
