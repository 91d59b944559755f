// Llama 2, Qwen3 and Gemma 3 tokenizers from their unmodified tokenizer.json (npm devDependencies):
// they load, their ids are the tokenizer's own, and every token's range is exact, on the issue's
// minimal cases, on random strings from a fixed seed and on long real source files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkRanges } from '../helpers/offsetCheck';
import { forAll, propertyCount, randomTexts, rng } from '../helpers/randomText';
import { REAL_NORMALIZE, addedTokenContents, longSourceFiles, realTokenization, realTokenizerDir, type RealName } from '../helpers/realTokenizers';

const COUNT = Math.max(2000, Math.round(propertyCount(5000) * 0.4));

/** "piece[start,end)" for each token, for readable assertions. */
async function spans(name: RealName, text: string): Promise<string[]> {
  const t = await realTokenization(name);
  const tok = t.tokenize(text, 10_000, 'maxTokens');
  checkRanges(text, t, tok, { normalize: REAL_NORMALIZE[name] });
  return tok.pieces.map((p, i) => `${p}[${tok.starts[i]},${tok.ends[i]})`);
}

test('Qwen3 and Gemma 3 store BPE merges as pairs, and load from their unmodified tokenizer.json', async () => {
  for (const name of ['qwen3', 'gemma3'] as const) {
    const json = JSON.parse(readFileSync(path.join(realTokenizerDir(name), 'tokenizer.json'), 'utf8')) as { model: { merges: unknown[] } };
    assert.ok(Array.isArray(json.model.merges[0]), `${name} merges are pairs`);
    const t = await realTokenization(name);
    assert.ok(t.tokenize('Hello world', 100, 'maxTokens').ids.length >= 2);
  }
  assert.ok((await realTokenization('llama2')).tokenize('Hello world', 100, 'maxTokens').ids.length >= 3);
});

test('Llama 2: the added BOS is empty and a typed <s> covers its text', async () => {
  assert.deepEqual(await spans('llama2', '<s>a'), ['<s>[0,0)', '<s>[0,3)', '▁a[3,4)']);
});

test('Gemma 3: the added <bos> is empty and a typed <bos> covers its text', async () => {
  assert.deepEqual(await spans('gemma3', '<bos>'), ['<bos>[0,0)', '<bos>[0,5)']);
});

test('Llama 2: the ▁ prepended after a typed <unk> is not a space of the text', async () => {
  assert.deepEqual(await spans('llama2', '<unk>x'), ['<s>[0,0)', '<unk>[0,5)', '▁x[5,6)']);
  // With wide spaces after it: the inserted ▁ stands alone, empty, and nothing goes backwards.
  assert.deepEqual(await spans('llama2', '<unk>\u3000\u3000x'), ['<s>[0,0)', '<unk>[0,5)', '▁[5,5)', '\u3000[5,6)', '\u3000[6,7)', 'x[7,8)']);
});

test('Qwen3: tokens sharing a split character share its range', async () => {
  assert.deepEqual(await spans('qwen3', ' \u2028'), ['ĠâĢ[0,2)', '¨[0,2)']);
  for (const text of [' \u2060', ' \ufb01', '\u09cd\u09b7']) {
    const s = await spans('qwen3', text);
    assert.ok(s.every((x) => x.endsWith('[0,2)')), `${JSON.stringify(text)}: ${s.join(' ')}`);
  }
});

test('Qwen3: Hangul jamo that NFC composes map to both characters', async () => {
  assert.deepEqual(await spans('qwen3', '\u1100\u1161'), ['ê°Ģ[0,2)']);
});

test('Qwen3: a combining mark right after a typed special token keeps its own range', async () => {
  const s = await spans('qwen3', '<|endoftext|>\u0351');
  assert.equal(s[0], '<|endoftext|>[0,13)');
  assert.deepEqual(s.slice(1).map((x) => x.slice(x.indexOf('['))), ['[13,14)', '[13,14)']);
});

test('Qwen3: lone surrogates, a variation selector or a control after reordered marks keep separate ranges', async () => {
  // Found by the 50,000-string run (see the README): 1DC0/0323 reorder under NFC; U+FE0F must not join the surrogate before it.
  const s = await spans('qwen3', 'a\u0323\u1dc0\ud83d\ud800\ufe0f');
  assert.equal(s[s.length - 1], 'ï¸ı[5,6)');
  // Likewise a mark after a control character that marks cannot attach to.
  await spans('qwen3', 'a\u0323\u036f\u001b\u0301');
});

for (const name of ['llama2', 'qwen3', 'gemma3'] as const) {
  test(`${name}: ${COUNT} random strings (its own added tokens typed in) map exactly, with the tokenizer's own ids`, async () => {
    const t = await realTokenization(name);
    const added = addedTokenContents(name);
    const r = rng(name.length * 7919);
    const texts = Array.from(randomTexts(name.length, COUNT), (s) => (r() < 0.2 ? s + added[Math.floor(r() * added.length)]! + s.slice(0, 3) : s));
    forAll(name, texts, (text) => {
      const tok = t.tokenize(text, 100_000, 'maxTokens');
      assert.deepEqual(tok.ids, t.tokenizer.encode(text), 'the ids are the tokenizer\'s own');
      checkRanges(text, t, tok, { normalize: REAL_NORMALIZE[name] });
    });
  });

  test(`${name}: long real source files map exactly`, async () => {
    const t = await realTokenization(name);
    for (const { name: file, text } of longSourceFiles(6, 12_000)) {
      const tok = t.tokenize(text, 100_000, 'maxTokens');
      assert.deepEqual(tok.ids, t.tokenizer.encode(text), `${file}: the ids are the tokenizer's own`);
      checkRanges(text, t, tok, { normalize: REAL_NORMALIZE[name] });
    }
  });
}
