// Checks an exported model folder from Node, the way the extension will load it:
//  1. transformers.js's tokenizer encodes each fidelity sample's text to the fixture's ids;
//  2. the merged ONNX decoder's logits (no-past branch) match the PyTorch fixture (≤ tolerance);
//  3. decoding the last token with past key values (with-past branch) gives the same logits.
// Usage: node training/check_export.mjs <model folder>   (exit code 1 on any mismatch)
import path from 'node:path';
import { readFileSync } from 'node:fs';

const folder = path.resolve(process.argv[2] ?? 'model');
const { AutoModelForCausalLM, AutoTokenizer, env, Tensor } = await import('@xenova/transformers');
env.allowRemoteModels = false;
env.localModelPath = path.dirname(folder) + path.sep;
const id = path.basename(folder);
const tokenizer = await AutoTokenizer.from_pretrained(id);
const model = await AutoModelForCausalLM.from_pretrained(id, { quantized: false });
const index = JSON.parse(readFileSync(path.join(folder, 'fidelity', 'index.json'), 'utf8'));
const { n_layer: L } = model.config;

const int64 = (a) => new Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
const emptyPast = () => {
  const H = model.config.n_head, D = model.config.n_embd / H;
  const feeds = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value'])
    feeds[`past_key_values.${i}.${kv}`] = new Tensor('float32', new Float32Array(0), [1, H, 0, D]);
  return feeds;
};
const run = (ids, mask, past, useCache) => model.session.run({
  input_ids: int64(ids), attention_mask: int64(mask), ...past,
  use_cache_branch: new Tensor('bool', [useCache], [1]),
});

let failures = 0;
const maxDiff = (a, b, offset = 0) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[offset + i]));
  return m;
};
for (const s of index.samples) {
  const ids = s.ids;
  const enc = Array.from(tokenizer.encode(s.text)); // the tokenizer adds the BOS

  const sameIds = enc.length === ids.length && enc.every((v, i) => v === ids[i]);
  const dec = tokenizer.decode(ids, { skip_special_tokens: true });
  const buf = readFileSync(path.join(folder, 'fidelity', s.logits.file));
  const want = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4); // [T,V]
  const full = await run(ids, ids.map(() => 1), emptyPast(), false);
  const dFull = maxDiff(full.logits.data, want);
  // with past: all but the last token first, then the last one alone
  const head = await run(ids.slice(0, -1), ids.slice(0, -1).map(() => 1), emptyPast(), false);
  const past = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value'])
    past[`past_key_values.${i}.${kv}`] = head[`present.${i}.${kv}`];
  const last = await run(ids.slice(-1), ids.map(() => 1), past, true);
  const V = s.logits.shape[1];
  const dPast = maxDiff(last.logits.data, want, (ids.length - 1) * V);
  const ok = sameIds && dec === s.text && dFull <= index.tolerance && dPast <= index.tolerance;
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${s.name}: ${ids.length} tokens, ids ${sameIds ? 'equal' : 'DIFFER'}, ` +
    `decode ${dec === s.text ? 'exact' : 'DIFFERS'}, max |Δlogit| ${dFull.toExponential(2)} ` +
    `(with past ${dPast.toExponential(2)})`);
}
process.exit(failures ? 1 : 0);
