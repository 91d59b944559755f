// Maps every token to its exact [start, end) range in the text, in UTF-16 code units.
//
// The text is normalised unit by unit the way the tokenizer's normaliser would (lowercasing,
// accent stripping, Unicode forms, replacements), each normalised byte remembering the
// range of the text it came from. Token bytes are then matched against that byte stream in
// order. Tokens splitting one character (byte-level pieces of an emoji) share its range;
// special tokens the tokenizer added get an empty range where they sit.
import { SPACE_MARK, flattenSequence, pieceBytes, type TokenizerFamily } from './tokenBytes';

export interface TokenRange { start: number; end: number }

type Json = Record<string, unknown>;
type UnitNormalizer = (unit: string) => string;

/** Builds a per-unit normaliser from tokenizer.json's `normalizer`, and whether units must keep combining marks together. */
export function unitNormalizer(config: Json | null | undefined): { normalize: UnitNormalizer; composes: boolean } {
  const steps: UnitNormalizer[] = [];
  let composes = false;
  for (const n of flattenSequence(config)) {
    switch (n.type) {
      case 'Lowercase': steps.push((s) => s.toLowerCase()); break;
      case 'NFD': case 'NFKD': steps.push((s) => s.normalize(n.type as string)); break;
      case 'NFC': case 'NFKC': composes = true; steps.push((s) => s.normalize(n.type as string)); break;
      case 'Precompiled': composes = true; steps.push((s) => s.normalize('NFKC')); break;
      case 'StripAccents': steps.push(stripAccents); break;
      case 'Replace': {
        const pattern = n.pattern as Json;
        const content = String(n.content ?? '');
        if (typeof pattern?.String === 'string' && pattern.String) {
          const from = pattern.String;
          steps.push((s) => s.split(from).join(content));
        } else if (typeof pattern?.Regex === 'string') {
          const re = new RegExp(pattern.Regex, 'gu');
          steps.push((s) => s.replace(re, content));
        }
        break;
      }
      case 'BertNormalizer': {
        const lowercase = n.lowercase !== false;
        const strip = (n.strip_accents as boolean | null | undefined) ?? lowercase;
        if (n.clean_text !== false) steps.push(cleanText);
        if (strip) steps.push(stripAccents);
        if (lowercase) steps.push((s) => s.toLowerCase());
        break;
      }
      // Prepend / Strip change only the ends: the matcher treats a leading marker not in the text
      // as synthetic and skips unmatched whitespace, so they need no emulation here.
      default: break;
    }
  }
  if (steps.length === 0) return { normalize: IDENTITY, composes: false };
  return { normalize: (s) => steps.reduce((acc, f) => f(acc), s), composes };
}

const IDENTITY: UnitNormalizer = (s) => s;

function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/\p{Mn}/gu, '');
}

function cleanText(s: string): string {
  return s.replace(/[\0\uFFFD]/g, '').replace(/[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? ' ' : '')).replace(/\s/g, ' ');
}

interface ByteStream {
  bytes: Uint8Array;
  /** Range of the text unit each byte came from. */
  start: Int32Array;
  end: Int32Array;
  /** The byte belongs to whitespace or an invisible control character. */
  skippable: Uint8Array;
  /** The text's length in UTF-16 units: the offset of the end, past the last byte's unit. */
  textLength: number;
}

const UNIT = /\P{M}\p{M}*|\p{M}+/gsu;
const SKIPPABLE = /^[\s\p{Cc}\p{Cf}]+$/u;
const encoder = new TextEncoder();

export function buildStream(text: string, normalize: UnitNormalizer, composes: boolean): ByteStream {
  if (normalize === IDENTITY) return rawStream(text);
  const bytes: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const skippable: number[] = [];
  let unitFirstByte = 0; // where the previous unit's bytes begin
  const push = (unit: string, s: number, e: number) => {
    const normalized = normalize(unit);
    if (normalized.length === 0) {
      // Removed by normalisation (a stripped accent, a control character): it belongs to the unit before.
      if (bytes.length > 0 && end[end.length - 1] === s) for (let i = unitFirstByte; i < bytes.length; i++) end[i] = e;
      return;
    }
    unitFirstByte = bytes.length;
    const skip = SKIPPABLE.test(normalized) ? 1 : 0;
    for (const b of encoder.encode(normalized)) { bytes.push(b); start.push(s); end.push(e); skippable.push(skip); }
  };
  if (composes) {
    for (const m of text.matchAll(UNIT)) push(m[0], m.index!, m.index! + m[0].length);
  } else {
    for (let i = 0; i < text.length; ) {
      const cp = text.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      push(text.slice(i, i + len), i, i + len);
      i += len;
    }
  }
  return {
    bytes: Uint8Array.from(bytes), start: Int32Array.from(start), end: Int32Array.from(end),
    skippable: Uint8Array.from(skippable), textLength: text.length,
  };
}

/** The text's own UTF-8 bytes, each mapped to its code point's UTF-16 range (fast path, no normaliser). */
function rawStream(text: string): ByteStream {
  const bytes = encoder.encode(text);
  const n = bytes.length;
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const skippable = new Uint8Array(n);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const isSurrogate = cp >= 0xd800 && cp <= 0xdfff; // lone: encoded as U+FFFD, 3 bytes
    const len = isSurrogate ? 3 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    const skip = cp <= 0x20 || cp === 0x7f || (cp >= 0x80 && SKIPPABLE.test(String.fromCodePoint(cp))) ? 1 : 0;
    for (let j = 0; j < len; j++, b++) { start[b] = i; end[b] = i + units; skippable[b] = skip; }
    i += units;
  }
  return { bytes, start, end, skippable, textLength: text.length };
}

const META = [0xe2, 0x96, 0x81]; // "▁" in UTF-8

/** Length in stream bytes of a match of `token` at `pos`, or -1. */
function matchAt(stream: ByteStream, pos: number, token: number[]): number {
  let p = pos;
  for (const b of token) {
    if (b === SPACE_MARK) {
      if (stream.bytes[p] === 0x20) { p += 1; continue; }
      if (stream.bytes[p] === META[0] && stream.bytes[p + 1] === META[1] && stream.bytes[p + 2] === META[2]) { p += 3; continue; }
      return -1;
    }
    if (p >= stream.bytes.length || stream.bytes[p] !== b) return -1;
    p += 1;
  }
  return p - pos;
}

const isSpaceAt = (stream: ByteStream, pos: number) => matchAt(stream, pos, [SPACE_MARK]) > 0;
const offsetAt = (stream: ByteStream, pos: number) => (pos < stream.bytes.length ? stream.start[pos]! : stream.textLength);
const PUNCT = /[\p{P}\p{S}]/u;

export interface AlignInput {
  /** Vocabulary piece of every token. */
  pieces: string[];
  /** Tokens added by the tokenizer or written as special tokens (e.g. <|endoftext|>, [CLS]). */
  special: boolean[];
}

/** Ranges for every token of `text`. */
export function alignTokens(text: string, input: AlignInput, family: TokenizerFamily, normalizer: Json | null | undefined): TokenRange[] {
  const { normalize, composes } = unitNormalizer(normalizer);
  const stream = buildStream(text, normalize, composes);
  let rawCache: ByteStream | null = null; // special tokens match the text as written
  const rawText = () => (rawCache ??= normalize === IDENTITY ? stream : rawStream(text));
  const ranges: TokenRange[] = [];
  let pos = 0; // in the normalised stream
  let sectionStart = true; // the tokenizer may add a space marker here
  let firstSection = true;
  for (let i = 0; i < input.pieces.length; i++) {
    const piece = input.pieces[i]!;
    if (input.special[i]) {
      const here = offsetAt(stream, pos);
      const raw = rawText();
      const rawPos = raw.start.findIndex((s) => s >= here);
      const literal = rawPos >= 0 ? matchAt(raw, rawPos, Array.from(encoder.encode(piece))) : -1;
      if (literal > 0) {
        const endOffset = raw.end[rawPos + literal - 1]!;
        ranges.push({ start: here, end: endOffset });
        while (pos < stream.bytes.length && stream.start[pos]! < endOffset) pos++;
        sectionStart = true;
        firstSection = false;
      } else {
        ranges.push({ start: here, end: here }); // added by the tokenizer, not in the text
      }
      continue;
    }
    let token = pieceBytes(piece, family);
    const leadingMarker = token[0] === SPACE_MARK || (family.byteLevel && token[0] === 0x20);
    if (leadingMarker && isSyntheticMarker(family, sectionStart, firstSection, isSpaceAt(stream, pos))) token = token.slice(1);
    sectionStart = false;
    if (token.length === 0) { ranges.push({ start: offsetAt(stream, pos), end: offsetAt(stream, pos) }); continue; }
    // Whitespace and control characters the tokenizer dropped.
    let p = pos;
    while (p < stream.bytes.length && stream.skippable[p] && matchAt(stream, p, token) < 0) p++;
    let len = matchAt(stream, p, token);
    if (len < 0 && piece === family.unkToken) len = unknownWordLength(stream, p);
    if (len < 0) {
      // Out of step (an unemulated normaliser): resynchronise on the next occurrence nearby.
      const limit = Math.min(stream.bytes.length, pos + 256);
      for (p = pos; p < limit && len < 0; p++) len = matchAt(stream, p, token);
      p -= 1;
    }
    if (len <= 0) { ranges.push({ start: offsetAt(stream, pos), end: offsetAt(stream, pos) }); continue; }
    ranges.push({ start: stream.start[p]!, end: stream.end[p + len - 1]! });
    pos = p + len;
  }
  return ranges;
}

/** Whether a token's leading space marker was added by the tokenizer rather than taken from the text. */
function isSyntheticMarker(family: TokenizerFamily, sectionStart: boolean, firstSection: boolean, spaceInText: boolean): boolean {
  if (family.prefixSpace === null) return !spaceInText; // unknown scheme: a marker without a space is synthetic
  if (!sectionStart || (family.prefixFirstSectionOnly && !firstSection)) return false;
  return family.prefixSpace === 'always' || !spaceInText;
}

/** An unknown-word token covers one punctuation character or a run up to whitespace/punctuation. */
function unknownWordLength(stream: ByteStream, pos: number): number {
  if (pos >= stream.bytes.length) return -1;
  const unitText = (p: number) => {
    let q = p;
    while (q < stream.bytes.length && stream.start[q] === stream.start[p]) q++;
    return { text: new TextDecoder().decode(stream.bytes.subarray(p, q)), next: q };
  };
  const first = unitText(pos);
  if (PUNCT.test(first.text)) return first.next - pos;
  let p = pos;
  while (p < stream.bytes.length) {
    const u = unitText(p);
    if (stream.skippable[p] || PUNCT.test(u.text)) break;
    p = u.next;
  }
  return p - pos;
}
