// Graph surgery on graphs the tests build: which softmaxes are found, and what ONNX Runtime returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { exposeAttention } from '../../src/model/surgery';
import { runFetching } from '../../src/model/onnxSession';
import { AttentionLensError } from '../../src/model/errors';
import { graphReference, readGraph } from '../helpers/graphs';
import { maxAbsDiff } from '../helpers/assertions';

const ids = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [1, values.length]);

/** Runs a patched graph; the top-k size input that surgery adds is fed when present. */
async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>, k = 3) {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  if (session.inputNames.includes('attention_lens.top_k')) feeds['attention_lens.top_k'] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
  return session.run(feeds);
}


/** Every layer's attention output joined, [L, H, T, T] (batch 1). */
function attentionOf(outputs: ort.InferenceSession.OnnxValueMapType, result: { attentionOutputs: string[] }): Float32Array {
  const layers = result.attentionOutputs.map((name) => outputs[name]!.data as Float32Array);
  const all = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
  layers.reduce((at, l) => (all.set(l, at), at + l.length), 0);
  return all;
}

test('flat decoder: finds the two attention softmaxes by structure, skipping decoys', async () => {
  const ref = graphReference();
  const result = exposeAttention(readGraph('flat_decoder.onnx'), 'flat_decoder.onnx');
  assert.equal(result.nLayers, 2);
  assert.equal(result.layout, 'flat');
  const out = await run(result.bytes, { input_ids: ids(ref.ids) });
  const T = ref.ids.length;
  assert.equal(result.attentionOutputs.length, 2, 'one output per layer');
  for (const name of result.attentionOutputs) assert.deepEqual(out[name]!.dims, [1, ref.heads, T, T], name);
  assert.ok(!Object.keys(out).some((n) => /attention_lens\.attention/.test(n)), 'no stacked copy: nothing copies the layers together');
  assert.ok(maxAbsDiff(attentionOf(out, result), ref.decoder.attention) <= 1e-4);
  assert.ok(maxAbsDiff(out.logits!.data as Float32Array, ref.decoder.logits) <= 1e-4);
  // The added reductions: log-probabilities, and the top-3 ids with their log-probabilities, against the reference logits.
  assert.ok(result.reductions);
  const V = ref.vocab;
  const logProbs = out[result.reductions.logProbs]!.data as Float32Array; // [1, T, V]
  const topIds = out[result.reductions.topIndices]!.data as BigInt64Array; // [1, T, 3]
  const topValues = out[result.reductions.topValues]!.data as Float32Array; // [1, T, 3]
  for (let t = 0; t < T; t++) {
    const row = ref.decoder.logits.slice(t * V, (t + 1) * V);
    const max = Math.max(...row);
    const logZ = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
    for (let v = 0; v < V; v++) assert.ok(Math.abs(logProbs[t * V + v]! - (row[v]! - logZ)) <= 1e-4);
    const order = row.map((x, v) => [x, v] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, v]) => v);
    assert.deepEqual(Array.from(topIds.subarray(t * 3, t * 3 + 3), Number), order);
    order.forEach((v, i) => assert.ok(Math.abs(topValues[t * 3 + i]! - (row[v]! - logZ)) <= 1e-4));
  }
  // Each next input token's log-probability and the count of tokens scored strictly above it, [1, T, 1] (the last entry unused).
  assert.ok(result.reductions.tokenScores);
  const tokenLogProbs = out[result.reductions.tokenScores.logProbs]!;
  const higher = out[result.reductions.tokenScores.higher]!;
  assert.deepEqual(tokenLogProbs.dims, [1, T, 1]);
  assert.deepEqual(higher.dims, [1, T, 1]);
  for (let t = 0; t + 1 < T; t++) {
    const next = ref.ids[t + 1]!;
    assert.ok(Math.abs((tokenLogProbs.data as Float32Array)[t]! - logProbs[t * V + next]!) <= 1e-6, `logprob at ${t}`);
    let above = 0;
    for (let v = 0; v < V; v++) if (logProbs[t * V + v]! > logProbs[t * V + next]!) above++;
    assert.equal((higher.data as Float32Array)[t], above, `rank at ${t}`);
  }
  // One new token (a probe through the cache) has no next token to score: one unused entry, not an error.
  const one = await run(result.bytes, { input_ids: ids(ref.ids.slice(0, 1)) });
  assert.deepEqual(one[result.reductions.tokenScores.higher]!.dims, [1, 1, 1]);
});

test('opset 12 decoder (axes as attributes): attention and each next token\'s log-probability and rank agree with the reference', async () => {
  const ref = graphReference();
  const result = exposeAttention(readGraph('flat_decoder_opset12.onnx'), 'flat_decoder_opset12.onnx');
  const out = await run(result.bytes, { input_ids: ids(ref.ids) });
  assert.ok(maxAbsDiff(attentionOf(out, result), ref.decoder.attention) <= 1e-4);
  assert.ok(result.reductions?.tokenScores);
  const V = ref.vocab;
  const logProbs = out[result.reductions.logProbs]!.data as Float32Array; // [1, T, V]
  const picked = out[result.reductions.tokenScores.logProbs]!.data as Float32Array; // [1, T, 1]
  const higher = out[result.reductions.tokenScores.higher]!.data as Float32Array; // [1, T, 1]
  for (let t = 0; t + 1 < ref.ids.length; t++) {
    const next = ref.ids[t + 1]!;
    assert.equal(picked[t], logProbs[t * V + next]);
    assert.equal(higher[t], Array.from(logProbs.subarray(t * V, (t + 1) * V)).filter((x) => x > logProbs[t * V + next]!).length);
  }
});

test('merged decoder: both If branches are extended and agree with the reference', async () => {
  const ref = graphReference();
  const result = exposeAttention(readGraph('merged_decoder.onnx'), 'merged_decoder.onnx');
  assert.equal(result.layout, 'merged');
  assert.equal(result.nLayers, 2);
  for (const branch of [true, false]) {
    const out = await run(result.bytes, { input_ids: ids(ref.ids), use_cache_branch: new ort.Tensor('bool', [branch], [1]) });
    assert.ok(maxAbsDiff(attentionOf(out, result), ref.decoder.attention) <= 1e-4, `branch ${branch}`);
  }
});

test('encoder: bidirectional attention with token types and a padding mask input', async () => {
  const ref = graphReference();
  const result = exposeAttention(readGraph('encoder.onnx'), 'encoder.onnx', { scoreTokens: false });
  assert.equal(result.nLayers, 2);
  assert.equal(result.reductions?.tokenScores ?? null, null, 'no next-token scores for a bidirectional model');
  const T = ref.ids.length;
  const out = await run(result.bytes, {
    input_ids: ids(ref.ids), token_type_ids: ids(ref.token_type_ids), attention_mask: ids(new Array(T).fill(1)),
  });
  const att = attentionOf(out, result);
  assert.ok(maxAbsDiff(att, ref.encoder.attention) <= 1e-4);
  assert.ok(att[1]! > 0, 'the first query attends to a later key: not causal'); // [0, 0, 0, 1]
});

test('dynamically quantized decoder: softmax feeding MatMulInteger is found; rows are causal distributions', async () => {
  const ref = graphReference();
  const result = exposeAttention(readGraph('quantized_decoder.onnx'), 'quantized_decoder.onnx');
  assert.equal(result.nLayers, 2);
  const out = await run(result.bytes, { input_ids: ids(ref.ids) });
  const att = attentionOf(out, result);
  const T = ref.ids.length;
  for (let row = 0; row < att.length / T; row++) {
    let sum = 0;
    for (let k = 0; k < T; k++) sum += att[row * T + k]!;
    assert.ok(Math.abs(sum - 1) < 1e-5);
    const q = row % T; // row = ((l * H + h) * T + q)
    for (let k = q + 1; k < T; k++) assert.ok(att[row * T + k]! < 1e-6, 'no attention to future keys');
  }
  // Quantization error is small: still close to the fp32 reference.
  assert.ok(maxAbsDiff(att, ref.decoder.attention) < 0.1);
});

test('fused com.microsoft Attention is rejected, naming the operator and what to do', () => {
  assert.throws(() => exposeAttention(readGraph('fused_attention.onnx'), 'fused_attention.onnx'), (err: unknown) => {
    assert.ok(err instanceof AttentionLensError);
    assert.equal(err.code, 'fused-attention');
    assert.match(err.message, /com\.microsoft\.Attention/);
    assert.match(err.message, /fused_attention\.onnx/);
    assert.match(err.message, /without attention fusion/);
    return true;
  });
});

test('a graph without attention softmax is rejected with the reason', () => {
  assert.throws(() => exposeAttention(readGraph('no_attention.onnx'), 'no_attention.onnx'), (err: unknown) => {
    assert.ok(err instanceof AttentionLensError);
    assert.equal(err.code, 'no-attention');
    assert.match(err.message, /no attention softmax/);
    return true;
  });
});

test('bytes that are not ONNX give a clear error', () => {
  assert.throws(() => exposeAttention(new TextEncoder().encode('hello, not a model'), 'broken.onnx'), (err: unknown) => {
    assert.ok(err instanceof AttentionLensError);
    assert.match(err.message, /broken\.onnx/);
    return true;
  });
});

test('a subset of outputs comes back under the right names, for every graph layout', async () => {
  const ref = graphReference();
  const T = ref.ids.length;
  const cases: { file: string; feeds: Record<string, ort.Tensor> }[] = [
    { file: 'flat_decoder.onnx', feeds: { input_ids: ids(ref.ids) } },
    { file: 'merged_decoder.onnx', feeds: { input_ids: ids(ref.ids), use_cache_branch: new ort.Tensor('bool', [false], [1]) } },
    { file: 'encoder.onnx', feeds: { input_ids: ids(ref.ids), token_type_ids: ids(ref.token_type_ids), attention_mask: ids(new Array(T).fill(1)) } },
    { file: 'quantized_decoder.onnx', feeds: { input_ids: ids(ref.ids) } },
  ];
  for (const c of cases) {
    const result = exposeAttention(readGraph(c.file), c.file);
    const session = await ort.InferenceSession.create(result.bytes, { logSeverityLevel: 3 });
    const feeds: Record<string, ort.Tensor> = { ...c.feeds };
    for (const meta of result.inputs) {
      if (feeds[meta.name]) continue;
      if (meta.name === result.reductions?.kInput) feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.from([2n]), [1]);
      else if (meta.name.startsWith('past')) feeds[meta.name] = new ort.Tensor('float32', new Float32Array(0), meta.dims.map((d, i) => (typeof d === 'number' ? d : i === 2 ? 0 : i === 0 ? 1 : 0)));
    }
    const full = await session.run(feeds);
    const names = session.outputNames;
    // Every other output, and the last one alone: orders that differ from the session's own.
    for (const subset of [names.filter((_, i) => i % 2 === 1), [names[names.length - 1]!], result.attentionOutputs]) {
      const some = await runFetching(session, feeds, [...subset].reverse());
      assert.deepEqual(Object.keys(some).sort(), [...new Set(subset)].sort(), `${c.file}: the names asked for`);
      for (const name of subset) {
        assert.deepEqual(some[name]!.dims, full[name]!.dims, `${c.file}: ${name} dims`);
        assert.deepEqual(Array.from(some[name]!.data as ArrayLike<number | bigint>), Array.from(full[name]!.data as ArrayLike<number | bigint>), `${c.file}: ${name} values`);
      }
    }
    // Each layer written by the runtime into its slice of one buffer (pre-allocated outputs), beside another output.
    const perLayer = full[result.attentionOutputs[0]!]!.size;
    const buffer = new Float32Array(result.attentionOutputs.length * perLayer).fill(-1);
    const request: Record<string, ort.Tensor | null> = { [names[names.length - 1]!]: null };
    result.attentionOutputs.forEach((name, l) => { request[name] = new ort.Tensor('float32', buffer.subarray(l * perLayer, (l + 1) * perLayer), full[name]!.dims as number[]); });
    const written = await runFetching(session, feeds, request);
    assert.deepEqual(Array.from(buffer), Array.from(attentionOf(full, result)), `${c.file}: attention written in place`);
    assert.deepEqual(Array.from(written[names[names.length - 1]!]!.data as ArrayLike<number | bigint>), Array.from(full[names[names.length - 1]!]!.data as ArrayLike<number | bigint>), `${c.file}: the other output alongside`);
  }
});
