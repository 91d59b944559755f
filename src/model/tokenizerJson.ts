// tokenizer.json as written by current exports → what transformers.js 2.17 reads.
//
// Recent `tokenizers` releases changed a few fields the 2.17 reader predates: BPE merges stored
// as pairs (["Ġ", "Ġ"] instead of "Ġ Ġ"), Metaspace without `add_prefix_space` (the prepend
// scheme alone decides), `(?i:…)` groups in split regexes. These are rewritten here before the
// JSON reaches transformers.js; anything else it cannot read is reported by name, with the file.
import { AttentionLensError } from './errors';
import type { TextTokenizer } from './tokenize';

type Json = Record<string, unknown>;

/** Component types transformers.js 2.17 constructs, per part of tokenizer.json. */
const SUPPORTED: Record<string, readonly string[]> = {
  normalizer: ['BertNormalizer', 'Precompiled', 'Sequence', 'Replace', 'NFC', 'NFKC', 'NFKD', 'Strip', 'StripAccents', 'Lowercase', 'Prepend'],
  pre_tokenizer: ['BertPreTokenizer', 'Sequence', 'Whitespace', 'WhitespaceSplit', 'Metaspace', 'ByteLevel', 'Split', 'Punctuation', 'Digits', 'Replace'],
  post_processor: ['TemplateProcessing', 'ByteLevel', 'RobertaProcessing', 'BertProcessing', 'Sequence'],
  decoder: ['WordPiece', 'Metaspace', 'ByteLevel', 'Replace', 'ByteFallback', 'Fuse', 'Strip', 'Sequence', 'CTC', 'BPEDecoder'],
  model: ['WordPiece', 'Unigram', 'BPE'],
};
const CHILDREN = ['normalizers', 'pretokenizers', 'processors', 'decoders'];

/**
 * A copy of a parsed tokenizer.json that transformers.js 2.17 reads, or an AttentionLensError
 * naming `file` and the part it cannot read. The input object is not modified.
 */
export function prepareTokenizerJson(json: Json, file: string): Json {
  const out: Json = { ...json };
  const model = json.model as Json | undefined;
  if (!model || typeof model !== 'object') unreadable(file, 'it has no "model" section');
  out.model = prepareModel(model, file);
  for (const part of ['normalizer', 'pre_tokenizer', 'post_processor', 'decoder'] as const) {
    if (json[part] != null) out[part] = prepareComponent(json[part] as Json, part, file);
  }
  if (json.added_tokens != null && !Array.isArray(json.added_tokens)) unreadable(file, '"added_tokens" is not a list');
  return out;
}

function prepareModel(model: Json, file: string): Json {
  const type = model.type as string | undefined;
  if (type !== undefined && !SUPPORTED.model!.includes(type)) {
    unreadable(file, `its model type "${type}" is not supported (supported: ${SUPPORTED.model!.join(', ')})`);
  }
  if (type === undefined && !model.vocab) unreadable(file, 'its model has neither a "type" nor a "vocab"');
  if (type !== 'BPE' || !Array.isArray(model.merges)) return model;
  const merges = (model.merges as unknown[]).map((m, i) => {
    if (typeof m === 'string') return m;
    // Newer exports store each merge as a pair; 2.17 splits "a b" on the space itself.
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return `${m[0]} ${m[1]}`;
    return unreadable(file, `BPE merge ${i} is ${JSON.stringify(m)}, neither "a b" nor ["a", "b"]`);
  });
  return { ...model, merges };
}

function prepareComponent(node: Json, part: string, file: string): Json {
  if (typeof node !== 'object' || node === null) unreadable(file, `its ${part} is not an object`);
  const type = node.type as string | undefined;
  if (!type || !SUPPORTED[part]!.includes(type)) {
    unreadable(file, `its ${part} type "${String(type)}" is not supported by the tokenizer library (transformers.js 2.17 reads ${SUPPORTED[part]!.join(', ')})`);
  }
  const out: Json = { ...node };
  for (const key of CHILDREN) {
    if (Array.isArray(node[key])) out[key] = (node[key] as Json[]).map((c) => prepareComponent(c, part, file));
  }
  if (type === 'Metaspace' && out.add_prefix_space === undefined) {
    // Since tokenizers 0.19 the prepend scheme alone says whether ▁ is prepended ("always" by default).
    out.add_prefix_space = (out.prepend_scheme ?? 'always') !== 'never';
  }
  const pattern = out.pattern as Json | undefined;
  if (pattern && typeof pattern.Regex === 'string') out.pattern = { ...pattern, Regex: jsRegexSource(pattern.Regex, file, part) };
  return out;
}

/** Rewrites Rust-regex syntax JavaScript lacks: scoped case-insensitivity `(?i:…)` over literal text. */
export function jsRegexSource(source: string, file: string, part: string): string {
  const rewritten = source.replace(/\(\?i:((?:[^()\\[\]]|\\.)*)\)/g, (_, body: string) =>
    `(?:${body.replace(/\\.|[a-zA-Z]/g, (c) => (c.length === 1 ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c))})`);
  // Same escapes 2.17 removes itself (\# \& \~ are valid in Rust, not in a JS unicode regex).
  try {
    new RegExp(rewritten.replace(/\\([#&~])/g, '$1'), 'gu');
  } catch (err) {
    unreadable(file, `the ${part} regex ${JSON.stringify(source)} is not valid in JavaScript (${(err as Error).message})`);
  }
  return rewritten;
}

function unreadable(file: string, why: string): never {
  throw new AttentionLensError('config-unreadable', `${file} cannot be read: ${why}. Re-export the tokenizer with the tokenizers library, or pick another model.`);
}

/** Builds the transformers.js tokenizer from already prepared JSON, the way AutoTokenizer would. */
export async function tokenizerFromJson(tokenizerJson: Json, tokenizerConfig: Json): Promise<TextTokenizer> {
  const { AutoTokenizer, PreTrainedTokenizer } = await import('@xenova/transformers');
  const mapping = (AutoTokenizer as unknown as { TOKENIZER_CLASS_MAPPING: Record<string, new (j: Json, c: Json) => unknown> }).TOKENIZER_CLASS_MAPPING;
  const name = typeof tokenizerConfig.tokenizer_class === 'string' ? tokenizerConfig.tokenizer_class.replace(/Fast$/, '') : '';
  // An unknown class name (a new model family) gets the generic tokenizer, as AutoTokenizer does, without its console warning.
  const Cls = mapping[name] ?? (PreTrainedTokenizer as unknown as new (j: Json, c: Json) => unknown);
  return new Cls(tokenizerJson, tokenizerConfig) as TextTokenizer;
}
