// Token ranges with the real byte-level tokenizer of the test model (bundled, or smoke until it lands).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTokenizer } from '../../src/model/load';
import { Tokenization } from '../../src/model/tokenize';
import { ADVERSARIAL, checkRanges } from '../helpers/offsetCheck';
import { testModelDir } from '../helpers/models';

test('the model tokenizer maps adversarial strings exactly, and its pieces are byte-level', async () => {
  const dir = testModelDir();
  const json = JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const t = new Tokenization(await loadTokenizer(dir), json);
  assert.equal(t.family.byteLevel, true);
  const all = Object.values(ADVERSARIAL).join('\n') + '<|endoftext|>' + ' tail';
  for (const text of [...Object.values(ADVERSARIAL), all]) {
    const tok = t.tokenize(text, 100_000, 'maxTokens');
    checkRanges(text, t, tok);
    // Decoding the text's tokens (after the BOS the tokenizer adds) gives the text back (lone
    // surrogates become U+FFFD, as in UTF-8).
    assert.deepEqual(tok.ids.slice(0, t.leadingIds.length), t.leadingIds);
    const decoded = t.tokenizer.decode(tok.ids.slice(t.leadingIds.length));
    assert.equal(decoded, text.replace(/[\uD800-\uDFFF]/g, (c, i: number) => {
      const pair = /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text.slice(i - 1, i + 1)) || /[\uD800-\uDBFF][\uDC00-\uDFFF]/.test(text.slice(i, i + 2));
      return pair ? c : '\uFFFD';
    }));
  }
});
