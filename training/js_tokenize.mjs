// Encodes texts with transformers.js's AutoTokenizer from a local folder, for comparison with
// our Python encoder. Usage: node training/js_tokenize.mjs <model folder>  (stdin: JSON [texts])
import path from 'node:path';
import { readFileSync } from 'node:fs';

const folder = path.resolve(process.argv[2]);
const { AutoTokenizer, env } = await import('@xenova/transformers');
env.allowRemoteModels = false;
env.localModelPath = path.dirname(folder) + path.sep;
const tokenizer = await AutoTokenizer.from_pretrained(path.basename(folder));
const texts = JSON.parse(readFileSync(0, 'utf8'));
const out = texts.map((t) => {
  const ids = Array.from(tokenizer.encode(t, null, { add_special_tokens: false }));
  // decode() throws on an empty list
  return { ids, decoded: ids.length ? tokenizer.decode(ids) : '', withSpecial: Array.from(tokenizer.encode(t)) };
});
process.stdout.write(JSON.stringify(out));
