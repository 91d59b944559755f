// What bytes each vocabulary piece stands for, per tokenizer family, and how to show a token.
//
// Families: byte-level BPE (pieces spell bytes through a byte→printable-character table),
// WordPiece (`##` marks a word continuation), and SentencePiece/Metaspace (`▁` marks a space,
// `<0xNN>` is a raw byte when the vocabulary lacks a character).

/** Stands for a metaspace marker (▁) inside token bytes: matches a space or a literal ▁ in the text. */
export const SPACE_MARK = -1;

export interface TokenizerFamily {
  byteLevel: boolean;
  /** WordPiece continuation prefix (e.g. "##"), or null. */
  continuingPrefix: string | null;
  /** Suffix ending a word (some BPE vocabularies), or null. */
  endOfWordSuffix: string | null;
  /** The metaspace replacement character (usually ▁), or null. */
  metaspace: string | null;
  /** `<0xNN>` pieces are raw bytes. */
  byteFallback: boolean;
  unkToken: string | null;
}

type Json = Record<string, unknown> | null | undefined;

/** Collects a config node and its `Sequence` children (normalizers, pre-tokenizers, decoders). */
export function flattenSequence(node: Json): Record<string, unknown>[] {
  if (!node) return [];
  const children = (node.normalizers ?? node.pretokenizers ?? node.decoders) as Json[] | undefined;
  return [node as Record<string, unknown>, ...(Array.isArray(children) ? children.flatMap((c) => flattenSequence(c)) : [])];
}

/** Reads the family out of a parsed tokenizer.json. */
export function tokenizerFamily(tokenizerJson: Record<string, unknown>): TokenizerFamily {
  const model = (tokenizerJson.model ?? {}) as Record<string, unknown>;
  const parts = [
    ...flattenSequence(tokenizerJson.pre_tokenizer as Json),
    ...flattenSequence(tokenizerJson.decoder as Json),
  ];
  const byteLevel = parts.some((p) => p.type === 'ByteLevel');
  const metaspacePart = parts.find((p) => p.type === 'Metaspace');
  const replaceSpace = flattenSequence(tokenizerJson.normalizer as Json).find(
    (n) => n.type === 'Replace' && (n.pattern as Json)?.String === ' ',
  );
  const metaspace = (metaspacePart?.replacement as string | undefined) ?? (replaceSpace?.content as string | undefined) ?? null;
  const isWordPiece = model.type === 'WordPiece';
  return {
    byteLevel,
    continuingPrefix: isWordPiece ? ((model.continuing_subword_prefix as string | undefined) ?? '##') : ((model.continuing_subword_prefix as string | null | undefined) ?? null),
    endOfWordSuffix: (model.end_of_word_suffix as string | null | undefined) ?? null,
    metaspace: byteLevel ? null : metaspace,
    byteFallback: model.byte_fallback === true,
    unkToken: (model.unk_token as string | null | undefined) ?? null,
  };
}

/** The byte ↔ printable character table byte-level BPE vocabularies are written in. */
function buildByteTable(): Map<string, number> {
  const decoder = new Map<string, number>();
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) decoder.set(String.fromCharCode(printable(b) ? b : next++), b);
  return decoder;
}
const BYTE_OF_CHAR = buildByteTable();
const utf8 = new TextEncoder();
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/** Bytes a vocabulary piece stands for (SPACE_MARK for a metaspace marker). */
export function pieceBytes(piece: string, family: TokenizerFamily): number[] {
  if (family.byteLevel) {
    const out: number[] = [];
    for (const ch of piece) {
      const b = BYTE_OF_CHAR.get(ch);
      if (b !== undefined) out.push(b);
      else out.push(...utf8.encode(ch));
    }
    return out;
  }
  if (family.byteFallback) {
    const m = BYTE_PIECE.exec(piece);
    if (m) return [parseInt(m[1]!, 16)];
  }
  let text = piece;
  if (family.continuingPrefix && text.startsWith(family.continuingPrefix) && text.length > family.continuingPrefix.length) {
    text = text.slice(family.continuingPrefix.length);
  }
  if (family.endOfWordSuffix && text.endsWith(family.endOfWordSuffix)) text = text.slice(0, -family.endOfWordSuffix.length);
  if (!family.metaspace) return Array.from(utf8.encode(text));
  const out: number[] = [];
  for (const part of text.split(family.metaspace).flatMap((p, i) => (i === 0 ? [p] : [null, p]))) {
    if (part === null) out.push(SPACE_MARK);
    else out.push(...utf8.encode(part));
  }
  return out;
}

const VISIBLE: Record<string, string> = { ' ': '␣', '\n': '⏎', '\t': '⇥', '\r': '␍' };

/** Bytes that do not form a whole character, readably: ‹0xED 0x95›. */
export function bytesLabel(bytes: ArrayLike<number>): string {
  return `‹${Array.from(bytes, (b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ')}›`;
}

/** UTF-8 bytes → text; each run of bytes that do not form whole characters written as ‹0xNN 0xNN›. */
export function bytesForDisplay(bytes: number[]): string {
  let out = '';
  let partial: number[] = [];
  const flush = () => { if (partial.length) { out += bytesLabel(partial); partial = []; } };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    let cp = len === 1 ? b : len === 2 ? b & 0x1f : len === 3 ? b & 0x0f : b & 0x07;
    let ok = len > 0 && i + len <= bytes.length;
    for (let j = 1; ok && j < len; j++) {
      const c = bytes[i + j]!;
      ok = (c & 0xc0) === 0x80;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF, as a strict decoder would.
    const min = len === 2 ? 0x80 : len === 3 ? 0x800 : len === 4 ? 0x10000 : 0;
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      flush();
      out += String.fromCodePoint(cp);
      i += len;
      continue;
    }
    partial.push(b);
    i += 1;
  }
  flush();
  return out;
}

/** Whether the bytes are whole UTF-8 characters. */
export function isWholeUtf8(bytes: number[]): boolean {
  try { strictUtf8.decode(Uint8Array.from(bytes)); return true; } catch { return false; }
}
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Whitespace made visible (␣ ⏎ ⇥ ␍), other control characters as their pictures (␀ ␇ ␡…). */
export function visibleWhitespace(text: string): string {
  return text.replace(/[\u0000-\u0020\u007f]/g, (c) => VISIBLE[c] ?? (c === '\u007f' ? '␡' : String.fromCharCode(0x2400 + c.charCodeAt(0))));
}

/** Display text for a piece: its characters, whitespace visible, partial bytes as ‹0xNN 0xNN›. */
export function displayPiece(piece: string, family: TokenizerFamily, special: boolean): string {
  if (special) return piece;
  if (family.continuingPrefix && !family.byteLevel && piece.startsWith(family.continuingPrefix)) return piece; // "##ing" reads as a continuation
  const bytes = pieceBytes(piece, family).map((b) => (b === SPACE_MARK ? 0x20 : b));
  return visibleWhitespace(bytesForDisplay(bytes));
}

/** The token's own text; bytes of a partial character as ‹0xED 0x95› (a top-k candidate reads as what it is). */
export function pieceText(piece: string, family: TokenizerFamily, special: boolean): string {
  if (special) return piece;
  return bytesForDisplay(pieceBytes(piece, family).map((b) => (b === SPACE_MARK ? 0x20 : b)));
}
