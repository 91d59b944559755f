// Token → [start, end) ranges for each tokenizer family, on adversarial strings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../../src/model/load';
import { Tokenization } from '../../../src/model/tokenize';
import { ADVERSARIAL, bertReference, checkRanges } from '../../helpers/offsetCheck';
import { byteLevelTokenizer, metaspaceTokenizer, wordPieceTokenizer, writeTokenizerFolder } from './tokenizerFixtures';

async function tokenization(name: string, t: ReturnType<typeof byteLevelTokenizer>): Promise<Tokenization> {
  return new Tokenization(await loadTokenizer(writeTokenizerFolder(name, t)), t.json);
}

const metaspace = (s: string) => s.replaceAll(' ', '▁');

test('byte-level BPE: every adversarial string maps exactly', async () => {
  const t = await tokenization('bytelevel', byteLevelTokenizer());
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    const tok = t.tokenize(text, 10_000, 'maxTokens');
    assert.ok(tok.ids.length > 0, name);
    checkRanges(text, t, tok);
  }
});

test('byte-level BPE: pieces of one character share its range; a token spanning a space and a partial character is exact', async () => {
  const t = await tokenization('bytelevel', byteLevelTokenizer());
  const text = 'a 👍 it’s';
  const tok = t.tokenize(text, 100, 'maxTokens');
  const thumbs = text.indexOf('👍');
  const onThumbs = tok.ids.map((_, i) => i).filter((i) => tok.starts[i]! <= thumbs && tok.ends[i]! > thumbs);
  assert.ok(onThumbs.length >= 2, 'the emoji is split into byte pieces');
  for (const i of onThumbs) assert.ok(tok.ends[i]! >= thumbs + 2, 'each piece covers the whole surrogate pair');
  const apostrophe = text.indexOf('’');
  const spaceAndLead = tok.pieces.findIndex((p) => p === 'Ġâ');
  assert.ok(spaceAndLead < 0 || tok.starts[spaceAndLead]! < apostrophe); // merge may or may not fire for "’" (no space before it)
  checkRanges(text, t, tok);
});

test('byte-level BPE: a special token written in the text covers its characters; display shows whitespace and partial bytes', async () => {
  const t = await tokenization('bytelevel', byteLevelTokenizer());
  const text = 'x<|endoftext|> the';
  const tok = t.tokenize(text, 100, 'maxTokens');
  const i = tok.pieces.indexOf('<|endoftext|>');
  assert.ok(i > 0);
  assert.deepEqual([tok.starts[i], tok.ends[i]], [1, 14]);
  assert.equal(t.display(tok.ids[tok.ids.length - 1]!), '␣the');
  assert.equal(t.display(t.tokenize('\u0000', 10, 'maxTokens').ids[0]!), '␀');
  assert.equal(t.display(t.tokenize('\t', 10, 'maxTokens').ids[0]!), '⇥');
  const emojiTok = t.tokenize('👍', 10, 'maxTokens');
  assert.match(t.display(emojiTok.ids[0]!), /‹0xF0/);
  checkRanges(text, t, tok);
});

test('WordPiece: lowercasing, accent stripping, ## continuations, [UNK] words and [CLS]/[SEP]', async () => {
  const t = await tokenization('wordpiece', wordPieceTokenizer());
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    const tok = t.tokenize(text, 10_000, 'maxTokens');
    assert.equal(tok.pieces[0], '[CLS]', name);
    assert.deepEqual([tok.starts[0], tok.ends[0]], [0, 0], `${name}: [CLS] sits at the start, empty`);
    assert.equal(tok.pieces[tok.pieces.length - 1], '[SEP]');
    assert.equal(tok.starts[tok.ids.length - 1], tok.ends[tok.ids.length - 1]);
    checkRanges(text, t, tok, { normalize: bertReference, droppable: /\s/g, wordPiece: true });
  }
  const tok = t.tokenize('Testing CAFÉ', 100, 'maxTokens');
  assert.deepEqual(tok.pieces, ['[CLS]', 'test', '##ing', 'cafe', '[SEP]']);
  assert.deepEqual(Array.from(tok.starts), [0, 0, 4, 8, 12]);
  assert.deepEqual(Array.from(tok.ends), [0, 4, 7, 12, 12]);
});

test('SentencePiece/Metaspace: ▁ for spaces, <0xNN> byte fallback, <s> at the start', async () => {
  const t = await tokenization('metaspace', metaspaceTokenizer());
  for (const [name, text] of Object.entries(ADVERSARIAL)) {
    const tok = t.tokenize(text, 10_000, 'maxTokens');
    assert.equal(tok.pieces[0], '<s>', name);
    checkRanges(text, t, tok, { normalize: metaspace });
  }
  const tok = t.tokenize('Hello World 中', 100, 'maxTokens');
  assert.deepEqual(tok.pieces.slice(0, 3), ['<s>', '▁Hello', '▁World']);
  assert.deepEqual([tok.starts[1], tok.ends[1]], [0, 5], 'the ▁ the tokenizer prepended is not in the text');
  assert.deepEqual([tok.starts[2], tok.ends[2]], [5, 11]);
  const fallback = tok.pieces.slice(-3);
  assert.deepEqual(fallback, ['<0xE4>', '<0xB8>', '<0xAD>']);
  for (let i = tok.ids.length - 3; i < tok.ids.length; i++) assert.deepEqual([tok.starts[i], tok.ends[i]], [12, 13]);
  assert.equal(t.display(tok.ids[2]!), '␣World');
});

test('truncation keeps the first N tokens and says which part is shown', async () => {
  const t = await tokenization('bytelevel', byteLevelTokenizer());
  const text = 'the the the the the';
  const full = t.tokenize(text, 10_000, 'maxTokens');
  assert.equal(full.truncated, null);
  const tok = t.tokenize(text, 3, 'maxTokens');
  assert.equal(tok.ids.length, 3);
  assert.deepEqual(tok.truncated, { reason: 'maxTokens', totalTokens: full.ids.length, shownTokens: 3, shownChars: full.ends[2], totalIsLowerBound: false });
  assert.deepEqual(Array.from(tok.starts), Array.from(full.starts.subarray(0, 3)));
  const huge = 'the '.repeat(50_000);
  const big = t.tokenize(huge, 10, 'context');
  assert.equal(big.ids.length, 10);
  assert.equal(big.truncated?.totalIsLowerBound, true);
  assert.equal(big.truncated?.reason, 'context');
});
