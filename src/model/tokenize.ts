// Text → tokens with exact UTF-16 ranges, display text, and truncation to a token budget.
import { alignedOf, normalizeAligned, preTokenizeAligned } from './alignedText';
import { SectionEncoder, type EncodedText } from './encodeSections';
import { alignSection, unionOverlaps } from './offsets';
import { displayPiece, pieceText, tokenizerFamily, type TokenizerFamily } from './tokenBytes';
import { tokenLabels, type TokenLabels } from './tokenLabels';
import type { Truncation } from './types';

/** The part of a transformers.js tokenizer we use. */
export interface TextTokenizer {
  encode(text: string, textPair?: string | null, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  model: { vocab: string[] | Record<number, string> };
  all_special_ids: number[];
  mask_token_id?: number;
}

export interface TokenizedText {
  ids: number[];
  pieces: string[];
  special: boolean[];
  starts: Int32Array;
  ends: Int32Array;
  truncated: Truncation | null;
}

/** Characters per wanted token in a first tokenization attempt (tokens are rarely longer on average). */
const HEAD_CHARS_PER_TOKEN = 8;
/** Texts up to this long are tokenized whole, so their token count is exact. */
const EXACT_COUNT_CHARS = 8192;
/**
 * At most this many characters per wanted token are ever tokenized (and never fewer than
 * EXACT_COUNT_CHARS): a 2 MB selection of spaces, newlines or one endless word costs about what
 * 8,192 characters cost (transformers.js runs BPE on a whole pre-token, 32k spaces took ~1 s).
 * Past it the panel and CLI say "more than N tokens".
 */
const MAX_CHARS_PER_TOKEN = 16;

export class Tokenization {
  readonly family: TokenizerFamily;
  private readonly specialIds: Set<number>;
  private readonly encoder: SectionEncoder;

  constructor(
    readonly tokenizer: TextTokenizer,
    private readonly tokenizerJson: Record<string, unknown>,
  ) {
    this.family = tokenizerFamily(tokenizerJson);
    // The unknown token stands for text that is there, so it is not "special" here.
    this.specialIds = new Set(tokenizer.all_special_ids.filter((id) => this.piece(id) !== this.family.unkToken));
    this.encoder = new SectionEncoder(tokenizer, tokenizerJson, this.family);
  }

  /** Token ids of `text` (with BOS/[CLS] as the tokenizer adds them). */
  encodeIds(text: string): number[] {
    return this.encoder.ids(text) ?? this.tokenizer.encode(text);
  }

  piece(id: number): string {
    return (this.tokenizer.model.vocab as Record<number, string>)[id] ?? `<unk:${id}>`;
  }

  /** The mask token's id (encoders), or null. */
  get maskId(): number | null {
    return typeof this.tokenizer.mask_token_id === 'number' ? this.tokenizer.mask_token_id : null;
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** Display text of a token (whitespace visible, partial bytes as <0xNN>). */
  display(id: number): string {
    let d = this.displayCache.get(id);
    if (d === undefined) this.displayCache.set(id, (d = displayPiece(this.piece(id), this.family, this.isSpecial(id))));
    return d;
  }

  /** What each token of `tok` (from tokenize(text)) is called in the views: its characters in the text. */
  labels(text: string, tok: TokenizedText): TokenLabels {
    return tokenLabels(text, tok, this.family, (i) => this.display(tok.ids[i]!));
  }

  /** The token decoded on its own. */
  text(id: number): string {
    let t = this.textCache.get(id);
    if (t === undefined) this.textCache.set(id, (t = pieceText(this.piece(id), this.family, this.isSpecial(id))));
    return t;
  }

  // Per vocabulary id, so bounded by the vocabulary size.
  private readonly displayCache = new Map<number, string>();
  private readonly textCache = new Map<number, string>();

  /** Special tokens the tokenizer puts before every text (a BOS, [CLS]); computed once. */
  get leadingIds(): number[] {
    if (this.leading === null) {
      const full = this.tokenizer.encode('a');
      const plain = this.tokenizer.encode('a', null, { add_special_tokens: false });
      let k = 0;
      while (k + plain.length <= full.length && plain.some((id, i) => full[k + i] !== id)) k++;
      this.leading = k + plain.length <= full.length ? full.slice(0, k) : [];
    }
    return this.leading;
  }
  private leading: number[] | null = null;

  /**
   * Token ids only (for probing). With `keepLast`, at most that many: the last ones, after the
   * tokens the tokenizer always puts first (a model trained with a BOS at position 0 keeps it).
   */
  ids(text: string, keepLast?: number): number[] {
    if (keepLast === undefined) return this.encodeIds(text);
    const lead = this.leadingIds;
    const keep = (ids: number[]) => {
      if (ids.length <= keepLast) return ids;
      const body = ids.slice(startsWith(ids, lead) ? lead.length : 0);
      const room = Math.max(0, keepLast - lead.length);
      return [...lead, ...body.slice(body.length - room)].slice(-keepLast);
    };
    // Only the end matters: tokenize a tail long enough for keepLast tokens, growing it if needed.
    for (let tailLength = keepLast * HEAD_CHARS_PER_TOKEN; ; tailLength *= 4) {
      const tail = tailLength >= text.length ? text : text.slice(cutBack(text, text.length - tailLength));
      const ids = this.encodeIds(tail);
      // +2: the first token or two of a cut tail may differ from the whole text's.
      if (tail.length === text.length || ids.length >= keepLast + 2 + lead.length) return keep(ids);
    }
  }

  /** Tokens of `text` with ranges, at most `limit` of them (`reason` says which limit applies). */
  tokenize(text: string, limit: number, reason: Truncation['reason']): TokenizedText {
    // Tokenize a head of the text just long enough for `limit` tokens (growing it if needed), never
    // more than MAX_CHARS_PER_TOKEN characters per token: a huge selection costs no more than a small one.
    const maxHead = Math.max(limit * MAX_CHARS_PER_TOKEN, EXACT_COUNT_CHARS);
    let headLength = Math.min(text.length, Math.max(limit * HEAD_CHARS_PER_TOKEN, EXACT_COUNT_CHARS));
    let head: string;
    let enc: EncodedText;
    for (;;) {
      head = headLength >= text.length ? text : text.slice(0, cutForward(text, headLength));
      enc = this.encodeWithRanges(head);
      // +2: the last token or two of a cut head may differ from the whole text's.
      if (head.length === text.length || enc.ids.length >= limit + 2 || headLength >= maxHead) break;
      headLength = Math.min(headLength * 4, maxHead);
    }
    const totalTokens = enc.ids.length;
    let n = enc.ids.length;
    if (n > limit || head.length < text.length) n = Math.min(n, limit);
    const ids = enc.ids.slice(0, n);
    const pieces = enc.pieces.slice(0, n);
    const special = ids.map((id) => this.isSpecial(id));
    const starts = enc.starts.slice(0, n);
    const ends = enc.ends.slice(0, n);
    let truncated: Truncation | null = null;
    if (n < totalTokens || head.length < text.length) {
      let shownChars = 0;
      for (const e of ends) shownChars = Math.max(shownChars, e);
      truncated = { reason, totalTokens, shownTokens: n, shownChars, totalIsLowerBound: head.length < text.length };
    }
    return { ids, pieces, special, starts, ends, truncated };
  }

  /** Every token of `text` with its range: section by section, or (tokenizer classes that rewrite the text themselves) by aligning encode's tokens to the whole text. */
  private encodeWithRanges(text: string): EncodedText {
    const exact = this.encoder.encode(text);
    if (exact) return exact;
    const ids = this.tokenizer.encode(text);
    const pieces = ids.map((id) => this.piece(id));
    const inText = pieces.filter((_, i) => !this.isSpecial(ids[i]!));
    const normalized = normalizeAligned(alignedOf(text), this.tokenizerJson.normalizer as Record<string, unknown> | null);
    const aligned = preTokenizeAligned(normalized, this.tokenizerJson.pre_tokenizer as Record<string, unknown> | null, 0);
    const ranges = alignSection({ aligned, pieces: inText, family: this.family, wordPattern: null, fuseUnknown: false });
    const starts = new Int32Array(ids.length);
    const ends = new Int32Array(ids.length);
    for (let i = 0, k = 0, last = 0; i < ids.length; i++) {
      if (this.isSpecial(ids[i]!)) { starts[i] = ends[i] = last; continue; }
      starts[i] = ranges[k]!.start; ends[i] = ranges[k]!.end; last = ends[i]!; k++;
    }
    unionOverlaps(starts, ends);
    return { ids, pieces, starts, ends };
  }
}

function startsWith(ids: number[], prefix: number[]): boolean {
  return prefix.every((id, i) => ids[i] === id);
}

/** Moves a cut position back to the start of a whitespace run, so no word or surrogate pair is split. */
function cutBack(text: string, at: number): number {
  for (let i = at; i > Math.max(0, at - 256); i--) if (/\s/.test(text[i]!)) return i;
  return isLowSurrogate(text.charCodeAt(at)) ? at + 1 : at;
}

function cutForward(text: string, at: number): number {
  for (let i = at; i < Math.min(text.length, at + 256); i++) if (/\s/.test(text[i]!)) return i;
  return isLowSurrogate(text.charCodeAt(at)) ? at + 1 : at;
}

const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
