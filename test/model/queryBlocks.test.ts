// An analysis over the memory budget runs in blocks of query rows through the key/value cache
// (queryBlocks.ts): against the same text run at once and kept as float32, every token's
// log-probability and rank, the top-k, the head statistics and the attention (within what the panel
// shows) agree, with heads off too, in this thread and through the model worker (where a released
// analysis's codes go back to the worker for the next one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allHeadStats } from '../../src/common/stats';
import { attentionLayers, isCancelled, loadModel, loadModelInWorker, type AnalysisResult, type LoadedModel } from '../../src/model/index';
import { analyzeText } from '../../src/model/analyze';
import { AttentionPool } from '../../src/model/attentionPool';
import type { OnnxSession } from '../../src/model/onnxSession';
import { blockRows } from '../../src/model/queryBlocks';
import type { Tokenization } from '../../src/model/tokenize';
import { testCacheDir, testModelDir } from '../helpers/models';
import { assertShownEqual, compactOpts, compactText } from '../helpers/compactAttention';

/** 160 tokens of 4 × 4 heads: blocks of 70, 43 and 47 rows. */
const BUDGET_MB = 1.25;

/** The test model loaded (in this thread or the worker) for `fn`, disposed after. */
async function withModel(fn: (model: LoadedModel) => Promise<void>, load = loadModel): Promise<void> {
  const model = await load({ name: 'm', path: testModelDir() }, { cacheDir: testCacheDir });
  try {
    await fn(model);
  } finally {
    await model.dispose();
  }
}

function assertSameAnalysis(blocks: AnalysisResult, dense: AnalysisResult, what: string): void {
  const { nLayers: L, nHeads: H, nTokens: T } = dense.shape;
  assert.deepEqual(blocks.shape, dense.shape, `${what}: shape`);
  dense.tokens.forEach((t, i) => {
    const b = blocks.tokens[i]!;
    if (t.logprob === null) assert.equal(b.logprob, null, `${what}: token ${i} has no score`);
    else assert.ok(b.logprob !== null && Math.abs(b.logprob - t.logprob) <= 1e-4, `${what}: token ${i}'s log-probability ${b.logprob} for ${t.logprob}`);
    if (b.logprob === t.logprob) assert.equal(b.rank, t.rank, `${what}: token ${i}'s rank`);
    assert.deepEqual([b.start, b.end, b.id], [t.start, t.end, t.id]);
  });
  assert.deepEqual(Array.from(blocks.topK.ids), Array.from(dense.topK.ids), `${what}: top-k ids at every position`);
  assertShownEqual(blocks.topK.probs, dense.topK.probs, `${what}: top-k probabilities`);
  const stats = blocks.headStats!;
  assert.equal(stats.length, L * H * 7);
  const denseLayers = attentionLayers(dense);
  const want = allHeadStats(dense.attention, L, H, T, dense.tokens.map((t) => t.id), true);
  want.forEach((w, i) => assert.ok(Number.isNaN(w) ? Number.isNaN(stats[i]!) : Math.abs(stats[i]! - w) <= 1e-5, `${what}: statistic ${i}`));
  const layers = attentionLayers(blocks);
  for (let l = 0; l < L; l++) assertShownEqual(layers.layer(l), denseLayers.layer(l), `${what}: layer ${l}`);
}

test('in blocks of query rows through the cache: the same scores, statistics and attention as at once', () => withModel(async (model) => {
  const dense = await model.analyze(compactText, compactOpts);
  const { nLayers: L, nHeads: H, nTokens: T } = dense.shape;
  assert.ok(blockRows(0, T, L * H, BUDGET_MB) < T, 'the text takes more than one block');
  const blocks = await model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB });
  const codes = blocks.stored!.filter((s): s is Uint8Array => s instanceof Uint8Array);
  assert.equal(codes.length, L, 'every layer kept');
  assert.ok(codes.every((c) => c.buffer === codes[0]!.buffer), 'one buffer for every layer\'s codes: the block path');
  assertSameAnalysis(blocks, dense, 'blocks');
  await model.setHeadsOff([{ layer: 1, head: 2 }, { layer: 3, head: 0 }]);
  const denseOff = await model.analyze(compactText, compactOpts);
  const blocksOff = await model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB });
  assert.ok(denseOff.tokens.some((t, i) => Math.abs((t.logprob ?? 0) - (dense.tokens[i]!.logprob ?? 0)) > 1e-3), 'the heads off change the scores');
  assertSameAnalysis(blocksOff, denseOff, 'blocks, heads off');
}));

test('one block buffer, as large as the largest block, comes from the pool and goes back; the next analysis fills it again, stale values and all', () => withModel(async (model) => {
  const { tokens, onnx } = model as unknown as { tokens: Tokenization; onnx: OnnxSession };
  const dense = await model.analyze(compactText, compactOpts);
  const { nLayers: L, nHeads: H, nTokens: T } = dense.shape;
  let largest = 0;
  for (let q0 = 0, q1 = 0; q0 < T; q0 = q1) {
    q1 = q0 + blockRows(q0, T, L * H, BUDGET_MB);
    const S = Math.min(T, q1 + 1) - q0; // the block's rows and the next block's first
    largest = Math.max(largest, L * H * S * (q0 + S));
  }
  const taken: number[] = [];
  const given: Float32Array[] = [];
  const blocks = new (class extends AttentionPool {
    override take(n: number): Float32Array {
      taken.push(n);
      return super.take(n);
    }
    override give(buffer: Float32Array): void {
      given.push(buffer);
      super.give(buffer);
    }
  })();
  const opts = { ...compactOpts, attentionMemoryMB: BUDGET_MB };
  const first = await analyzeText(compactText, opts, model.info, tokens, onnx, new AttentionPool(), blocks);
  assert.deepEqual(taken, [largest], 'one buffer, for the largest block');
  assert.equal(given.length, 1, 'given back');
  assertSameAnalysis(first, dense, 'first');
  given[0]!.fill(0.5); // what a reused buffer may hold: nothing of it may show
  const second = await analyzeText(compactText, opts, model.info, tokens, onnx, new AttentionPool(), blocks);
  assert.equal(given[1], given[0], 'the same buffer again');
  assertSameAnalysis(second, dense, 'second, in the reused buffer');
}));

test('through the model worker: the codes cross by transfer, and come back for the next analysis', () => withModel(async (model) => {
  const dense = await model.analyze(compactText, compactOpts);
  const first = await model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB });
  assertSameAnalysis(first, dense, 'worker');
  first.release();
  assert.ok(first.stored!.every((s) => s instanceof Uint8Array && s.length === 0), 'release drops the codes on this side');
  const second = await model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB });
  assertSameAnalysis(second, dense, 'worker, after a release');
  await assert.rejects(model.analyze(compactText, { ...compactOpts, attentionRows: () => undefined }), /needs the model in this thread/);
}, loadModelInWorker));

test('cancelled between blocks: the analysis stops with CancelledError, and the next one is whole and right', () => withModel(async (model) => {
  const want = await model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB });
  // A signal that turns aborted on its fourth reading: after the checks before the first block and the first block's own.
  let reads = 0;
  const signal = { get aborted() { return ++reads >= 4; }, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
  await assert.rejects(model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB, signal }), (err: Error) => isCancelled(err));
  assert.ok(reads >= 4, `the signal was read between blocks (${reads} reads)`);
  const again = await model.analyze(compactText, { ...compactOpts, attentionMemoryMB: BUDGET_MB });
  assert.deepEqual(again.headStats, want.headStats);
  assert.deepEqual(again.stored, want.stored);
}));

test('rows handed to attentionRows block by block make the whole attention; the result keeps only the statistics', () => withModel(async (model) => {
  const dense = await model.analyze(compactText, compactOpts);
  const { nLayers: L, nHeads: H, nTokens: T } = dense.shape;
  const got = new Float32Array(L * H * T * T); // [L, H, T, T]
  const blocks: number[][] = [];
  const streamed = await model.analyze(compactText, {
    ...compactOpts, attentionMemoryMB: BUDGET_MB,
    attentionRows: async (block, shape, S, K, q0, q1) => {
      assert.deepEqual(shape, dense.shape);
      blocks.push([q0, q1]);
      for (let lh = 0; lh < L * H; lh++) for (let q = q0; q < q1; q++) got.set(block.subarray((lh * S + q - q0) * K, (lh * S + q - q0 + 1) * K), (lh * T + q) * T);
      await new Promise((resolve) => setImmediate(resolve)); // a writer that waits: the next block waits for it
    },
  });
  assert.ok(blocks.length > 1 && blocks.every(([q0], i) => q0 === (i === 0 ? 0 : blocks[i - 1]![1])) && blocks.at(-1)![1] === T, `rows in order, every row once: ${JSON.stringify(blocks)}`);
  assertShownEqual(got, dense.attention, 'streamed rows');
  assert.equal(streamed.attention.length, 0);
  assert.equal(streamed.stored, undefined);
  const want = allHeadStats(dense.attention, L, H, T, dense.tokens.map((t) => t.id), true);
  want.forEach((w, i) => assert.ok(Number.isNaN(w) ? Number.isNaN(streamed.headStats![i]!) : Math.abs(streamed.headStats![i]! - w) <= 1e-5, `statistic ${i}`));
  dense.tokens.forEach((t, i) => assert.equal(streamed.tokens[i]!.logprob === null, t.logprob === null));
}));
