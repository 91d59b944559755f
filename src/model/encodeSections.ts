// The tokenizer's encode, section by section, with every token's range in the text.
//
// transformers.js 2.17 encodes by splitting the text at added tokens, then normalising,
// pre-tokenizing and running the model on each text section, then letting the post-processor add
// BOS/[CLS]/[SEP]. The same steps are run here through the tokenizer's own parts (so the ids are
// its ids), and each section's tokens are aligned to that section alone: a typed special token gets
// the range of its text, a token the post-processor added an empty range, and a ▁ the normaliser
// prepends to a section after a typed token is known to be inserted, not read as a space.
import { AddedTokenSplitter, type AddedTokenInfo } from './addedTokens';
import { alignedOf, normalizeAligned, preTokenizeAligned } from './alignedText';
import { alignSection, unionOverlaps } from './offsets';
import { flattenSequence, type TokenizerFamily } from './tokenBytes';

type Json = Record<string, unknown>;

/** The parts of a transformers.js 2.17 PreTrainedTokenizer that encoding goes through. */
interface TokenizerParts {
  added_tokens: AddedTokenInfo[];
  normalizer: ((text: string) => string) | null;
  pre_tokenizer: ((text: string, options: { section_index: number }) => string[]) | null;
  model: ((words: string[]) => string[]) & { convert_tokens_to_ids(tokens: string[]): number[]; fuse_unk?: boolean };
  post_processor: ((tokens: string[], pair: null, options: { add_special_tokens: boolean }) => { tokens: string[] }) | null;
  remove_space?: boolean;
  do_lowercase_and_remove_accent?: boolean;
  _encode_text(text: string): string[];
  _encode_plus?: unknown;
}

export interface EncodedText {
  ids: number[];
  pieces: string[];
  starts: Int32Array;
  ends: Int32Array;
}

/** Word splitting of the pre-tokenizers whose words an unknown token replaces whole. */
const PUNCT = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const WORD_PATTERNS: Record<string, RegExp> = {
  BertPreTokenizer: new RegExp(`[^\\s${PUNCT}]+|[${PUNCT}]`, 'gu'),
  Whitespace: /\w+|[^\w\s]+/gu,
  WhitespaceSplit: /\S+/gu,
};

export class SectionEncoder {
  private readonly parts: TokenizerParts;
  private readonly splitter: AddedTokenSplitter;
  /** The tokenizer's class encodes the way the base class does (no text rewriting of its own). */
  readonly exact: boolean;
  private readonly wordPattern: RegExp | null;

  /** LlamaTokenizer with legacy: false: it encodes "▁" + text (▁ in the text read as spaces) through a Metaspace 'first' pre-tokenizer. */
  private readonly spaceFirst: boolean;
  private readonly normalizerJson: Json | null;
  private readonly preTokenizerJson: Json | null;

  constructor(tokenizer: unknown, json: Json, private readonly family: TokenizerFamily) {
    this.parts = tokenizer as TokenizerParts;
    this.splitter = new AddedTokenSplitter(this.parts.added_tokens ?? []);
    const own = ownerOf(this.parts, '_encode_text');
    const base = ownerOf(this.parts, '_encode_plus');
    // LlamaTokenizer overrides it (its parent is the base class) for legacy: false only.
    const llama = own !== base && own !== null && Object.getPrototypeOf(own) === base && /this\.legacy/.test(String((own as TokenizerParts)._encode_text));
    const legacy = (this.parts as { legacy?: unknown }).legacy;
    this.spaceFirst = llama && !legacy;
    this.exact = (own === base || llama)
      && !this.parts.remove_space && !this.parts.do_lowercase_and_remove_accent && typeof this.parts.model === 'function';
    this.normalizerJson = this.spaceFirst ? null : (json.normalizer as Json | null) ?? null;
    this.preTokenizerJson = this.spaceFirst
      ? { type: 'Metaspace', replacement: '▁', add_prefix_space: true, prepend_scheme: 'first' }
      : (json.pre_tokenizer as Json | null) ?? null;
    const pre = flattenSequence(json.pre_tokenizer as Json).find((p) => typeof p.type === 'string' && p.type in WORD_PATTERNS);
    this.wordPattern = (json.model as Json | undefined)?.type === 'WordPiece' ? (pre ? WORD_PATTERNS[pre.type as string]! : /\S+/gu) : null;
  }

  /** Token pieces of `text` without ranges (what encode gives), or null when this tokenizer must go through encode. */
  pieces(text: string): string[] | null {
    return this.exact ? this.postProcess(this.core(text, false).pieces) : null;
  }

  /** Ids, pieces and ranges of `text`, as the tokenizer's encode(text) would give them. */
  encode(text: string): EncodedText | null {
    if (!this.exact) return null;
    const core = this.core(text, true);
    const all = this.postProcess(core.pieces);
    // Tokens the post-processor added sit before (BOS, [CLS]) or after ([SEP], EOS) the text, empty.
    const at = this.prefixLength(all.length - core.pieces.length);
    const outStarts = new Int32Array(all.length).fill(0);
    const outEnds = new Int32Array(all.length).fill(0);
    for (let i = 0; i < all.length; i++) {
      const k = i - at;
      if (k >= 0 && k < core.pieces.length) { outStarts[i] = core.starts[k]!; outEnds[i] = core.ends[k]!; }
      else if (k >= core.pieces.length) { outStarts[i] = outEnds[i] = text.length; }
    }
    unionOverlaps(outStarts, outEnds);
    return { ids: this.parts.model.convert_tokens_to_ids(all), pieces: all, starts: outStarts, ends: outEnds };
  }

  /** The pieces of the text itself (before the post-processor), with their ranges when asked. */
  private core(text: string, withRanges: boolean): { pieces: string[]; starts: number[]; ends: number[] } {
    const pieces: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    // legacy: false Llama: "▁" + text; offsets in it are one more than in the text, its ▁ is inserted.
    const shift = this.spaceFirst && text.length > 0 ? 1 : 0;
    const encoded = shift ? '▁' + text.replaceAll('▁', ' ') : text;
    const sections = this.splitter.split(encoded);
    for (let index = 0; index < sections.length; index++) {
      const s = sections[index]!;
      if (s.added) { pieces.push(s.added.content); starts.push(s.start - shift); ends.push(s.end - shift); continue; }
      const sectionText = encoded.slice(s.start, s.end);
      const sectionPieces = this.sectionPieces(sectionText, index);
      if (sectionPieces.length === 0) continue;
      pieces.push(...sectionPieces);
      if (!withRanges) continue;
      const original = alignedOf(sectionText, s.start - shift);
      if (shift) for (let i = 0; i < original.start.length; i++) { original.start[i] = Math.max(0, original.start[i]!); original.end[i] = Math.max(0, original.end[i]!); }
      const normalized = normalizeAligned(original, this.normalizerJson);
      const aligned = preTokenizeAligned(normalized, this.preTokenizerJson, index);
      const ranges = alignSection({ aligned, pieces: sectionPieces, family: this.family, wordPattern: this.wordPattern, fuseUnknown: this.parts.model.fuse_unk === true });
      for (const r of ranges) { starts.push(r.start); ends.push(r.end); }
    }
    // Its lone ▁ before a special token written first is dropped, as LlamaTokenizer does.
    if (shift && pieces.length > 1 && pieces[0] === '▁' && (this.parts as { special_tokens?: string[] }).special_tokens?.includes(pieces[1]!)) {
      pieces.shift(); starts.shift(); ends.shift();
    }
    return { pieces, starts, ends };
  }

  ids(text: string): number[] | null {
    const pieces = this.pieces(text);
    return pieces && this.parts.model.convert_tokens_to_ids(pieces);
  }

  private sectionPieces(sectionText: string, index: number): string[] {
    const { normalizer, pre_tokenizer: pre, model } = this.parts;
    const normalized = normalizer ? normalizer(sectionText) : sectionText;
    if (normalized.length === 0) return [];
    return model(pre ? pre(normalized, { section_index: index }) : [normalized]);
  }

  private prefix: number | null = null;

  /** How many of the post-processor's `added` tokens go before the text (a BOS typed in the text is not one of them). */
  private prefixLength(added: number): number {
    if (this.prefix === null) {
      const marker = '\u0000attention-lens-sentinel\u0000';
      const probe = this.postProcess([marker]);
      this.prefix = Math.max(0, probe.indexOf(marker));
    }
    return Math.min(this.prefix, added);
  }

  private postProcess(core: string[]): string[] {
    return this.parts.post_processor ? this.parts.post_processor(core, null, { add_special_tokens: true }).tokens : core;
  }
}

/** The prototype in the chain that defines `key` (to tell whether a subclass overrides it). */
function ownerOf(obj: object, key: string): object | null {
  for (let p: object | null = Object.getPrototypeOf(obj); p; p = Object.getPrototypeOf(p)) {
    if (Object.prototype.hasOwnProperty.call(p, key)) return p;
  }
  return null;
}
