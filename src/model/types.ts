// What the model layer hands to the rest of the extension (and to the CLI).
import type { AttentionShape } from '../common/tensor';

export type ModelKind = 'decoder' | 'encoder';

export interface ModelInfo {
  /** Display name: "bundled", a folder name, or a Hub id. */
  name: string;
  /** Where it was loaded from (folder path). */
  path: string;
  kind: ModelKind;
  modelType: string; // config.json model_type, e.g. "gpt2", "bert"
  nLayers: number;
  nHeads: number;
  /** Maximum number of tokens the model accepts. */
  contextLength: number;
  vocabSize: number;
}

export interface TokenInfo {
  id: number;
  /** The token's own text (decoded on its own; may be a partial character for byte-level BPE). */
  text: string;
  /** Text for display with whitespace made visible (␣ ⏎ ⇥) and partial bytes shown as <0xNN>. */
  display: string;
  /** [start, end) in UTF-16 code units of the analysed text (as VS Code counts offsets). */
  start: number;
  end: number;
  /** ln p(token_i | tokens_<i); null for the first token and for encoders. */
  logprob: number | null;
  /** 1-based rank of this token in the model's distribution at i-1; null where logprob is null. */
  rank: number | null;
  /** True for special tokens the tokenizer added (e.g. [CLS], [SEP]); their range is empty. */
  special: boolean;
}

export interface NextToken {
  id: number;
  token: string;
  prob: number;
}

export interface Truncation {
  reason: 'maxTokens' | 'context';
  /** Tokens in the whole input vs. tokens analysed. */
  totalTokens: number;
  shownTokens: number;
  /** The analysed part is text[0, shownChars). */
  shownChars: number;
}

export interface AnalysisResult {
  model: ModelInfo;
  /** The text that was given (the whole input, even when truncated). */
  text: string;
  tokens: TokenInfo[];
  shape: AttentionShape;
  /** Attention probabilities, shape [nLayers, nHeads, nQuery, nKey], row-major. */
  attention: Float32Array;
  /** Top-k next tokens after every position: ids and probs both [nTokens, k]. Empty (k=0) for encoders. */
  topK: { k: number; ids: Int32Array; probs: Float32Array };
  /** Top-k after the last token (decoders), as objects; [] for encoders. */
  next: NextToken[];
  truncated: Truncation | null;
  timings: { tokenizeMs: number; runMs: number; extractMs: number };
}

export interface ProbeResult {
  /** Number of tokens of context used. */
  nTokens: number;
  next: NextToken[];
  /** Entropy of the next-token distribution, in nats. */
  entropy: number;
  /** Whether past key values were reused. */
  cached: boolean;
}

export interface AnalyzeOptions {
  topK: number;
  maxTokens: number;
  signal?: AbortSignal;
}
