// Token text as people read it: the characters of the text in each token's range, a split
// character drawn once (its other tokens continuations, with their bytes), partial top-k pieces as ‹0x..›.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../../src/model/load';
import { Tokenization } from '../../../src/model/tokenize';
import { bytesForDisplay } from '../../../src/model/tokenBytes';
import { byteLevelTokenizer, metaspaceTokenizer, wordPieceTokenizer, writeTokenizerFolder } from './tokenizerFixtures';

async function tokenization(name: string, f: ReturnType<typeof byteLevelTokenizer>): Promise<Tokenization> {
  return new Tokenization(await loadTokenizer(writeTokenizerFolder(name, f)), f.json);
}

const TEXT = 'naïve café 한국어 😀 中文';

test('byte-level: every character of the text is shown once, split ones on their first token', async () => {
  const t = await tokenization('bytelevel', byteLevelTokenizer());
  const tok = t.tokenize(TEXT, 1000, 'maxTokens');
  const labels = t.labels(TEXT, tok);
  // Joining the shown labels (spaces made visible) gives the text back.
  assert.equal(labels.display.join('').replaceAll('␣', ' '), TEXT);
  const han = tok.starts.indexOf(TEXT.indexOf('한'));
  assert.ok(han >= 0);
  assert.equal(labels.display[han], '한');
  assert.equal(labels.continuation[han], false);
  // The byte pieces after the first are continuations: nothing drawn, their bytes kept for the tooltip.
  for (let i = han + 1; tok.starts[i] === tok.starts[han]; i++) {
    assert.equal(labels.continuation[i], true);
    assert.equal(labels.display[i], '');
    assert.match(labels.partial[i]!, /^‹0x[0-9A-F]{2}( 0x[0-9A-F]{2})*›$/);
  }
  assert.match(labels.partial[han]!, /^‹0xED/);
});

test('WordPiece: the label is the text as written (CAFÉ), not the normalised piece; [CLS] shows itself', async () => {
  const t = await tokenization('wordpiece', wordPieceTokenizer());
  const text = 'CAFÉ testing';
  const tok = t.tokenize(text, 100, 'maxTokens');
  assert.deepEqual(t.labels(text, tok).display, ['[CLS]', 'CAFÉ', '␣test', 'ing', '[SEP]'].map((s) => s.replace('␣', '')));
});

test('SentencePiece: byte-fallback pieces of 中 show 中 once; the prepended ▁ alone shows as a marker', async () => {
  const t = await tokenization('metaspace', metaspaceTokenizer());
  const tok = t.tokenize('中', 100, 'maxTokens');
  const labels = t.labels('中', tok);
  assert.equal(labels.display.filter((d) => d.includes('中')).length, 1);
  assert.deepEqual(labels.partial.filter(Boolean), ['‹0xE4›', '‹0xB8›', '‹0xAD›']);
});

test('top-k candidates: partial characters as readable bytes, whole characters as themselves', async () => {
  assert.equal(bytesForDisplay([0xed, 0x95]), '‹0xED 0x95›');
  assert.equal(bytesForDisplay([0x20, 0xed, 0x95, 0x9c]), ' 한');
  assert.equal(bytesForDisplay([0x61, 0xf0, 0x9f]), 'a‹0xF0 0x9F›');
  const t = await tokenization('bytelevel', byteLevelTokenizer());
  const thumbs = t.tokenize('👍', 10, 'maxTokens');
  assert.match(t.text(thumbs.ids[0]!), /^‹0xF0 0x9F›$|^‹0xF0›$/);
  assert.equal(t.text(t.tokenize(' the', 10, 'maxTokens').ids[0]!), ' the');
});
