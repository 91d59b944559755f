// What the model layer hands to the rest of the extension (and to the CLI).
import type { PanelToken } from '../common/protocol';
import type { AttentionShape } from '../common/tensor';
import type { StoredLayer } from '../common/attentionLayers';
import type { HubId } from './hub/id';

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

/** One analysed token: what the panel shows of it (PanelToken), its vocabulary id and its own text. */
export interface TokenInfo extends PanelToken {
  id: number;
  /** The token's own text (decoded on its own; may be a partial character for byte-level BPE). */
  text: string;
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
  /** The input was too long to tokenize whole: totalTokens counts only a long prefix of it. */
  totalIsLowerBound: boolean;
}

export interface AnalysisResult {
  model: ModelInfo;
  /** The text that was given (the whole input, even when truncated). */
  text: string;
  tokens: TokenInfo[];
  shape: AttentionShape;
  /**
   * Attention probabilities, shape [nLayers, nHeads, nQuery, nKey], row-major; empty when not asked
   * for, after release(), or when kept compact (`stored`). Read it through attentionLayers(result).
   */
  attention: Float32Array;
  /**
   * Set when the attention was over the memory budget: each layer [H, Q, K] kept as 3 bytes per value
   * (see common/attentionCodes.ts), or null where even the codes were over it: a dropped layer, read
   * through fetchLayers() (layerStore.ts), which recomputes it with `recompute`.
   */
  stored?: (StoredLayer | null)[];
  /** With dropped layers: how many coded layers the budget holds at once (≥ 1). */
  keptLayers?: number;
  /**
   * With dropped layers: runs the analysis's token ids through the model that made it again (with
   * the same heads off) and gives the codes of `layers` [H, Q, K] each. Cancelled by release().
   */
  recompute?: (layers: readonly number[]) => Promise<Uint8Array[]>;
  /** Head statistics [L, H, S] from the exact float32 attention, computed before it was kept compact; absent when `attention` is whole. */
  headStats?: Float32Array;
  /** Top-k next tokens after every position: ids and probs both [nTokens, k]. Empty (k=0) for encoders. */
  topK: { k: number; ids: Int32Array; probs: Float32Array };
  /** Top-k after the last token (decoders), as objects; [] for encoders. */
  next: NextToken[];
  truncated: Truncation | null;
  timings: { tokenizeMs: number; runMs: number; extractMs: number };
  /** Heads that were switched off (outputs zeroed) for this analysis; absent when all were on. */
  headsOff?: HeadRef[];
  /**
   * Hands the attention buffer back to the model for its next analysis to fill, instead of leaving
   * it to the garbage collector. Call it when nothing reads this result's attention any more (the
   * panel does when it stops showing it); afterwards `attention` is empty. Calling it again does nothing.
   */
  release(): void;
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

/** A request's count (top-k, token budget): a whole number ≥ 1, or the fallback for anything else (NaN, undefined, 0). */
export function positiveInt(x: number | undefined, fallback: number): number {
  return Number.isFinite(x) && x! >= 1 ? Math.floor(x!) : fallback;
}

/** Next-token candidates shown when a request names no valid count. */
export const DEFAULT_TOP_K = 10;

export interface AnalyzeOptions {
  topK: number;
  maxTokens: number;
  signal?: AbortSignal;
  /** Whether to return attention (default true); surprisal colouring needs only the token scores. */
  attention?: boolean;
  /** Keep the attention as float32 while it takes at most this many MB; above, keep it compact (`stored`: 3 bytes a value, as many layers as fit, at least one; the others recomputed when read). Default: always float32. */
  attentionMemoryMB?: number;
  /**
   * Hands the exact attention over in blocks of query rows as the runtime computes them, for a
   * writer that streams it (the CLI's .npy): the result then keeps none (`attention` empty, no
   * `stored`), only the head statistics. Decoders with a key/value cache only; for other models
   * it is never called and the result holds the attention as without it. A model loaded in this
   * thread only (loadModel): the worker's rejects it.
   */
  attentionRows?: AttentionRowsSink;
}

/** Rows q0..q1-1 of every layer and head, block [L, H, S, K] (S ≥ q1 − q0 rows from q0, K keys; zero past each row's diagonal). */
export type AttentionRowsSink = (block: Float32Array, shape: AttentionShape, S: number, K: number, q0: number, q1: number) => void | Promise<void>;

export interface HeadRef { layer: number; head: number }

/** Which views of the model's internals to compute for a text (each runs a session of its own). */
export interface InternalsRequest {
  valueNorms?: boolean;
  rollout?: boolean;
  /** The logit lens's k (top-k per layer and position). */
  logitLens?: number;
  ablation?: boolean;
  /** The q·k breakdown: queries, keys, scale and softmax inputs of every head. */
  qk?: boolean;
  maxTokens: number;
  signal?: AbortSignal;
}

export type InternalsView = 'valueNorms' | 'rollout' | 'logitLens' | 'ablation' | 'qk';

export interface InternalsResult {
  /** Token ids analysed (the same tokenization and truncation as analyze()). */
  ids: number[];
  shape: AttentionShape;
  /** ‖v_j W_Oʰ‖ per layer, head and key, [L, H, T]. */
  valueNorms?: Float32Array;
  /** Rolled-out attention, [T, T] (row = query, column = input token). */
  rollout?: Float32Array;
  /** Top-k of each layer's residual stream through the model's head, ids and probs [L, T, k]. */
  logitLens?: { k: number; ids: Int32Array; probs: Float32Array };
  /** Per head zeroed: change of each token's log-probability [L, H, T] (NaN for the first token), top-1 changes [L, H, T], the plain top-1 [T]. */
  ablation?: { delta: Float32Array; top1Changed: Uint8Array; top1: Int32Array };
  /** q and k [L, H, T, D] with the scale [L] they are multiplied by, and the softmax inputs [L, H, T, K] (= scale · q·k + mask). */
  qk?: { D: number; q: Float32Array; k: Float32Array; scale: Float32Array; scores: Float32Array };
  /** Views asked for that this model's graph cannot give, with why; the others are still there. */
  problems: Partial<Record<InternalsView, string>>;
  timings: Partial<Record<InternalsView, number>>;
}

/** A model to load: a folder, or a Hugging Face id (see resolveModelSetting). */
export interface ModelSpec {
  /** Display name: "bundled", the folder's name, or the Hub id. */
  name: string;
  /** Absolute folder path (transformers.js layout); for a Hub id a key `hf:owner/name@revision` (the folder is known after download). */
  path: string;
  /** Set when the setting names a Hugging Face model. */
  hub?: HubId;
}

export interface LoadOptions {
  /** Where patched ONNX files are cached (keyed by the source file's hash). Default: the OS temp folder. */
  cacheDir?: string;
  /** Prefer the `_quantized` ONNX variant. */
  quantized?: boolean;
  /** Human-readable progress messages while loading. */
  onProgress?: (message: string) => void;
}

export interface ProbeOptions {
  topK: number;
  /** Scales the displayed distribution: softmax(logits / temperature). Default 1. */
  temperature?: number;
  signal?: AbortSignal;
  /** Reuse past keys/values when the prefix only changed at its end (default true). */
  useCache?: boolean;
}

/** A loaded model. Calls are safe to overlap: they queue (one queue per model); use LatestWins to drop stale ones. */
/**
 * A Markov model fitted elsewhere (on the model's training corpus: src/model/corpusMarkov.ts,
 * shipped in `<model>/markov/`), coding the same tokens; the compression table shows it as
 * `corpusMarkov{order}`.
 */
export interface CorpusMarkov {
  order: number;
  /** −log₂ p of every token given the ones before it, [T]. */
  codeLengths(ids: readonly number[]): Float64Array;
}

export interface LoadedModel {
  readonly info: ModelInfo;
  /**
   * Runs `task` in the model's queue, after the calls before it; the calls it makes to this model
   * run inside its turn. A task still waiting when `signal` aborts never runs (CancelledError).
   */
  serial<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  analyze(text: string, opts: AnalyzeOptions): Promise<AnalysisResult>;
  /**
   * Next-token distribution after `prefix` (decoders only). A prefix longer than the context is
   * read through a window ending at the cursor, ¾ to all of the context long, whose start moves
   * in jumps so typing keeps reusing cached keys/values.
   */
  probe(prefix: string, opts: ProbeOptions): Promise<ProbeResult>;
  /** A short greedy continuation of `prefix` (decoders only); '' when the model ends the text. */
  continueGreedy(prefix: string, nTokens: number, signal?: AbortSignal): Promise<string>;
  /** Encoders: the model's predictions for token `tokenIndex` of `text` when it is masked. */
  predictMasked(text: string, tokenIndex: number, topK: number, signal?: AbortSignal): Promise<MaskedPrediction>;
  /** Views of the model's internals for `text` (value norms, rollout, logit lens, head ablation). */
  internals(text: string, request: InternalsRequest): Promise<InternalsResult>;
  /** Switches heads off for every later analysis, probe and continuation ([] turns all back on). */
  setHeadsOff(heads: HeadRef[]): Promise<void>;
  /** The heads now switched off. */
  readonly headsOff: HeadRef[];
  /**
   * Context reach of each token of `ids` (an analysis's token ids; decoders only): its log-prob
   * given only the last k tokens, k = 1..maxContext, in batched runtime calls queued one at a
   * time so probes and analyses get their turn in between. Rejects with CancelledError when the
   * signal aborts, and with AttentionLensError 'unsupported-architecture' for encoders.
   */
  contextReach(ids: readonly number[], opts?: ReachOptions): Promise<ContextReach>;
  /** Display text of a vocabulary id (whitespace visible). */
  tokenText(id: number): string;
  /**
   * Markov chains fitted on the model's training corpus (`<model folder>/markov/`, read on first
   * call; [] when the folder has none). Throws AttentionLensError 'corpus-markov-invalid' for a
   * file it cannot use.
   */
  corpusMarkov(): CorpusMarkov[];
  /** Unloads after the calls queued before it; later calls fail with code 'disposed'. */
  dispose(): Promise<void>;
}

export interface MaskedPrediction {
  tokenIndex: number;
  /** The token that was masked. */
  original: { id: number; token: string };
  /** Top-k candidates for the masked position. */
  next: NextToken[];
  /** Entropy in nats of the distribution at the masked position. */
  entropy: number;
}

export interface ReachOptions {
  /** Largest context k tried (default 64). */
  maxContext?: number;
  signal?: AbortSignal;
  /** Windows scored so far, of `total`. */
  onProgress?: (done: number, total: number) => void;
}

/** How far back each token's prediction reaches (see src/model/reach.ts). */
export interface ContextReach {
  /** K: logProbs has one column per context length k = 1..K. */
  maxContext: number;
  /** ln p(token t | only the k tokens before it), [T, K] at t·K + (k − 1); NaN where token t has fewer than k tokens before it. */
  logProbs: Float32Array;
  /** ln p(token t | every token before it), [T]; NaN for the first token. */
  full: Float32Array;
  /** Per token, the smallest k whose log-prob is within 0.1 nat of the full-context one, [T]; 0 when no k ≤ K is (or the token has no prediction). */
  reach: Int32Array;
  /** Tokens the tokenizer puts before every text (e.g. a BOS): kept in front of every window and not counted in k; 0 for most models. */
  prefix: number;
  /** Wall time of the whole computation. */
  ms: number;
}
