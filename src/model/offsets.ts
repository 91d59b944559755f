// Token → exact [start, end) range in the text, in UTF-16 code units.
//
// The tokenizer's own text (normalised and pre-tokenized by alignedText.ts, every unit knowing its
// original range) is laid out as UTF-8 bytes; each token's bytes are matched there in order,
// skipping only whitespace the pre-tokenizer dropped. A token's range is the union of the
// original ranges of the bytes it matched, leaving out bytes the tokenizer inserted (a prepended
// ▁). Tokens sharing a character (pieces of one emoji, of a composed Hangul syllable) end up with
// the same range: the union of the group.
import type { Aligned } from './alignedText';
import { SPACE_MARK, pieceBytes, type TokenizerFamily } from './tokenBytes';

export interface TokenRange { start: number; end: number }

/** pieceBytes per family, memoised: a text repeats its pieces (bounded by the vocabulary). */
const byteCache = new WeakMap<TokenizerFamily, Map<string, number[]>>();
function bytesOf(piece: string, family: TokenizerFamily): number[] {
  let cache = byteCache.get(family);
  if (!cache) byteCache.set(family, (cache = new Map()));
  let b = cache.get(piece);
  if (!b) cache.set(piece, (b = pieceBytes(piece, family)));
  return b;
}

interface ByteStream {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** 1: whitespace or inserted by the tokenizer (may be skipped between tokens). 2: inserted. */
  kind: Uint8Array;
  /** Byte offset where each unit of the aligned text starts (plus one entry for the end). */
  unitByte: Int32Array;
  tail: number;
}

const SKIPPABLE = 1;
const INSERTED = 2;

function buildStream(a: Aligned): ByteStream {
  const n = a.text.length;
  const bytes = new Uint8Array(n * 3 + 4);
  const start = new Int32Array(bytes.length);
  const end = new Int32Array(bytes.length);
  const kind = new Uint8Array(bytes.length);
  const unitByte = new Int32Array(n + 1);
  let b = 0;
  for (let i = 0; i < n; ) {
    const cp = a.text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const c = cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp; // a lone surrogate is encoded as U+FFFD
    const s = Math.min(a.start[i]!, a.start[i + units - 1]!);
    const e = Math.max(a.end[i]!, a.end[i + units - 1]!);
    const k = (s === e ? INSERTED | SKIPPABLE : 0) | (c <= 0x20 || (c >= 0x80 && /\s/u.test(String.fromCodePoint(c))) ? SKIPPABLE : 0);
    const from = b;
    if (c < 0x80) bytes[b++] = c;
    else if (c < 0x800) { bytes[b++] = 0xc0 | (c >> 6); bytes[b++] = 0x80 | (c & 0x3f); }
    else if (c < 0x10000) { bytes[b++] = 0xe0 | (c >> 12); bytes[b++] = 0x80 | ((c >> 6) & 0x3f); bytes[b++] = 0x80 | (c & 0x3f); }
    else { bytes[b++] = 0xf0 | (c >> 18); bytes[b++] = 0x80 | ((c >> 12) & 0x3f); bytes[b++] = 0x80 | ((c >> 6) & 0x3f); bytes[b++] = 0x80 | (c & 0x3f); }
    for (let j = from; j < b; j++) { start[j] = s; end[j] = e; kind[j] = k; }
    unitByte[i] = from;
    if (units === 2) unitByte[i + 1] = from;
    i += units;
  }
  unitByte[n] = b;
  return { bytes: bytes.subarray(0, b), start, end, kind, unitByte, tail: a.tail };
}

/** Length in stream bytes of a match of `token` at `pos`, or -1 (a ▁ marker matches ▁ or a space). */
function matchAt(stream: ByteStream, pos: number, token: number[], from = 0): number {
  let p = pos;
  const bytes = stream.bytes;
  for (let t = from; t < token.length; t++) {
    const b = token[t]!;
    if (b === SPACE_MARK) {
      if (bytes[p] === 0x20) { p += 1; continue; }
      if (bytes[p] === 0xe2 && bytes[p + 1] === 0x96 && bytes[p + 2] === 0x81) { p += 3; continue; }
      return -1;
    }
    if (p >= bytes.length || bytes[p] !== b) return -1;
    p += 1;
  }
  return p - pos;
}

/** The next position ≥ pos where `token` (from its byte `from`) matches, skipping only skippable bytes; [at, len] or null. */
function matchSkipping(stream: ByteStream, pos: number, token: number[], from: number): [number, number] | null {
  for (let p = pos; p <= stream.bytes.length; p++) {
    const len = matchAt(stream, p, token, from);
    if (len >= 0) return [p, len];
    if (p >= stream.bytes.length || !(stream.kind[p]! & SKIPPABLE)) return null;
  }
  return null;
}

export interface SectionInput {
  /** The section's text as the model saw it (normalised, pre-tokenized), aligned to the original. */
  aligned: Aligned;
  /** The model's pieces for this section, in order. */
  pieces: string[];
  family: TokenizerFamily;
  /** How the pre-tokenizer cuts words (an unknown WordPiece token stands for a whole word), or null. */
  wordPattern: RegExp | null;
  fuseUnknown: boolean;
}

/** Ranges (in original text offsets) for the pieces of one section. */
export function alignSection(input: SectionInput): TokenRange[] {
  const { aligned, pieces, family } = input;
  const stream = buildStream(aligned);
  const n = stream.bytes.length;
  const offsetAt = (p: number) => (p < n ? stream.start[p]! : stream.tail);
  let wordEnd: Int32Array | null = null; // byte index of a word start → byte index of its end
  const ranges: TokenRange[] = [];
  let pos = 0;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    let at = -1;
    let len = -1;
    if (piece === family.unkToken && family.unkToken !== null) {
      let p = pos;
      while (p < n && stream.kind[p]! & SKIPPABLE) p++;
      if (input.wordPattern) {
        wordEnd ??= wordEnds(stream, aligned.text, input.wordPattern);
        if (wordEnd[p]! > p) [at, len] = [p, wordEnd[p]! - p];
      }
      if (at < 0 && p < n) {
        let q = nextChar(stream, p);
        const next = i + 1 < pieces.length ? bytesOf(pieces[i + 1]!, family) : null;
        if (input.fuseUnknown) while (q < n && !(stream.kind[q]! & SKIPPABLE) && (next === null || matchAt(stream, q, next) < 0)) q = nextChar(stream, q);
        [at, len] = [p, q - p];
      }
    } else {
      const token = bytesOf(piece, family);
      const marker = token[0] === SPACE_MARK || (family.byteLevel && token[0] === 0x20) ? 1 : 0;
      let m = matchSkipping(stream, pos, token, 0);
      // A leading marker the tokenizer added to a piece of its own (not emulated as text): not in the text.
      if (!m && marker) m = matchSkipping(stream, pos, token, 1);
      if (!m) m = resync(stream, pos, token, marker);
      if (m) [at, len] = m;
    }
    if (at < 0) { ranges.push({ start: offsetAt(pos), end: offsetAt(pos) }); continue; }
    ranges.push(rangeOf(stream, at, len, offsetAt(at)));
    pos = at + len;
  }
  return ranges;
}

/** Out of step (a normaliser not emulated): the next occurrence within 256 bytes. */
function resync(stream: ByteStream, pos: number, token: number[], marker: number): [number, number] | null {
  const limit = Math.min(stream.bytes.length, pos + 256);
  for (let p = pos; p < limit; p++) {
    for (const from of marker ? [0, 1] : [0]) {
      const len = matchAt(stream, p, token, from);
      if (len > 0) return [p, len];
    }
  }
  return null;
}

function nextChar(stream: ByteStream, p: number): number {
  let q = p + 1;
  while (q < stream.bytes.length && (stream.bytes[q]! & 0xc0) === 0x80 && stream.start[q] === stream.start[p]) q++;
  return q;
}

/** Union of the original ranges of bytes [at, at + len), inserted bytes left out. */
function rangeOf(stream: ByteStream, at: number, len: number, here: number): TokenRange {
  let s = Infinity;
  let e = -Infinity;
  for (let p = at; p < at + len; p++) {
    if (stream.kind[p]! & INSERTED) continue;
    if (stream.start[p]! < s) s = stream.start[p]!;
    if (stream.end[p]! > e) e = stream.end[p]!;
  }
  return s === Infinity ? { start: here, end: here } : { start: s, end: e };
}

function wordEnds(stream: ByteStream, text: string, pattern: RegExp): Int32Array {
  const out = new Int32Array(stream.bytes.length + 1);
  for (const m of text.matchAll(new RegExp(pattern.source, 'gu'))) {
    out[stream.unitByte[m.index!]!] = stream.unitByte[m.index! + m[0].length]!;
  }
  return out;
}

/** Tokens whose ranges overlap share a character: each gets the union of its group. In place. */
export function unionOverlaps(starts: Int32Array, ends: Int32Array): void {
  let g = -1; // first token of the current group
  let gStart = 0;
  let gEnd = -1;
  const close = (to: number) => { for (let k = g; k < to; k++) if (starts[k]! < ends[k]!) { starts[k] = gStart; ends[k] = gEnd; } };
  for (let i = 0; i < starts.length; i++) {
    if (starts[i] === ends[i]) continue;
    if (g >= 0 && starts[i]! < gEnd) { gStart = Math.min(gStart, starts[i]!); gEnd = Math.max(gEnd, ends[i]!); continue; }
    if (g >= 0) close(i);
    g = i; gStart = starts[i]!; gEnd = ends[i]!;
  }
  if (g >= 0) close(starts.length);
}
