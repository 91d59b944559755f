// Every decoder family transformers.js 2.17 runs (Llama with grouped-query attention and a
// Metaspace or byte-level tokenizer with BOS, GPT-NeoX, OPT) passes the reference tests GPT-2
// passes: attention, log-probabilities, ranks, top-k and exact token ranges against PyTorch and
// our own Python tokenizer, and probes through the key/value cache equal to recomputation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { attentionLayers, fetchLayers, loadModel, type AnalysisResult, type LoadedModel } from '../../src/model/index';
import { withTransformersEnv } from '../../src/model/load';
import { exposeAttention } from '../../src/model/surgery';
import { FETCH_ALL, OnnxSession } from '../../src/model/onnxSession';
import { modelDims } from '../../src/model/config';
import { ARCHS, archModelDir, type Arch } from '../helpers/archModels';
import { fidelitySamples, readFloats, testCacheDir, type FidelitySample } from '../helpers/models';
import { assertLogprobAndRank, logSoftmaxRow, maxAbsDiff } from '../helpers/assertions';

type Sample = FidelitySample & { starts: number[]; ends: number[] };

function reference(arch: Arch) {
  const dir = archModelDir(arch);
  const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  const { tolerance, samples } = fidelitySamples(dir);
  const { adds_bos: addsBos } = JSON.parse(readFileSync(path.join(dir, 'fidelity', 'index.json'), 'utf8')) as { adds_bos: boolean };
  return { dir, config, tolerance, samples: samples as Sample[], addsBos };
}

/** Rows [from, T) of every layer and head of [L, H, T, T] attention: [L, H, T − from, T]. */
function lastRows(att: Float32Array, L: number, H: number, T: number, from: number): Float32Array {
  const out = new Float32Array(L * H * (T - from) * T);
  for (let lh = 0; lh < L * H; lh++) out.set(att.subarray(lh * T * T + from * T, (lh + 1) * T * T), lh * (T - from) * T);
  return out;
}

/** A budget this small runs an analysis 16 query rows at a time through the cache (queryBlocks.ts) and keeps one layer: PyTorch's attention within the 3-byte codes (the other layers recomputed), the scores of the analysis at once. */
async function assertSameInBlocks(blocks: AnalysisResult, whole: AnalysisResult, refAttention: Float32Array, tolerance: number, what: string): Promise<number> {
  const codes = blocks.stored?.filter((x): x is Uint8Array => x instanceof Uint8Array) ?? [];
  assert.ok(codes.length > 0 && codes.every((c) => c.buffer === codes[0]!.buffer), `${what}: computed in blocks`);
  const { nLayers: L } = blocks.shape;
  const layers = attentionLayers(blocks);
  const per = refAttention.length / L;
  for (let l = 0; l < L; l++) {
    await fetchLayers(blocks, [l]); // the budget keeps one layer: the others are recomputed
    assert.ok(maxAbsDiff(layers.layer(l), refAttention.subarray(l * per, (l + 1) * per)) <= tolerance + 2 ** -16, `${what}: layer ${l} in blocks`);
  }
  whole.tokens.forEach((t, i) => assert.ok(t.logprob === null ? blocks.tokens[i]!.logprob === null : Math.abs(blocks.tokens[i]!.logprob! - t.logprob) <= tolerance, `${what}: token ${i} in blocks`));
  assert.ok(maxAbsDiff(blocks.topK.probs, whole.topK.probs) <= tolerance, `${what}: top-k in blocks`);
  return 1;
}

for (const arch of ARCHS) {
  test(`${arch}: surgery exposes each layer's attention (query heads) in the flat and merged exports; with and without the cache it matches PyTorch`, async () => {
    const { dir, config, tolerance, samples } = reference(arch);
    const L = config.num_hidden_layers!;
    const H = config.num_attention_heads!;
    for (const file of ['decoder_model.onnx', 'decoder_model_merged.onnx']) {
      const patched = exposeAttention(readFileSync(path.join(dir, 'onnx', file)), file);
      assert.equal(patched.nLayers, L, `${file}: one attention softmax per layer`);
      // A merged export keeps only its branch with a past (cacheBranch.ts), which also runs the first pass from an empty past.
      assert.equal(patched.layout, 'flat');
      assert.ok(!patched.inputs.some((i) => i.name === 'use_cache_branch'), `${file}: no cache switch left`);
      const session = await ort.InferenceSession.create(patched.bytes, { logSeverityLevel: 3 });
      const onnx = new OnnxSession(session, patched, modelDims(config), file);
      for (const sample of samples) {
        const T = sample.ids.length;
        const refAttention = readFloats(dir, sample.attention.file); // [L, H, T, T]
        const refLogits = readFloats(dir, sample.logits.file); // [T, V]
        const out = await onnx.forward(sample.ids, null, 0, FETCH_ALL, 3);
        assert.deepEqual([out.attention!.nLayers, out.attention!.nHeads], [L, H], `${file} ${sample.name}: [L, H] with H the query heads`);
        assert.ok(maxAbsDiff(out.attention!.data, refAttention) <= tolerance, `${file} ${sample.name}: attention`);
        assert.ok(maxAbsDiff(out.logits!, refLogits) <= tolerance, `${file} ${sample.name}: logits`);
        if (!onnx.supportsCache) continue;
        // The rest of the text after a cached prefix: its rows of attention over all T keys, and its logits.
        const P = Math.floor(T / 2);
        const first = await onnx.forward(sample.ids.slice(0, P), null, 0, { present: true });
        const rest = await onnx.forward(sample.ids.slice(P), first.present, P, { attention: true, logits: true, present: true });
        assert.ok(maxAbsDiff(rest.attention!.data, lastRows(refAttention, L, H, T, P)) <= tolerance, `${sample.name}: attention through the cache`);
        assert.ok(maxAbsDiff(rest.logits!, refLogits.subarray(P * out.vocab)) <= tolerance, `${sample.name}: logits through the cache`);
        const kv = config.num_key_value_heads ?? H;
        for (const [name, t] of rest.present) assert.deepEqual(t.dims, [1, kv, T, config.hidden_size! / H], `${name}: [1, kv heads, T, head size]`);
      }
      assert.equal(onnx.supportsCache, file !== 'decoder_model.onnx', `${file}: the merged export takes a cache`);
    }
  });

  test(`${arch}: analyze() gives PyTorch's attention, log-probabilities, ranks and top-k, and the reference tokenizer's ids and exact ranges`, async () => {
    const { dir, config, tolerance, samples, addsBos } = reference(arch);
    const model = await loadModel({ name: arch, path: dir }, { cacheDir: testCacheDir });
    let blocked = 0;
    try {
      assert.equal(model.info.modelType, config.model_type as unknown as string);
      for (const sample of samples) {
        const result = await model.analyze(sample.text, { topK: 5, maxTokens: 100_000 });
        const T = sample.ids.length;
        assert.deepEqual(result.tokens.map((t) => t.id), sample.ids, `${sample.name}: same ids as the reference tokenizer`);
        assert.deepEqual(result.tokens.map((t) => [t.start, t.end]), sample.ids.map((_, i) => [sample.starts[i], sample.ends[i]]), `${sample.name}: exact ranges`);
        if (addsBos) {
          // Even where the text itself starts with the BOS string ('special' sample), the added one covers no text.
          const bos = result.tokens[0]!;
          assert.ok(bos.special && bos.start === 0 && bos.end === 0, `${sample.name}: the added BOS is special with an empty range`);
        }
        assert.deepEqual(result.shape, { nLayers: config.num_hidden_layers, nHeads: config.num_attention_heads, nTokens: T });
        assert.ok(maxAbsDiff(result.attention, readFloats(dir, sample.attention.file)) <= tolerance, `${sample.name}: attention`);
        const refLogits = readFloats(dir, sample.logits.file);
        const V = sample.logits.shape[1];
        assert.equal(result.tokens[0]!.logprob, null);
        for (let t = 0; t < T; t++) {
          const lsm = logSoftmaxRow(refLogits, t, V);
          if (t + 1 < T) {
            assertLogprobAndRank(result.tokens[t + 1]!, lsm, sample.ids[t + 1]!, tolerance, `${sample.name}: token ${t + 1}`);
          }
          const k = result.topK.k;
          const order = Array.from(lsm.keys()).sort((a, b) => lsm[b]! - lsm[a]!);
          for (let i = 0; i < k; i++) {
            const id = result.topK.ids[t * k + i]!; // [T, k]
            assert.ok(Math.abs(result.topK.probs[t * k + i]! - Math.exp(lsm[id]!)) <= tolerance, `${sample.name}: top-${i + 1} prob at ${t}`);
            assert.ok(lsm[id]! >= lsm[order[i]!]! - tolerance, `${sample.name}: top-${i + 1} id at ${t}`);
          }
        }
        if (T > 16) blocked += await assertSameInBlocks(await model.analyze(sample.text, { topK: 5, maxTokens: 100_000, attentionMemoryMB: 1e-4 }), result, readFloats(dir, sample.attention.file), tolerance, sample.name);
      }
      assert.ok(blocked > 0, 'some sample ran in blocks of query rows');
    } finally {
      await model.dispose();
    }
  });

  test(`${arch}: probes through the key/value cache equal full recomputation, and a chunked probe equals the analysis`, async () => {
    const { dir } = reference(arch);
    const [model, fresh]: LoadedModel[] = [await loadModel({ name: arch, path: dir }, { cacheDir: testCacheDir }), await loadModel({ name: arch, path: dir }, { cacheDir: testCacheDir })];
    try {
      const text = 'def mean(values):\n    return sum(values) / len(values)\n';
      let anyCached = false;
      for (const at of [20, 21, 22, 23, 30, 31, 29, 28, 40, 10, 54]) {
        const cached = await model.probe(text.slice(0, at), { topK: 8 });
        const full = await fresh.probe(text.slice(0, at), { topK: 8, useCache: false });
        anyCached ||= cached.cached;
        assert.equal(cached.nTokens, full.nTokens);
        assert.deepEqual(cached.next.map((n) => n.id), full.next.map((n) => n.id), `cursor ${at}: same top-k`);
        cached.next.forEach((n, i) => assert.ok(Math.abs(n.prob - full.next[i]!.prob) <= 1e-4, `cursor ${at}: prob ${i}`));
        assert.ok(Math.abs(cached.entropy - full.entropy) <= 1e-4, `cursor ${at}: entropy`);
      }
      assert.ok(anyCached, 'the cache was used');
      // Past the context: a window ending at the cursor, still cached while typing at its end.
      const C = model.info.contextLength;
      let long = 'for i in range(10):\n    print(i)\n'.repeat(40);
      assert.ok((await fresh.analyze(long, { topK: 1, maxTokens: 100_000 })).truncated, `longer than the ${C}-token context`);
      let cachedCount = 0;
      for (const ch of 'total = sum(values) + 1') {
        long += ch;
        const cached = await model.probe(long, { topK: 3 });
        const full = await fresh.probe(long, { topK: 3, useCache: false });
        assert.ok(cached.nTokens <= C && cached.nTokens === full.nTokens, `window of ${cached.nTokens} tokens`);
        assert.deepEqual(cached.next.map((n) => n.id), full.next.map((n) => n.id), `typing ${JSON.stringify(ch)}: same top-k`);
        cached.next.forEach((n, i) => assert.ok(Math.abs(n.prob - full.next[i]!.prob) <= 1e-4, `typing ${JSON.stringify(ch)}: prob ${i}`));
        if (cached.cached) cachedCount++;
      }
      assert.ok(cachedCount >= 20, `the window start stays put while typing (${cachedCount}/24 cached)`);
      const prose = 'The cat sat on the mat. '.repeat(30);
      const whole = await model.analyze(prose, { topK: 8, maxTokens: 100_000 });
      assert.ok(whole.tokens.length > 128, `${whole.tokens.length} tokens: more than two probe chunks`);
      const probed = await fresh.probe(prose, { topK: 8, useCache: false });
      assert.equal(probed.nTokens, whole.tokens.length);
      assert.deepEqual(probed.next.map((n) => n.id), whole.next.map((n) => n.id));
      probed.next.forEach((n, i) => assert.ok(Math.abs(n.prob - whole.next[i]!.prob) <= 1e-4, `prob ${i}`));
    } finally {
      await model.dispose();
      await fresh.dispose();
    }
  });

  test(`${arch}: transformers.js 2.17 runs the same folder to PyTorch's logits, and its cached greedy generation equals ours`, async () => {
    const { dir, tolerance, samples } = reference(arch);
    const sample = samples.find((s) => s.name === 'code')!;
    // Its own feeds (position_ids from the mask, empty pasts sized from num_key_value_heads, use_cache_branch) against ours.
    const theirs = await withTransformersEnv(async () => {
      const { AutoModelForCausalLM, Tensor, env } = await import('@xenova/transformers');
      env.allowRemoteModels = false;
      env.localModelPath = path.dirname(dir) + path.sep;
      const lm = await AutoModelForCausalLM.from_pretrained(arch, { quantized: false, session_options: { logSeverityLevel: 3 } } as never);
      const ids = new Tensor('int64', BigInt64Array.from(sample.ids.map(BigInt)), [1, sample.ids.length]);
      const mask = new Tensor('int64', new BigInt64Array(sample.ids.length).fill(1n), [1, sample.ids.length]);
      const out = await lm({ input_ids: ids, attention_mask: mask });
      const generated = await lm.generate(ids, { max_new_tokens: 6, do_sample: false, min_length: sample.ids.length + 6 } as never);
      const row = Array.from((generated as unknown as ArrayLike<bigint | number>[])[0]!, Number); // one sequence: prompt then new ids
      await lm.dispose();
      return { logits: out.logits.data as Float32Array, continuation: row.slice(sample.ids.length) };
    });
    assert.ok(maxAbsDiff(theirs.logits, readFloats(dir, sample.logits.file)) <= tolerance, 'transformers.js logits equal PyTorch');
    const model = await loadModel({ name: arch, path: dir }, { cacheDir: testCacheDir });
    try {
      const internals = model as unknown as { tokens: { tokenizer: { decode(ids: number[], o: object): string } } };
      const ours = await model.continueGreedy(sample.text, 6);
      assert.ok(ours.length > 0 && theirs.continuation.length === 6, `a continuation to compare: ${JSON.stringify(ours)}`);
      assert.equal(ours, internals.tokens.tokenizer.decode(theirs.continuation, { skip_special_tokens: true }), 'same greedy continuation');
    } finally {
      await model.dispose();
    }
  });
}
