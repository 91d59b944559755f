// A tokenizer that starts every text with a BOS keeps it at position 0 when only the end of a
// long prefix is kept (the probe's window), as the model was trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer } from '../../../src/model/load';
import { Tokenization } from '../../../src/model/tokenize';
import { byteLevelTokenizer, writeTokenizerFolder } from './tokenizerFixtures';

async function tokenization(withBos: boolean): Promise<Tokenization> {
  const t = byteLevelTokenizer();
  if (withBos) {
    const bos = { SpecialToken: { id: '<|endoftext|>', type_id: 0 } };
    t.json.post_processor = { type: 'TemplateProcessing', single: [bos, { Sequence: { id: 'A', type_id: 0 } }], pair: [bos, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }], special_tokens: {} };
  }
  const dir = writeTokenizerFolder(withBos ? 'bos' : 'plain', t);
  return new Tokenization(await loadTokenizer(dir), JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
}

const text = 'def the return in a test\n'.repeat(40);

test('a BOS-adding tokenizer: the BOS is found, kept first, and the rest is the end of the text', async () => {
  const t = await tokenization(true);
  const eos = t.tokenizer.encode('<|endoftext|>', null, { add_special_tokens: false })[0]!;
  assert.deepEqual(t.leadingIds, [eos]);
  const all = t.tokenizer.encode(text);
  assert.equal(all[0], eos);
  const kept = t.ids(text, 10);
  assert.deepEqual(kept, [eos, ...all.slice(all.length - 9)]);
  assert.deepEqual(t.ids('def', 10), t.tokenizer.encode('def'));
  assert.equal(t.ids(text, 1).length, 1);
});

test('a tokenizer that adds nothing keeps just the last tokens', async () => {
  const t = await tokenization(false);
  assert.deepEqual(t.leadingIds, []);
  const all = t.tokenizer.encode(text);
  assert.deepEqual(t.ids(text, 10), all.slice(all.length - 10));
});
