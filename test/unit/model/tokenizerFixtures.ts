// Small hand-built tokenizers, one per family, written as transformers.js model folders.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Json = Record<string, unknown>;

const added = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

/** GPT-2-style printable alphabet for bytes (written out here independently of src/). */
function byteAlphabet(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(keep(b) ? b : 256 + extra++));
  return out;
}

/** GPT-2-style byte-level BPE; with `bos`, a TemplateProcessing post-processor puts <|endoftext|> first (as Llama 3 / Qwen-style exports do with their BOS). */
export function byteLevelTokenizer(opts: { bos?: boolean } = {}): { json: Json; config: Json } {
  const alphabet = byteAlphabet();
  const sp = alphabet[0x20]!; // "Ġ"
  const merges = [
    `${sp} t`, 'h e', `${sp}t he`, 'i n', `${sp} a`, `${sp} ${alphabet[0xe2]}`, // space + first byte of a 3-byte character
    `${alphabet[0xf0]} ${alphabet[0x9f]}`, 'd e', 'de f', `${sp} r`, 'e t', `${sp}r et`, `${sp}ret u`, `${sp}retu r`, `${sp}retur n`,
    `${alphabet[0x0d]} ${alphabet[0x0a]}`, `${sp} ${sp}`,
  ];
  const vocab: Record<string, number> = {};
  alphabet.forEach((c, i) => { vocab[c] = i; });
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  const eos = Object.keys(vocab).length;
  vocab['<|endoftext|>'] = eos;
  return {
    json: {
      version: '1.0', truncation: null, padding: null,
      added_tokens: [added(eos, '<|endoftext|>')],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: opts.bos
        ? { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<|endoftext|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: { '<|endoftext|>': { id: '<|endoftext|>', ids: [eos], tokens: ['<|endoftext|>'] } } }
        : { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges },
    },
    config: { tokenizer_class: 'GPT2Tokenizer', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', add_prefix_space: false, model_max_length: 1024 },
  };
}

export function wordPieceTokenizer(): { json: Json; config: Json } {
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const words = ['the', 'cafe', 'naive', 'hello', 'world', 'resume', 'test', '##s', '##ing', '##ed'];
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
  const punct = '.,!?():;\'"-/#@[]{}<>=+*&%$_`~|\\'.split('');
  const cjk = ['中', '文', '字', '你', '好', '日', '本'];
  const pieces = [...specials, ...words, ...letters, ...letters.map((l) => '##' + l), ...punct, ...cjk];
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => { vocab[p] = i; });
  return {
    json: {
      version: '1.0', truncation: null, padding: null,
      added_tokens: specials.map((s, i) => added(i, s)),
      normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
        special_tokens: { '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] } },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
      model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
    config: { tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', unk_token: '[UNK]', pad_token: '[PAD]', mask_token: '[MASK]' },
  };
}

/** SentencePiece-style BPE: ▁ for spaces (normalizer Prepend + Replace), <0xNN> byte fallback. */
export function metaspaceTokenizer(): { json: Json; config: Json } {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = Object.keys(vocab).length;
  const base = ['▁', ...'abcdefghijklmnopqrstuvwxyzHTW.,!?():'.split('')];
  for (const p of base) vocab[p] = Object.keys(vocab).length;
  const merges = ['▁ t', 'h e', '▁t he', '▁ a', 'i n', '▁ ▁', 'e l', 'l o', 'el lo', '▁ H', '▁H ello', 'o r', '▁ W', '▁W or', '▁Wor l', '▁Worl d'];
  for (const m of merges) vocab[m.replace(' ', '')] = Object.keys(vocab).length;
  return {
    json: {
      version: '1.0', truncation: null, padding: null,
      added_tokens: [{ ...added(0, '<unk>') }, added(1, '<s>'), added(2, '</s>')],
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
      pre_tokenizer: null,
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
      },
      decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
      model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
    },
    config: { tokenizer_class: 'LlamaTokenizer', legacy: true, add_bos_token: true, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', model_max_length: 2048 },
  };
}

const written: string[] = [];

/** Writes a tokenizer into a fresh model folder (removed at exit) and returns the folder. */
export function writeTokenizerFolder(name: string, t: { json: Json; config: Json }): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-tok-'));
  if (written.length === 0) process.on('exit', () => written.forEach((d) => rmSync(d, { recursive: true, force: true })));
  written.push(root);
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(t.json));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(t.config));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'test' }));
  return dir;
}
