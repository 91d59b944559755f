// Checks token ranges against the text: slicing the text by each range gives back the token's bytes.
import assert from 'node:assert/strict';
import { SPACE_MARK, pieceBytes } from '../../src/model/tokenBytes';
import type { Tokenization, TokenizedText } from '../../src/model/tokenize';

const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));

export interface CheckOptions {
  /** How the tokenizer normalises text before splitting (identity for byte-level BPE). */
  normalize?: (s: string) => string;
  /** Characters the tokenizer may drop (WordPiece drops whitespace and control characters). */
  droppable?: RegExp;
}

/**
 * Tokens whose ranges overlap (pieces of one character) form a group; each group's bytes must equal
 * the normalised slice. Ranges are ordered, and every character not droppable is covered.
 */
export function checkRanges(text: string, t: Tokenization, tok: TokenizedText, opts: CheckOptions = {}): void {
  const normalize = opts.normalize ?? ((s: string) => s);
  const covered = new Uint8Array(text.length);
  let lastEnd = 0;
  let group: { start: number; end: number; bytes: number[]; unknown: boolean } | null = null;
  const flush = () => {
    if (!group) return;
    const slice = text.slice(group.start, group.end);
    if (group.unknown) {
      assert.ok(slice.length > 0 && !/\s/.test(slice), `unknown token covers a word: ${JSON.stringify(slice)}`);
    } else {
      const expected = utf8(normalize(slice).replace(opts.droppable ?? /(?!)/g, ''));
      assert.deepEqual(group.bytes, expected, `bytes of ${JSON.stringify(slice)} at [${group.start}, ${group.end})`);
    }
    lastEnd = group.end;
    group = null;
  };
  for (let i = 0; i < tok.ids.length; i++) {
    const start = tok.starts[i]!;
    const end = tok.ends[i]!;
    assert.ok(start <= end, `token ${i} has start ≤ end`);
    const piece = tok.pieces[i]!;
    let bytes = pieceBytes(piece, t.family).map((b) => (b === SPACE_MARK ? 0x20 : b));
    // A leading space marker the tokenizer added itself (before the text or after a special token) is not in the text.
    const sectionStart = i === 0 || tok.special[i - 1]!;
    const spaceInText = /^[ \u2581]/.test(text.slice(start));
    const prefix = t.family.prefixSpace;
    const synthetic = prefix === null ? !spaceInText : sectionStart && (prefix === 'always' || !spaceInText);
    if (bytes[0] === 0x20 && synthetic) bytes = bytes.slice(1);
    if (start === end) {
      assert.ok(tok.special[i] || bytes.length === 0, `only special tokens and added markers have empty ranges (token ${i})`);
      continue;
    }
    if (group && start < group.end) {
      group.end = Math.max(group.end, end);
      group.bytes.push(...bytes);
      continue;
    }
    flush();
    assert.ok(start >= lastEnd, `token ${i} starts at ${start}, after the previous range ending at ${lastEnd}`);
    group = { start, end, bytes: [...bytes], unknown: piece === t.family.unkToken };
    for (let c = start; c < end; c++) covered[c] = 1;
  }
  flush();
  for (let i = 0; i < tok.ids.length; i++) for (let c = tok.starts[i]!; c < tok.ends[i]!; c++) covered[c] = 1;
  for (let c = 0; c < text.length; c++) {
    if (covered[c]) continue;
    const ch = text[c]!;
    assert.ok(opts.droppable?.test(ch), `character ${c} (${JSON.stringify(ch)}) is covered by a token`);
  }
}

export const ADVERSARIAL: Record<string, string> = {
  tabsAndCrlf: 'Hello\tworld\r\n  the cafe\n\n\tx',
  accents: 'Café naïve résumé',
  decomposedAccents: 'Cafe\u0301 nai\u0308ve',
  emoji: '👍🏽 👨‍👩‍👧‍👦 ok 🇫🇷!',
  cjk: '中文字 你好，日本',
  rtl: 'مرحبا بالعالم שלום',
  combining: 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  loneSurrogates: 'a\uD800b \uDC00 c',
  typographic: 'it’s “quoted” — done…',
  controls: 'a\u0000b\u200Bc\u0007d',
  code: 'def f(x):\n\treturn x  # ✓\r\n',
  edges: '   lead and trail   ',
};
