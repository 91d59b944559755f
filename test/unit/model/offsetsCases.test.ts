// The minimal cases of the "every character, every tokenizer" issue, one named test each, on the
// small hand-built tokenizers (WordPiece, byte-level BPE, SentencePiece/Metaspace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../../src/model/load';
import { Tokenization } from '../../../src/model/tokenize';
import { bertReference, checkRanges } from '../../helpers/offsetCheck';
import { byteLevelTokenizer, metaspaceTokenizer, wordPieceTokenizer, writeTokenizerFolder } from './tokenizerFixtures';

const nonLegacy = () => { const f = metaspaceTokenizer(); return { ...f, config: { ...f.config, legacy: false } }; };
const fixtures = { wordpiece: wordPieceTokenizer, bytelevel: byteLevelTokenizer, metaspace: metaspaceTokenizer, nonlegacy: nonLegacy };
const loaded = new Map<string, Promise<Tokenization>>();

function tokenization(name: keyof typeof fixtures): Promise<Tokenization> {
  let t = loaded.get(name);
  if (!t) {
    const f = fixtures[name]();
    t = loadTokenizer(writeTokenizerFolder(name, f)).then((tok) => new Tokenization(tok, f.json));
    loaded.set(name, t);
  }
  return t;
}

/** "piece[start,end)" per token, after checking every invariant. */
async function spans(name: keyof typeof fixtures, text: string): Promise<string[]> {
  const t = await tokenization(name);
  const tok = t.tokenize(text, 1000, 'maxTokens');
  if (name === 'wordpiece') checkRanges(text, t, tok, { normalize: bertReference, droppable: /\s/g, wordPiece: true });
  else checkRanges(text, t, tok, name === 'metaspace' || name === 'nonlegacy' ? { normalize: (s) => s.replaceAll(' ', '▁') } : {});
  return tok.pieces.map((p, i) => `${p}[${tok.starts[i]},${tok.ends[i]})`);
}

test('WordPiece: a word starting with a symbol is one [UNK] covering the whole word (👍e, 🤗a)', async () => {
  assert.deepEqual(await spans('wordpiece', '👍e'), ['[CLS][0,0)', '[UNK][0,3)', '[SEP][3,3)']);
  assert.deepEqual(await spans('wordpiece', '🤗a'), ['[CLS][0,0)', '[UNK][0,3)', '[SEP][3,3)']);
});

test('WordPiece: CJK characters in a row are one word each (好世, 中文, 語ü)', async () => {
  assert.deepEqual(await spans('wordpiece', '好世'), ['[CLS][0,0)', '好[0,1)', '[UNK][1,2)', '[SEP][2,2)']);
  assert.deepEqual(await spans('wordpiece', '中文'), ['[CLS][0,0)', '中[0,1)', '文[1,2)', '[SEP][2,2)']);
  assert.deepEqual(await spans('wordpiece', '語ü'), ['[CLS][0,0)', '[UNK][0,1)', 'u[1,2)', '[SEP][2,2)']);
});

test('WordPiece: characters the normaliser deletes are not counted (\\f, U+FEFF, lone surrogates, private use)', async () => {
  // \f is a control character (deleted, not a space), so "tŉ" is one word; NFD makes it "tʼn", not in the vocabulary.
  assert.deepEqual(await spans('wordpiece', 't\fŉ'), ['[CLS][0,0)', '[UNK][0,3)', '[SEP][3,3)']);
  assert.deepEqual(await spans('wordpiece', 't\f x'), ['[CLS][0,0)', 't[0,1)', 'x[3,4)', '[SEP][4,4)']);
  assert.deepEqual(await spans('wordpiece', 'a\uFEFF한'), ['[CLS][0,0)', '[UNK][0,3)', '[SEP][3,3)']);
  assert.deepEqual(await spans('wordpiece', '\uD83D🤗'), ['[CLS][0,0)', '[UNK][1,3)', '[SEP][3,3)']);
  assert.deepEqual(await spans('wordpiece', '\uE000 🤗'), ['[CLS][0,0)', '[UNK][2,4)', '[SEP][4,4)']);
});

test('WordPiece: combining marks outside U+0300–036F stay in the word (\\uFE0F, \\uFE0F_b_)', async () => {
  assert.deepEqual(await spans('wordpiece', '\uFE0F'), ['[CLS][0,0)', '[UNK][0,1)', '[SEP][1,1)']);
  assert.deepEqual(await spans('wordpiece', '\uFE0F_b_'), ['[CLS][0,0)', '[UNK][0,1)', '_[1,2)', 'b[2,3)', '_[3,4)', '[SEP][4,4)']);
});

test('WordPiece: a typed [MASK] gets the range of its text', async () => {
  const s = await spans('wordpiece', 'The [MASK] sat on the mat.');
  assert.equal(s[2], '[MASK][4,10)');
});

test('WordPiece: typed [CLS] and [UNK] cover their text; the added [CLS] stays empty', async () => {
  assert.deepEqual(await spans('wordpiece', ' [CLS]'), ['[CLS][0,0)', '[CLS][1,6)', '[SEP][6,6)']);
  assert.deepEqual(await spans('wordpiece', '[UNK]'), ['[CLS][0,0)', '[UNK][0,5)', '[SEP][5,5)']);
  assert.deepEqual(await spans('wordpiece', '[CLS]'), ['[CLS][0,0)', '[CLS][0,5)', '[SEP][5,5)']);
});

test('WordPiece: lowercasing and accent stripping follow the normaliser (CAFÉ, decomposed accents)', async () => {
  assert.deepEqual(await spans('wordpiece', 'CAFÉ'), ['[CLS][0,0)', 'cafe[0,4)', '[SEP][4,4)']);
  assert.deepEqual(await spans('wordpiece', 'cafe\u0301 x'), ['[CLS][0,0)', 'cafe[0,4)', 'x[6,7)', '[SEP][7,7)']);
});

test('byte-level BPE: a typed <|endoftext|> covers its text and the next piece keeps its space', async () => {
  const s = await spans('bytelevel', 'a<|endoftext|> the');
  assert.deepEqual(s.slice(1), ['<|endoftext|>[1,14)', 'Ġthe[14,18)']);
});

test('SentencePiece/Metaspace: the ▁ prepended after a typed <unk> is not a space of the text', async () => {
  const s = await spans('metaspace', '<unk>x');
  assert.deepEqual(s.slice(0, 2), ['<s>[0,0)', '<unk>[0,5)']);
  assert.ok(s.slice(2).every((x) => /\[5,6\)$|\[5,5\)$/.test(x)), s.join(' '));
});

test('SentencePiece/Metaspace: byte-fallback pieces of one character share its range', async () => {
  const s = await spans('metaspace', 'a 中');
  assert.deepEqual(s.slice(-3), ['<0xE4>[2,3)', '<0xB8>[2,3)', '<0xAD>[2,3)']);
});

test('WordPiece: marks NFD reorders stay with their base, a variation selector after punctuation stays its own word', async () => {
  // Found by the 50,000-string run: U+FE0F (class 0) was pulled into the run of "\" when earlier marks were reordered.
  const s = await spans('wordpiece', '\u09cd\u0323\u20d7\\\ufe0f');
  assert.deepEqual(s.slice(-3), ['\\[3,4)', '[UNK][4,5)', '[SEP][5,5)']);
});

test('LlamaTokenizer legacy: false: one ▁ before the text, none after a typed special token, which covers its text', async () => {
  assert.deepEqual(await spans('nonlegacy', '<s>the'), ['<s>[0,0)', '<s>[0,3)', 't[3,4)', 'he[4,6)']);
  assert.deepEqual(await spans('nonlegacy', 'the</s> the'), ['<s>[0,0)', '▁the[0,3)', '</s>[3,7)', '▁the[7,11)']);
  assert.deepEqual(await spans('nonlegacy', ' the'), ['<s>[0,0)', '▁[0,0)', '▁the[0,4)']);
});
