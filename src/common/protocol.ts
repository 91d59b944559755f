// Every message between the extension host and the webview, both directions.
// Shared by host and webview: no vscode/node imports. Big numbers travel as typed arrays.
import type { AttentionShape } from './tensor';

/** A token as the panel shows it (the model's TokenInfo adds its id and own text). */
export interface PanelToken {
  /** The token's characters in the text ('' for the continuation of a split character); the piece for an added token (BOS, [CLS]). */
  display: string;
  /** Bytes of a partial character, readably (‹0xED 0x95›), for the tooltip. */
  partial?: string | null;
  /** The token continues a character shown on the token before it. */
  continuation?: boolean;
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

export interface AnalysisHeader {
  /** Increases with every analysis; every later message names the analysis it belongs to. */
  analysisId: number;
  model: { name: string; kind: 'decoder' | 'encoder'; nLayers: number; nHeads: number; contextLength: number };
  tokens: PanelToken[];
  shape: AttentionShape;
  /** Top-k next tokens after each position: ids/probs are [nTokens, k]; `vocab` maps every id used to its display text. */
  topK: { k: number; ids: Int32Array; probs: Float32Array; vocab: Record<number, string> };
  /** totalIsLowerBound: only a bounded head of a long text was tokenized, so the text has more than totalTokens. */
  truncated: { reason: 'maxTokens' | 'context'; totalTokens: number; shownTokens: number; totalIsLowerBound?: boolean } | null;
  source: { fileName: string };
  /** Heads switched off (outputs zeroed) for this analysis, probe and ghost text; absent when all are on. */
  headsOff?: { layer: number; head: number }[];
  /** Set when the attention is kept compact (over attentionLens.attentionMemoryMB): what the panel tells the person. */
  attentionNote?: string;
}

/** One [Q, K] matrix: a head, or the mean over a layer's heads (the layer's "mean kernel"). */
export type MatrixSelector =
  | { kind: 'head'; layer: number; head: number }
  | { kind: 'layerMean'; layer: number };

/** What a view wants: a matrix [Q, K], every head of a layer [H, Q, K], the head view's lines of a layer
 *  (weights ≥ 0.01 packed by head and query, see common/headLines.ts), or one query row [K] (kernel view). */
export type AttentionSelector =
  | MatrixSelector
  | { kind: 'layerHeads'; layer: number }
  | { kind: 'layerLines'; layer: number }
  | { kind: 'row'; matrix: MatrixSelector; query: number };

export interface AttentionRequestOptions {
  /** Zero the first key column and renormalise each row. */
  dropSink: boolean;
  /** Weight each α_qk by ‖v_k W_Oʰ‖ and renormalise each row (the host computes the value norms first). */
  valueWeighted?: boolean;
}

/** Views of the model's internals that the host computes when the webview first asks. */
export type InternalsViewName = 'valueNorms' | 'rollout' | 'logitLens' | 'ablation' | 'qk';

/** How overview bytes encode a weight: linear 0..1, or log10 over [1e-4, 1] (see common/colour.ts). */
export type OverviewEncoding = 'linear' | 'log';

/** How far back each token's prediction reaches (decoders; computed after the header, see src/model/reach.ts). */
export type ReachMessage =
  | { type: 'reach'; analysisId: number; state: 'running'; done: number; total: number }
  /**
   * logProbs [T, K]: ln p(token t | only the k tokens before it) at t·K + k − 1 (NaN where fewer precede it);
   * full [T]: with every token before it; reach [T]: smallest k within 0.1 nat of full, 0 when none;
   * prefix: tokens the tokenizer puts first (a BOS), kept in every window and not counted in k.
   */
  | { type: 'reach'; analysisId: number; state: 'done'; maxContext: number; prefix: number; logProbs: Float32Array; full: Float32Array; reach: Int32Array; ms: number }
  /** Not computed: an encoder (causal models only), cancelled, or failed; `message` says which. */
  | { type: 'reach'; analysisId: number; state: 'unavailable'; message: string };

/** The selection as a compression problem, and its LZ77 parse (src/model/baselines.ts, src/common/lz77.ts). */
export interface BaselinesMessage {
  type: 'baselines';
  analysisId: number;
  /** UTF-8 bytes of the analysed text. */
  bytes: number;
  /** Bits per byte by coder: model (causal models only), deflate, brotli, markov1…markov4, corpusMarkov1…N. */
  bitsPerByte: Record<string, number>;
  /** The bitsPerByte key of the Markov row with the fewest bits (adaptive or corpus-fitted). */
  bestMarkov: string;
  /** Why corpus-fitted rows are missing although the model folder has them (an unreadable file). */
  note?: string;
  /** [T] log₂ p(model) − log₂ p(best Markov) per token (NaN where the model has no prediction); null for encoders. */
  modelMinusMarkov: Float32Array | null;
  /** Token-level LZ77 matches, [M, 3]: start, source, length. */
  lz: Int32Array;
}

export type HostToWebview =
  | { type: 'analysis'; header: AnalysisHeader }
  /** Attention for `selector`, row-major, Q = K = nTokens: [Q, K], [H, Q, K] (layerHeads), packed lines (layerLines) or [K] (row). */
  | { type: 'attention'; analysisId: number; requestId: number; selector: AttentionSelector; options: AttentionRequestOptions; data: Float32Array }
  /** Thumbnails of every head plus each layer's mean: data is [L, H + 1, size, size] bytes; index H is the layer mean.
   *  `size` may be smaller than requested (never more than nTokens). Each pixel is the max over its block of cells. */
  | { type: 'overview'; analysisId: number; requestId: number; size: number; options: AttentionRequestOptions; encoding: OverviewEncoding; data: Uint8Array }
  /** Per-head statistics: data is [L, H, HEAD_STAT_NAMES.length] (see common/stats.ts), on raw weights, or on value-weighted ones (answering requestInternals 'valueNorms'). */
  | { type: 'headStats'; analysisId: number; data: Float32Array; weights?: 'valueWeighted' }
  | { type: 'status'; state: 'loading' | 'busy' | 'idle'; message: string }
  | { type: 'error'; message: string }
  /** The editor cursor moved onto token `query` of the analysed range. */
  | { type: 'selectQuery'; analysisId: number; query: number }
  | { type: 'probe'; nTokens: number; entropy: number; temperature: number; next: { token: string; prob: number }[]; cached: boolean }
  /** The host has no analysis (e.g. after a window reload restored the panel). */
  | { type: 'empty'; message: string }
  /** Encoders: the model's guesses for token `index` when it is masked (answers requestMasked); `error` when it failed. */
  | { type: 'masked'; analysisId: number; index: number; original: string; next: { token: string; prob: number }[]; entropy: number; error?: string }
  /** Attention rollout Π_l (½ Ā_l + ½ I): data [T, T], row = query, column = input token. */
  | { type: 'rollout'; analysisId: number; data: Float32Array }
  /** Logit lens: each layer's top-k at every position, ids and probs [L, T, k]; `vocab` maps every id to display text. */
  | { type: 'logitLens'; analysisId: number; k: number; ids: Int32Array; probs: Float32Array; vocab: Record<number, string> }
  /** Head ablation: Δ ln p of each token with head (l, h) zeroed, delta [L, H, T] (NaN at t = 0); top1Changed [L, H, T] (prediction at t); top1 [T]. */
  | { type: 'ablation'; analysisId: number; delta: Float32Array; top1Changed: Uint8Array; top1: Int32Array; vocab: Record<number, string> }
  /** q·k breakdown of head (layer, head): q and k [T, D] (scalar factors divided out), scale, and the softmax inputs [T, K] = scale · q·k + mask. */
  | { type: 'qk'; analysisId: number; layer: number; head: number; D: number; q: Float32Array; k: Float32Array; scale: number; scores: Float32Array }
  /** An internals view this model cannot give (or that failed), with why; other views are unaffected. */
  | { type: 'internalsError'; analysisId: number; view: InternalsViewName; message: string }
  /** Restricted mode (untrusted workspace): what is ignored or off; null when the workspace is trusted. */
  | { type: 'restricted'; message: string | null }
  /** A view waited for layers dropped over the memory budget to be recomputed: what the panel says (before the view's data). */
  | { type: 'recomputed'; analysisId: number; message: string }
  | ReachMessage
  | BaselinesMessage;

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'requestAttention'; analysisId: number; requestId: number; selector: AttentionSelector; options: AttentionRequestOptions }
  | { type: 'requestOverview'; analysisId: number; requestId: number; size: number; options: AttentionRequestOptions; encoding: OverviewEncoding }
  /** index into header.tokens; null when the pointer leaves. */
  | { type: 'hoverToken'; analysisId: number; index: number | null }
  | { type: 'revealToken'; analysisId: number; index: number }
  /** Compute an internals view of the current analysis (answered by rollout / logitLens / ablation / internalsError). */
  | { type: 'requestInternals'; analysisId: number; view: 'rollout' | 'logitLens' | 'ablation' | 'valueNorms' }
  /** The q·k breakdown of one head (answered by qk / internalsError). */
  | { type: 'requestInternals'; analysisId: number; view: 'qk'; layer: number; head: number }
  /** Encoders: predict token `index` of the analysed text as if it were masked. */
  | { type: 'requestMasked'; analysisId: number; index: number }
  /** Stop computing context reach for this analysis; `requestReach` starts it again. */
  | { type: 'cancelReach'; analysisId: number }
  | { type: 'requestReach'; analysisId: number }
  /** Switch head (layer, head) off for the whole panel, or back on if it is off; `allOn` switches every head back on. */
  | { type: 'headsOff'; action: 'toggle'; layer: number; head: number }
  | { type: 'headsOff'; action: 'allOn' }
  | { type: 'export'; format: 'png'; dataUrl: string; suggestedName: string }
  | { type: 'export'; format: 'json' | 'csv'; analysisId: number; selector: AttentionSelector | null };

export function assertNever(x: never): never {
  throw new Error(`unhandled message: ${JSON.stringify(x)}`);
}
