// Checks token ranges against the text, with a reference normaliser written here independently of src/.
//
// Invariants: ranges in bounds and in order; tokens overlap only by sharing one range exactly,
// and only where a character is split (some piece is not whole UTF-8, or the slice is one
// character the normaliser expands); every non-special token has a non-empty range unless it is
// only a marker the tokenizer inserted; the bytes of each token (or group) are the normalised
// slice's bytes; every character the tokenizer keeps is covered.
import assert from 'node:assert/strict';
import { SPACE_MARK, pieceBytes } from '../../src/model/tokenBytes';
import type { Tokenization, TokenizedText } from '../../src/model/tokenize';

const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));
const META = utf8('▁');

export interface CheckOptions {
  /** The tokenizer's normalisation of a slice of text (identity for plain byte-level BPE). */
  normalize?: (s: string) => string;
  /** Characters the tokenizer may drop (WordPiece drops whitespace and control characters). */
  droppable?: RegExp;
  /** WordPiece: a token's text is its piece without the ## prefix, an [UNK] stands for a whole word. */
  wordPiece?: boolean;
}

/** BertNormalizer (clean text, lowercase, NFD accent stripping) as transformers.js 2.17 defines it. */
export function bertReference(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd) continue;
    if (ch !== '\t' && ch !== '\n' && ch !== '\r' && /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.test(ch)) continue;
    out += /\s/.test(ch) ? ' ' : ch;
  }
  return out.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

const isWholeUtf8 = (bytes: number[]) => {
  try { new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes)); return true; } catch { return false; }
};
/** User-perceived characters: a base with its marks, composed jamo, an emoji sequence. */
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const graphemes = (s: string) => [...segmenter.segment(s)].length;
const startsWith = (a: number[], b: number[]) => b.every((x, i) => a[i] === x);

export function checkRanges(text: string, t: Tokenization, tok: TokenizedText, opts: CheckOptions = {}): void {
  const normalize = opts.normalize ?? ((s: string) => s);
  const n = tok.ids.length;
  const bytesOf = (i: number): number[] => {
    const piece = tok.pieces[i]!;
    if (opts.wordPiece) return utf8(piece.startsWith('##') && piece.length > 2 ? piece.slice(2) : piece);
    return pieceBytes(piece, t.family).flatMap((b) => (b === SPACE_MARK ? META : [b]));
  };
  const isMarker = (b: number[]) => (b.length === 1 && b[0] === 0x20) || (b.length === 3 && startsWith(b, META));
  let prevStart = 0;
  let prevEnd = 0;
  for (let i = 0; i < n; i++) {
    const s = tok.starts[i]!;
    const e = tok.ends[i]!;
    assert.ok(s >= 0 && s <= e && e <= text.length, `token ${i} ${JSON.stringify(tok.pieces[i])} has a range in bounds: [${s}, ${e})`);
    assert.ok(s >= prevStart, `token ${i} starts at ${s}, not before the previous token (${prevStart})`);
    if (s === e) {
      assert.ok(tok.special[i] || isMarker(bytesOf(i)), `token ${i} ${JSON.stringify(tok.pieces[i])} is not special, so its range [${s}, ${e}) is not empty`);
      prevStart = s;
      continue;
    }
    const sameAsPrev = i > 0 && tok.starts[i - 1] === s && tok.ends[i - 1] === e;
    assert.ok(sameAsPrev || s >= prevEnd, `token ${i} [${s}, ${e}) overlaps the previous range ending at ${prevEnd} without sharing it`);
    prevStart = s;
    prevEnd = Math.max(prevEnd, e);
  }
  // Groups of tokens with one range.
  const covered = new Uint8Array(text.length);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    const s = tok.starts[i]!;
    const e = tok.ends[i]!;
    while (j < n && tok.starts[j] === s && tok.ends[j] === e && s < e) j++;
    if (s === e) { i = j; continue; }
    for (let c = s; c < e; c++) covered[c] = 1;
    const slice = text.slice(s, e);
    const members = Array.from({ length: j - i }, (_, k) => i + k);
    const where = `tokens ${i}..${j - 1} ${JSON.stringify(members.map((k) => tok.pieces[k]))} at [${s}, ${e}) = ${JSON.stringify(slice)}`;
    if (j - i > 1 && !opts.wordPiece) {
      const split = members.some((k) => !isWholeUtf8(bytesOf(k))) || graphemes(slice) === 1;
      assert.ok(split, `${where} share a range but split no character`);
    }
    if (tok.special[i] || t.tokenizer.decode([tok.ids[i]!]) === slice && slice === tok.pieces[i]) {
      // A token typed in the text (special or added): its range is its own text.
      assert.equal(slice, tok.pieces[i], `${where}: a typed token covers its text`);
      i = j;
      continue;
    }
    let expected = normalize(slice);
    if (opts.droppable) expected = expected.replace(opts.droppable, '');
    if (opts.wordPiece && tok.pieces[i] === t.family.unkToken) {
      assert.equal(j - i, 1, `${where}: an unknown token stands alone`);
      const word = bertReference(slice);
      assert.ok(word.length > 0 && !/\s/.test(word), `${where}: an unknown token covers one word`);
    } else if (opts.wordPiece) {
      assert.equal(members.map((k) => tok.pieces[k]!.replace(/^##(?=.)/, '')).join(''), expected, `${where}: pieces spell the normalised slice`);
    } else {
      let bytes = members.flatMap(bytesOf);
      const want = utf8(expected);
      // A marker the tokenizer put before a section (or a word) is not in the text.
      const same = (a: number[]) => a.length === want.length && startsWith(a, want);
      if (!same(bytes) && startsWith(bytes, META) && same(bytes.slice(3))) bytes = bytes.slice(3);
      else if (!same(bytes) && t.family.byteLevel && bytes[0] === 0x20 && same(bytes.slice(1))) bytes = bytes.slice(1);
      assert.deepEqual(bytes, want, `${where}: token bytes are the slice's bytes`);
    }
    i = j;
  }
  for (let c = 0; c < text.length; c++) {
    if (covered[c]) continue;
    const ch = text[c]!;
    const kept = opts.wordPiece ? bertReference(ch).trim().length > 0 && !/[\uD800-\uDFFF]/.test(ch) : !opts.droppable?.test(ch);
    assert.ok(!kept, `character ${c} (${JSON.stringify(ch)}) of ${JSON.stringify(text)} is covered by a token`);
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
