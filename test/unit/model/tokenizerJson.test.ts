// tokenizer.json formats of current exports, each read through the project's loader
// (prepareTokenizerJson → transformers.js 2.17), and a clear error for what still cannot be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AttentionLensError } from '../../../src/model/errors';
import { loadTokenizer, loadTokenizerFiles } from '../../../src/model/load';
import { Tokenization } from '../../../src/model/tokenize';
import { prepareTokenizerJson } from '../../../src/model/tokenizerJson';
import { byteLevelTokenizer, metaspaceTokenizer, writeTokenizerFolder } from './tokenizerFixtures';

type Json = Record<string, unknown>;
const model = (j: Json) => j.model as Json;

test('BPE merges stored as strings ("Ġ t") load as before', async () => {
  const f = byteLevelTokenizer();
  assert.equal(typeof (model(f.json).merges as unknown[])[0], 'string');
  const tok = await loadTokenizer(writeTokenizerFolder('merges-strings', f));
  assert.equal(tok.encode(' the').length, 1, 'the merges Ġ t, h e, Ġt he apply');
});

test('BPE merges stored as pairs (["Ġ", "t"]) load and give the same ids as strings', async () => {
  const f = byteLevelTokenizer();
  const asStrings = await loadTokenizer(writeTokenizerFolder('merges-strings', f));
  const pairs = { ...f, json: { ...f.json, model: { ...model(f.json), merges: (model(f.json).merges as string[]).map((m) => m.split(' ')) } } };
  const asPairs = await loadTokenizer(writeTokenizerFolder('merges-pairs', pairs));
  for (const text of [' the return', 'def f(x):\r\n', '👍 it’s']) assert.deepEqual(asPairs.encode(text), asStrings.encode(text), text);
});

test('Metaspace without add_prefix_space (tokenizers ≥ 0.19: prepend_scheme only) prepends ▁ as the scheme says', async () => {
  const f = metaspaceTokenizer();
  const withPre = (scheme: string) => ({
    ...f,
    json: { ...f.json, normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: scheme, split: false } },
  });
  const always = await loadTokenizerFiles(writeTokenizerFolder('metaspace-always', withPre('always')));
  const t = new Tokenization(always.tokenizer, always.tokenizerJson);
  const tok = t.tokenize('the', 10, 'maxTokens');
  assert.deepEqual(tok.pieces, ['<s>', '▁the']);
  assert.deepEqual([tok.starts[1], tok.ends[1]], [0, 3], 'the prepended ▁ is not in the text');
  const never = await loadTokenizer(writeTokenizerFolder('metaspace-never', withPre('never')));
  assert.notDeepEqual(never.encode('the'), always.tokenizer.encode('the'));
});

test('a Split regex with a scoped (?i:…) group is rewritten for JavaScript', () => {
  const json = prepareTokenizerJson({
    model: { type: 'BPE', vocab: {}, merges: [] },
    pre_tokenizer: { type: 'Split', pattern: { Regex: "(?i:'s|'ll)|\\p{L}+" }, behavior: 'Isolated', invert: false },
  }, 'tokenizer.json');
  const source = ((json.pre_tokenizer as Json).pattern as Json).Regex as string;
  const re = new RegExp(source, 'gu');
  assert.deepEqual("it'S we'LL".match(re), ['it', "'S", 'we', "'LL"]);
});

test('a normalizer transformers.js 2.17 cannot build is named, with the file', () => {
  const file = path.join('some', 'model', 'tokenizer.json');
  assert.throws(
    () => prepareTokenizerJson({ model: { type: 'BPE', vocab: {}, merges: [] }, normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }] } }, file),
    (err: unknown) => err instanceof AttentionLensError && err.message.includes(file) && err.message.includes('normalizer type "NFD"'),
  );
});

test('an unknown model type and a malformed merge are named, with the file', () => {
  assert.throws(() => prepareTokenizerJson({ model: { type: 'WordLevelX', vocab: {} } }, 'x/tokenizer.json'), /x\/tokenizer\.json.*model type "WordLevelX"/);
  assert.throws(() => prepareTokenizerJson({ model: { type: 'BPE', vocab: {}, merges: [['a', 'b', 'c']] } }, 'y/tokenizer.json'), /y\/tokenizer\.json.*BPE merge 0/);
});

test('a tokenizer folder whose tokenizer.json uses an unsupported part fails to load with that message', async () => {
  const f = byteLevelTokenizer();
  const dir = writeTokenizerFolder('unsupported', f);
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ ...f.json, pre_tokenizer: { type: 'UnicodeScripts' } }));
  await assert.rejects(loadTokenizer(dir), (err: unknown) => err instanceof AttentionLensError && err.message.includes(path.join(dir, 'tokenizer.json')) && err.message.includes('UnicodeScripts'));
});
