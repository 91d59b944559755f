// Context reach on real ONNX models: each value equals a plain forward on just the truncated
// token ids (an independent ONNX Runtime session on the unpatched file, or a direct analysis of
// the truncated text), within 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/model/index';
import { chooseOnnxFile } from '../../src/model/load';
import { buildLayout, type HubLayout } from '../helpers/hubServer';
import { ARCHS, archModelDir } from '../helpers/archModels';
import type { OnnxSession } from '../../src/model/onnxSession';
import { graphReference } from '../helpers/graphs';
import { testCacheDir, testModelDir } from '../helpers/models';
import { expectError } from '../helpers/assertions';

const cacheDir = testCacheDir;
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'attention-lens-reach-'));
const TEXT = 'def mean(values):\n    total = 0\n    for v in values:\n        total += v\n    return total / len(values)\n\nprint(mean([1, 2, 3]))\n';

/** ln p(next | context) from one plain forward of `context` alone through the unpatched ONNX file. */
async function plainLogProb(session: ort.InferenceSession, config: Record<string, number>, context: number[], next: number): Promise<number> {
  const n = context.length;
  const int64 = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
  const heads = config.n_head ?? config.num_attention_heads!;
  const headDim = (config.n_embd ?? config.hidden_size!) / heads;
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    if (name === 'input_ids') feeds[name] = int64(context);
    else if (name === 'attention_mask') feeds[name] = int64(new Array<number>(n).fill(1));
    else if (name === 'position_ids') feeds[name] = int64(context.map((_, i) => i));
    else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', [false], [1]);
    else feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, heads, 0, headDim]);
  }
  const logits = (await session.run(feeds)).logits!;
  const V = logits.dims[2]!;
  const row = (logits.data as Float32Array).subarray((n - 1) * V, n * V); // [1, n, V], last position
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let sum = 0;
  for (const x of row) sum += Math.exp(x - max);
  return row[next]! - max - Math.log(sum);
}

/** A copy of the test model whose tokenizer starts every text with <|endoftext|> (as the re-exported bundled one does). */
function withBosTokenizer(dir: string): string {
  const copy = path.join(tmp(), 'bos-model');
  cpSync(dir, copy, { recursive: true });
  const file = path.join(copy, 'tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const bos = { SpecialToken: { id: '<|endoftext|>', type_id: 0 } };
  json.post_processor = { type: 'TemplateProcessing', single: [bos, { Sequence: { id: 'A', type_id: 0 } }], pair: [bos, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }], special_tokens: {} };
  writeFileSync(file, JSON.stringify(json));
  return copy;
}

for (const variant of ['as shipped', 'with a BOS before every text'] as const) {
  test(`test model, tokenizer ${variant}: batched windows equal plain forwards of the truncated ids, the full context equals the analysis`, async () => {
    const dir = variant === 'as shipped' ? testModelDir() : withBosTokenizer(testModelDir());
    const model = await loadModel({ name: 'test', path: dir }, { cacheDir });
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, number>;
    const session = await ort.InferenceSession.create(chooseOnnxFile(dir, 'decoder', false), { logSeverityLevel: 3 });
    try {
      const analysis = await model.analyze(TEXT, { topK: 1, maxTokens: 512, attention: false });
      const ids = analysis.tokens.map((t) => t.id);
      const lead = analysis.tokens.findIndex((t) => !t.special); // tokens the tokenizer put first
      const T = ids.length;
      const K = 12;
      let progress = 0;
      const r = await model.contextReach(ids, { maxContext: K, onProgress: (done) => { progress = done; } });
      if (variant !== 'as shipped') assert.equal(lead, 1);
      assert.equal(r.prefix, lead, 'the BOS is kept in front of every window and not counted in k');
      assert.equal(progress, T - 1 - lead, 'one window per start position');
      for (let t = lead + 1; t < T; t++) assert.ok(Math.abs(r.full[t]! - analysis.tokens[t]!.logprob!) <= 1e-4, `full context of token ${t}`);
      // Every k for a few tokens (early ones whose k reaches the start, and later ones), against an independent session.
      const head = ids.slice(0, lead);
      for (const t of [lead + 1, lead + 2, lead + 5, lead + K, lead + K + 1, Math.floor(T / 2), T - 1]) {
        for (let k = 1; k <= K; k++) {
          const got = r.logProbs[t * K + k - 1]!; // [T, K]
          if (k > t - lead) { assert.ok(Number.isNaN(got), `t=${t} k=${k}: no such context`); continue; }
          const want = await plainLogProb(session, config, [...head, ...ids.slice(t - k, t)], ids[t]!);
          assert.ok(Math.abs(got - want) <= 1e-4, `t=${t} k=${k}: ${got} vs plain ${want}`);
        }
        const within = Array.from({ length: Math.min(K, t - lead) }, (_, i) => i + 1).find((k) => Math.abs(r.logProbs[t * K + k - 1]! - r.full[t]!) <= 0.1);
        assert.equal(r.reach[t], within ?? 0, `reach of token ${t}`);
      }
      for (let t = 0; t <= lead; t++) assert.equal(r.reach[t], 0, 'no reach without a prediction from real tokens');
    } finally {
      await model.dispose();
    }
  });
}

for (const layout of ['flat-decoder', 'merged-decoder'] as HubLayout[]) {
  test(`${layout} test graph (one sequence per run): reach values equal a direct analysis of the truncated text`, async () => {
    const dir = buildLayout(tmp(), layout);
    const model = await loadModel({ name: layout, path: dir }, { cacheDir: tmp() });
    try {
      const ids = graphReference().ids;
      const letters = (xs: number[]) => xs.map((i) => String.fromCharCode(97 + i)).join(' ');
      const T = ids.length, K = 4;
      const r = await model.contextReach(ids, { maxContext: K });
      for (let t = 1; t < T; t++) {
        for (let k = 1; k <= Math.min(K, t); k++) {
          const direct = await model.analyze(letters(ids.slice(t - k, t + 1)), { topK: 1, maxTokens: 32, attention: false });
          assert.deepEqual(direct.tokens.map((x) => x.id), ids.slice(t - k, t + 1));
          assert.ok(Math.abs(r.logProbs[t * K + k - 1]! - direct.tokens[k]!.logprob!) <= 1e-4, `t=${t} k=${k}`);
        }
      }
    } finally {
      await model.dispose();
    }
  });
}

test('encoders: reach is for causal models only', async () => {
  const model = await loadModel({ name: 'enc', path: buildLayout(tmp(), 'encoder') }, { cacheDir: tmp() });
  try {
    await assert.rejects(model.contextReach([1, 2, 3]), expectError('unsupported-architecture', /causal models only/));
  } finally {
    await model.dispose();
  }
});

test('a probe asked for while reach runs is answered before reach finishes', async () => {
  const model = await loadModel({ name: 'test', path: testModelDir() }, { cacheDir });
  try {
    const analysis = await model.analyze(TEXT.repeat(4), { topK: 1, maxTokens: 256, attention: false });
    let reachDone = false;
    let probed: Promise<unknown> | undefined;
    let probeDoneFirst = false;
    const reach = model.contextReach(analysis.tokens.map((t) => t.id), {
      maxContext: 32,
      onProgress: (done) => {
        if (done === 0 || probed) return; // after the first batch of windows
        probed = model.probe('def mean(', { topK: 3 }).then(() => { probeDoneFirst = !reachDone; });
      },
    }).then((r) => { reachDone = true; return r; });
    await reach;
    await probed;
    assert.ok(probeDoneFirst, 'the probe got the runtime between two reach batches');
  } finally {
    await model.dispose();
  }
});

for (const arch of ARCHS) {
  test(`${arch}: batched windows equal the model's own plain forward of the truncated ids (BOS kept when the tokenizer adds one)`, async () => {
    const dir = archModelDir(arch);
    const model = await loadModel({ name: arch, path: dir }, { cacheDir });
    try {
      const analysis = await model.analyze('def f(x):\n    return x * x + 1\n\nprint(f(2), f(3))\n', { topK: 1, maxTokens: 64, attention: false });
      const ids = analysis.tokens.map((t) => t.id);
      const lead = analysis.tokens.findIndex((t) => !t.special);
      const T = ids.length, K = 6;
      const r = await model.contextReach(ids, { maxContext: K });
      assert.equal(r.prefix, lead);
      const onnx = (model as unknown as { onnx: OnnxSession }).onnx;
      for (const t of [lead + 1, lead + 3, Math.floor(T / 2), T - 1]) {
        for (let k = 1; k <= Math.min(K, t - lead); k++) {
          const context = [...ids.slice(0, lead), ...ids.slice(t - k, t)];
          const out = await onnx.forward(context, null, 0, { logProbs: true, logits: true });
          const V = out.vocab, S = context.length;
          const row = (out.logProbs ?? out.logits)!.subarray((S - 1) * V, S * V); // [S, V], last position
          let logZ = 0;
          if (!out.logProbs) { const max = Math.max(...row); logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)); }
          const want = row[ids[t]!]! - logZ;
          assert.ok(Math.abs(r.logProbs[t * K + k - 1]! - want) <= 1e-4, `${arch} t=${t} k=${k}: ${r.logProbs[t * K + k - 1]} vs ${want}`);
        }
      }
    } finally {
      await model.dispose();
    }
  });
}
