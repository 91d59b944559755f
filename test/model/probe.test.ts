// Probing with the key/value cache gives the same distribution as recomputing the whole prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, type LoadedModel, type ProbeResult } from '../../src/model/index';
import { testCacheDir, testModelDir } from '../helpers/models';
import { CancelledError } from '../../src/model/errors';
import type { OnnxSession } from '../../src/model/onnxSession';
import { Prober } from '../../src/model/probe';

const cacheDir = testCacheDir;

function assertSameDistribution(a: ProbeResult, b: ProbeResult, what: string): void {
  assert.equal(a.nTokens, b.nTokens, `${what}: same context length`);
  assert.deepEqual(a.next.map((n) => n.id), b.next.map((n) => n.id), `${what}: same top-k`);
  a.next.forEach((n, i) => assert.ok(Math.abs(n.prob - b.next[i]!.prob) <= 1e-4, `${what}: prob ${i}`));
  assert.ok(Math.abs(a.entropy - b.entropy) <= 1e-4, `${what}: entropy`);
}

async function withModel(fn: (m: LoadedModel, fresh: LoadedModel) => Promise<void>): Promise<void> {
  const dir = testModelDir();
  const [model, fresh] = [await loadModel({ name: 'cached', path: dir }, { cacheDir }), await loadModel({ name: 'fresh', path: dir }, { cacheDir })];
  try { await fn(model, fresh); } finally { await model.dispose(); await fresh.dispose(); }
}

test('typing, deleting and moving the cursor: cached probes equal full recomputation', () => withModel(async (model, fresh) => {
  const text = 'def mean(values):\n    return sum(values) / len(values)\n';
  const cursors = [20, 21, 22, 23, 30, 31, 29, 28, 40, 10, 54];
  let anyCached = false;
  for (const at of cursors) {
    const prefix = text.slice(0, at);
    const cached = await model.probe(prefix, { topK: 8 });
    const full = await fresh.probe(prefix, { topK: 8, useCache: false });
    assert.equal(full.cached, false);
    anyCached ||= cached.cached;
    assertSameDistribution(cached, full, `cursor ${at}`);
    const sum = cached.next.reduce((s, n) => s + n.prob, 0);
    assert.ok(sum > 0 && sum <= 1 + 1e-6);
  }
  assert.ok(anyCached, 'the cache was used for prefixes that only changed at the end');
}));

test('an unchanged prefix reuses the last result; temperature reshapes the distribution', () => withModel(async (model) => {
  const prefix = 'import os\nimport sys\n';
  const first = await model.probe(prefix, { topK: 5 });
  const again = await model.probe(prefix, { topK: 5 });
  assert.equal(again.cached, true);
  assertSameDistribution(first, again, 'same prefix');
  const hot = await model.probe(prefix, { topK: 5, temperature: 2 });
  const cold = await model.probe(prefix, { topK: 5, temperature: 0.5 });
  assert.ok(hot.entropy > first.entropy && first.entropy > cold.entropy, 'entropy grows with temperature');
  assert.equal(cold.next[0]!.id, first.next[0]!.id, 'temperature keeps the order');
  assert.ok(cold.next[0]!.prob > first.next[0]!.prob);
}));

test('a prefix longer than the context: a window ending at the cursor that keeps using the cache while typing', () => withModel(async (model, fresh) => {
  const C = model.info.contextLength;
  const long = 'for i in range(10):\n    print(i)\n'.repeat(60);
  const r = await model.probe(long, { topK: 3 });
  assert.ok(r.nTokens >= C - Math.floor(C / 4) && r.nTokens <= C, `window of ${r.nTokens} tokens`);
  assertSameDistribution(r, await fresh.probe(long, { topK: 3, useCache: false }), 'long prefix');
  let cachedCount = 0;
  let text = long;
  for (const ch of 'total = sum(values) + 1') {
    text += ch;
    const cached = await model.probe(text, { topK: 3 });
    const full = await fresh.probe(text, { topK: 3, useCache: false });
    assertSameDistribution(cached, full, `typing ${JSON.stringify(ch)}`);
    assert.ok(cached.nTokens <= C);
    if (cached.cached) cachedCount++;
  }
  assert.ok(cachedCount >= 20, `the window start stays put while typing (${cachedCount}/24 cached)`);
}));

test('continueGreedy follows the top-1 token step by step', () => withModel(async (model, fresh) => {
  const prefix = 'def add(a, b):\n    return';
  const continuation = await model.continueGreedy(prefix, 4);
  assert.equal(typeof continuation, 'string');
  assert.ok(continuation.length > 0);
  const top1 = await fresh.probe(prefix, { topK: 1, useCache: false });
  assert.ok(continuation.startsWith(top1.next[0]!.token.slice(0, 1)), 'starts with the top-1 token');
  // An empty prefix: after a BOS the tokenizer puts first the model predicts the first token; without one there is nothing to go on.
  const lead = (model as unknown as { tokens: { leadingIds: number[] } }).tokens.leadingIds;
  if (lead.length > 0) assert.equal((await model.probe('', { topK: 3 })).nTokens, lead.length);
  else await assert.rejects(model.probe('', { topK: 3 }), /no text before the cursor/);
}));

test('a long prefix probed in chunks through the cache equals one whole forward pass (the analysis)', () => withModel(async (model, fresh) => {
  const prefix = 'function mean(values) {\n  let total = 0;\n  for (const v of values) total += v;\n  return total / values.length;\n}\n'.repeat(4);
  const whole = await model.analyze(prefix, { topK: 8, maxTokens: 100_000 });
  assert.ok(whole.tokens.length > 2 * 64, `${whole.tokens.length} tokens: more than two chunks`);
  const probed = await fresh.probe(prefix, { topK: 8, useCache: false });
  assert.equal(probed.nTokens, whole.tokens.length);
  assert.deepEqual(probed.next.map((n) => n.id), whole.next.map((n) => n.id));
  probed.next.forEach((n, i) => assert.ok(Math.abs(n.prob - whole.next[i]!.prob) <= 1e-4, `prob ${i}`));
}));

test('a probe cancelled after its run cut the cache back leaves the cache right for the next keystrokes', () => withModel(async (model, fresh) => {
  // A prober of the model's own session whose forward aborts `abortAfterRun` once it has run: the
  // cancelled probe has already cut the cache back into the buffers reused from keystroke to keystroke.
  const parts = model as unknown as { info: ConstructorParameters<typeof Prober>[0]; tokens: ConstructorParameters<typeof Prober>[1]; onnx: OnnxSession; eosIds: number[] };
  let abortAfterRun: AbortController | null = null;
  const onnx = Object.create(parts.onnx) as OnnxSession;
  onnx.forward = async (...args: Parameters<OnnxSession['forward']>) => {
    const out = await parts.onnx.forward(...args);
    abortAfterRun?.abort();
    return out;
  };
  const prober = new Prober(parts.info, parts.tokens, onnx, parts.eosIds);
  const base = 'def mean(values):\n    return sum(values';
  const check = async (prefix: string, what: string) => assertSameDistribution(await prober.probe(prefix, { topK: 8 }), await fresh.probe(prefix, { topK: 8, useCache: false }), what);
  await check(`${base})`, 'first probe');
  await check(`${base}) / len`, 'typing on: every cached position kept');
  await check(`${base} +`, 'the end replaced: the cache is cut back into the reused buffers');
  await check(`${base} -`, 'another operator in its place: as many positions kept');
  abortAfterRun = new AbortController();
  await assert.rejects(prober.probe('def mean(values):\n    return', { topK: 8, signal: abortAfterRun.signal }), CancelledError);
  abortAfterRun = null;
  await check(`${base} *`, 'after a cancelled run that cut the cache to fewer positions in the same buffers');
  await check(`${base} * len(`, 'typing on');
}));

test('typing on: new tokens run after the cached anchor without fetching keys and values, until the anchor moves up to them', () => withModel(async (model, fresh) => {
  const parts = model as unknown as { info: ConstructorParameters<typeof Prober>[0]; tokens: ConstructorParameters<typeof Prober>[1]; onnx: OnnxSession; eosIds: number[] };
  const runs: { S: number; present: boolean }[] = [];
  const onnx = Object.create(parts.onnx) as OnnxSession;
  onnx.forward = (...args: Parameters<OnnxSession['forward']>) => {
    runs.push({ S: args[0].length, present: args[3].present === true });
    return parts.onnx.forward(...args);
  };
  const prober = new Prober(parts.info, parts.tokens, onnx, parts.eosIds);
  const text = 'def mean(values):\n    total = 0\n    for value in values:\n        total += value\n    return total / len(values)\n';
  const start = 18;
  for (let at = start; at <= text.length; at++) {
    const prefix = text.slice(0, at);
    assertSameDistribution(await prober.probe(prefix, { topK: 8 }), await fresh.probe(prefix, { topK: 8, useCache: false }), `cursor ${at}`);
  }
  const keystrokes = text.length - start + 1;
  const fetched = runs.filter((r) => r.present).length;
  assert.ok(runs.length <= keystrokes, 'one run a keystroke at most (none where the tokens did not change)');
  assert.ok(fetched >= 2 && fetched <= keystrokes / 4, `keys and values fetched on ${fetched} of ${keystrokes} keystrokes: the first, and each time the anchor moved`);
  assert.ok(runs.filter((r) => !r.present).every((r) => r.S <= 8), 'a tail run holds at most TAIL_TOKENS tokens');
}));
