// The panel's reach job: progress then the result, cancellation by the person and by a newer
// analysis, the encoder note, and what a reloaded webview gets again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReachJob, type ReachFn } from '../../../src/panel/reachJob';
import { CancelledError } from '../../../src/model/errors';
import type { HostToWebview } from '../../../src/common/protocol';
import type { AnalysisResult, ContextReach } from '../../../src/model/types';

function result(kind: 'decoder' | 'encoder' = 'decoder'): AnalysisResult {
  const ids = [3, 4, 5, 3, 4, 5];
  return {
    model: { name: 'm', path: '/m', kind, modelType: 'gpt2', nLayers: 1, nHeads: 1, contextLength: 16, vocabSize: 9 },
    text: 'abcabc',
    tokens: ids.map((id, i) => ({ id, text: 'abc'[i % 3]!, display: 'abc'[i % 3]!, start: i, end: i + 1, logprob: i ? -1 : null, rank: i ? 1 : null, special: false })),
    shape: { nLayers: 1, nHeads: 1, nTokens: 6 }, attention: new Float32Array(36),
    topK: { k: 0, ids: new Int32Array(0), probs: new Float32Array(0) }, next: [], truncated: null,
    timings: { tokenizeMs: 0, runMs: 0, extractMs: 0 }, release: () => undefined,
  };
}

/** A reach function that reports progress and waits for `go` (or its signal) before answering. */
function controllable() {
  let release!: () => void;
  const go = new Promise<void>((r) => { release = r; });
  const signals: AbortSignal[] = [];
  const fn: ReachFn = async (ids, opts) => {
    signals.push(opts.signal!);
    opts.onProgress?.(0, 5);
    await Promise.race([go, new Promise((r) => opts.signal!.addEventListener('abort', r))]);
    if (opts.signal!.aborted) throw new CancelledError();
    opts.onProgress?.(5, 5);
    const reach: ContextReach = { maxContext: 2, logProbs: new Float32Array(ids.length * 2), full: new Float32Array(ids.length), reach: new Int32Array(ids.length).fill(1), prefix: 0, ms: 3 };
    return reach;
  };
  return { fn, release: () => release(), signals };
}

const flush = () => new Promise((r) => setImmediate(r));

test('reach: progress, then the arrays; the table has the LZ parse', async () => {
  const posted: HostToWebview[] = [];
  const c = controllable();
  const job = new ReachJob(7, result(), c.fn, (m) => posted.push(m));
  const table = job.baselinesMessage();
  assert.deepEqual(Array.from(table.lz), [3, 0, 3], 'tokens 3..5 copy 0..2');
  assert.ok(table.bitsPerByte.model! > 0 && table.modelMinusMarkov !== null);
  job.startReach();
  job.startReach(); // already running: no second run
  assert.equal(c.signals.length, 1);
  c.release();
  await flush();
  const states = posted.map((m) => (m.type === 'reach' ? m.state : m.type));
  assert.equal(states[0], 'running');
  assert.equal(states[states.length - 1], 'done');
  const done = posted[posted.length - 1] as Extract<HostToWebview, { state: 'done' }>;
  assert.equal(done.analysisId, 7);
  assert.ok(done.reach instanceof Int32Array && done.logProbs instanceof Float32Array, 'typed arrays, not JSON');
  assert.deepEqual(job.replay().map((m) => m.type), ['baselines', 'reach']);
});

test('cancelled by the person: a note, no restart on reload, restart when asked', async () => {
  const posted: HostToWebview[] = [];
  const c = controllable();
  const job = new ReachJob(1, result(), c.fn, (m) => posted.push(m));
  job.startReach();
  job.cancelReach();
  await flush();
  const last = posted[posted.length - 1]!;
  assert.ok(last.type === 'reach' && last.state === 'unavailable' && /cancelled/.test(last.message));
  job.startReach(); // what a reloaded webview triggers
  assert.equal(c.signals.length, 1);
  job.startReach(true);
  assert.equal(c.signals.length, 2);
});

test('a newer analysis disposes the job: its run is aborted and nothing more is sent', async () => {
  const posted: HostToWebview[] = [];
  const c = controllable();
  const job = new ReachJob(1, result(), c.fn, (m) => posted.push(m));
  job.startReach();
  const before = posted.length;
  job.dispose();
  assert.ok(c.signals[0]!.aborted);
  await flush();
  assert.equal(posted.length, before);
});

test('encoders: "causal models only", and the table still has deflate, brotli and the chains', () => {
  const posted: HostToWebview[] = [];
  const job = new ReachJob(1, result('encoder'), controllable().fn, (m) => posted.push(m));
  job.startReach();
  assert.ok(posted[0]!.type === 'reach' && posted[0]!.state === 'unavailable' && /causal models only/.test(posted[0]!.message));
  const table = job.baselinesMessage();
  assert.equal(table.bitsPerByte.model, undefined);
  assert.ok(table.bitsPerByte.deflate! > 0 && table.bitsPerByte.markov1! > 0);
  assert.equal(table.modelMinusMarkov, null);
});

test('after the header nothing is sent until the first view has its data; then the table and reach', async () => {
  const posted: HostToWebview[] = [];
  const c = controllable();
  const job = new ReachJob(1, result(), c.fn, (m) => posted.push(m));
  job.headerSent();
  await flush();
  assert.equal(posted.length, 0, 'the heatmap\'s data goes first');
  assert.equal(c.signals.length, 0);
  job.dataSent();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(posted.map((m) => m.type), ['baselines', 'reach']);
  assert.equal(c.signals.length, 1);
  job.dataSent(); // later requests change nothing
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(posted.filter((m) => m.type === 'baselines').length, 1);
  job.dispose();
});

test('the table takes the model\'s corpus chains; an unreadable corpus file becomes a note and the rest stays', () => {
  const corpus = () => [{ order: 2, codeLengths: (ids: readonly number[]) => new Float64Array(ids.length).fill(0.5) }];
  const withCorpus = new ReachJob(1, result(), controllable().fn, () => undefined, corpus).baselinesMessage();
  assert.ok(Math.abs(withCorpus.bitsPerByte.corpusMarkov2! - (6 * 0.5) / 6) < 1e-12);
  assert.equal(withCorpus.bestMarkov, 'corpusMarkov2');
  assert.equal(withCorpus.note, undefined);
  const broken = new ReachJob(1, result(), controllable().fn, () => undefined, () => { throw new Error('markov.bin is cut short'); }).baselinesMessage();
  assert.equal(broken.note, 'markov.bin is cut short');
  assert.deepEqual(Object.keys(broken.bitsPerByte), ['model', 'deflate', 'brotli', 'markov1', 'markov2', 'markov3', 'markov4']);
});
