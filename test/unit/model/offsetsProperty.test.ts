// Property test: thousands of random strings (fixed seed) through every tokenizer family, each
// token's range checked against an independent reference (see test/helpers/offsetCheck.ts), and the
// ids checked against the tokenizer's own encode(). PROPERTY_STRINGS=50000 runs a longer pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../../src/model/load';
import { Tokenization } from '../../../src/model/tokenize';
import { bertReference, checkRanges, type CheckOptions } from '../../helpers/offsetCheck';
import { forAll, propertyCount, randomTexts } from '../../helpers/randomText';
import { byteLevelTokenizer, metaspaceTokenizer, wordPieceTokenizer, writeTokenizerFolder } from './tokenizerFixtures';

const COUNT = propertyCount(5000);

async function tokenization(name: string, t: ReturnType<typeof byteLevelTokenizer>): Promise<Tokenization> {
  return new Tokenization(await loadTokenizer(writeTokenizerFolder(name, t)), t.json);
}

function run(label: string, t: Tokenization, seed: number, opts: CheckOptions): void {
  const n = forAll(label, randomTexts(seed, COUNT), (text) => {
    const tok = t.tokenize(text, 100_000, 'maxTokens');
    assert.deepEqual(tok.ids, t.tokenizer.encode(text), 'the ids are the tokenizer\'s own');
    checkRanges(text, t, tok, opts);
  });
  assert.equal(n, COUNT);
}

test(`byte-level BPE without BOS: ${COUNT} random strings map exactly`, async () => {
  run('byte-level', await tokenization('bytelevel', byteLevelTokenizer()), 1, {});
});

test(`byte-level BPE with BOS: ${COUNT} random strings map exactly`, async () => {
  run('byte-level+BOS', await tokenization('bytelevelbos', byteLevelTokenizer({ bos: true })), 2, {});
});

test(`WordPiece: ${COUNT} random strings map exactly`, async () => {
  run('WordPiece', await tokenization('wordpiece', wordPieceTokenizer()), 3, { normalize: bertReference, droppable: /\s/g, wordPiece: true });
});

test(`SentencePiece/Metaspace with BOS: ${COUNT} random strings map exactly`, async () => {
  run('Metaspace', await tokenization('metaspace', metaspaceTokenizer()), 4, { normalize: (s) => s.replaceAll(' ', '▁') });
});

test(`SentencePiece, LlamaTokenizer legacy: false (▁ before the text only): ${COUNT} random strings map exactly`, async () => {
  const f = metaspaceTokenizer();
  run('Metaspace legacy:false', await tokenization('metaspace-nonlegacy', { ...f, config: { ...f.config, legacy: false } }), 5, { normalize: (s) => s.replaceAll(' ', '▁') });
});
