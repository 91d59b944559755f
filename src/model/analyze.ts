// One analysis: tokens with ranges → forward pass → attention [L, H, T, T], per-token
// log-probabilities and ranks, top-k next tokens at every position.
import { AttentionLensError, throwIfAborted } from './errors';
import type { AttentionPool } from './attentionPool';
import { BlockCompactor, compactAttention, fitsBudget } from './compactAttention';
import { blockRows, forwardInBlocks } from './queryBlocks';
import { RANK_FROM_TOP, noScores, scoreTokens } from './tokenScores';
import type { Fetch, ForwardOutput, OnnxSession } from './onnxSession';
import type { Tokenization } from './tokenize';
import { DEFAULT_TOP_K, positiveInt, type AnalysisResult, type AnalyzeOptions, type ModelInfo, type NextToken, type TokenInfo } from './types';

export async function analyzeText(
  text: string,
  opts: AnalyzeOptions,
  info: ModelInfo,
  tokens: Tokenization,
  onnx: OnnxSession,
  pool: AttentionPool,
  /** Where a blocked forward's one block buffer comes from and goes back to between analyses. */
  blockPool?: AttentionPool,
): Promise<AnalysisResult> {
  throwIfAborted(opts.signal);
  const t0 = performance.now();
  const maxTokens = positiveInt(opts.maxTokens, info.contextLength);
  const limit = Math.min(maxTokens, info.contextLength);
  const reason = maxTokens <= info.contextLength ? 'maxTokens' : 'context';
  const tok = tokens.tokenize(text, limit, reason);
  const T = tok.ids.length;
  if (T === 0) {
    throw new AttentionLensError('empty-input', 'There is nothing to analyse: the text produced no tokens. Select some text first.');
  }
  const t1 = performance.now();
  throwIfAborted(opts.signal);
  const decoder = info.kind === 'decoder' && onnx.hasLogits;
  const wantK = decoder ? positiveInt(opts.topK, DEFAULT_TOP_K) : 1;
  // Where the runtime scores each next token and the top list, the [T, V] distribution stays in
  // the runtime (fetching it costs more than the rest of the extraction); else it comes over.
  const inRuntime = decoder && onnx.scoresTokens;
  const wantAttention = opts.attention ?? true;
  const fetch: Fetch = { attention: wantAttention, top: decoder, tokenScores: inRuntime, logProbs: decoder && !inRuntime, logits: decoder && !inRuntime };
  const topK = inRuntime ? wantK : Math.max(wantK, RANK_FROM_TOP);
  // A causal decoder's attention over the memory budget comes in blocks of query rows (queryBlocks.ts).
  const floats = onnx.attentionSize(T, T);
  const lh = floats / (T * T); // layers × heads
  const budget = opts.attentionMemoryMB;
  const canBlock = wantAttention && inRuntime && onnx.supportsCache;
  // Rows handed to a writer go in blocks whatever the budget.
  const sink = canBlock ? opts.attentionRows : undefined;
  const rows = (q0: number) => (sink || !fitsBudget(floats, budget) ? blockRows(q0, T, lh, budget) : T - q0);
  const blocks = canBlock && (sink !== undefined || rows(0) < T);
  const compactor = blocks ? new BlockCompactor({ nLayers: onnx.attentionOutputs.length, nHeads: lh / onnx.attentionOutputs.length, nTokens: T }, tok.ids, sink ? null : budget, (n) => pool.take(n)) : null;
  let inBlocks: { out: ForwardOutput; compactMs: number } | null = null;
  try {
    inBlocks = compactor ? await forwardInBlocks(onnx, tok.ids, rows, topK, compactor, opts.signal, sink, blockPool) : null;
  } catch (err) {
    pool.give(compactor!.buffer);
    throw err;
  }
  if (compactor && !inBlocks) pool.give(compactor.buffer);
  const streamed = inBlocks !== null && sink !== undefined; // the rows went to opts.attentionRows
  // Otherwise the runtime writes every layer's attention into this buffer, [L, H, T, T] (a released result's when there is one).
  const buffer = wantAttention && !inBlocks ? pool.take(floats) : null;
  let out: ForwardOutput;
  try {
    out = inBlocks?.out ?? (await onnx.forward(tok.ids, null, 0, fetch, topK, buffer ?? undefined));
    throwIfAborted(opts.signal); // a newer request superseded this one while it ran
  } catch (err) {
    if (buffer) pool.give(buffer);
    throw err;
  }
  const t2 = performance.now();

  const L = out.attention?.nLayers ?? compactor?.shape.nLayers ?? info.nLayers;
  const H = out.attention?.nHeads ?? compactor?.shape.nHeads ?? info.nHeads;
  const attention = out.attention?.data ?? new Float32Array(0);
  // What release() hands back: the whole pooled buffer when the runtime wrote into it, else the new array.
  const owner = buffer && attention.buffer === buffer.buffer ? buffer : attention;

  const k = decoder ? Math.min(wantK, out.vocab) : 0;
  const { topIds, topProbs, logprobs, ranks } = decoder ? scoreTokens(out, tok.ids, k, info.name) : noScores(T);
  const labels = tokens.labels(text, tok);
  const tokenInfos: TokenInfo[] = tok.ids.map((id, i) => ({
    id,
    text: tokens.text(id),
    display: labels.display[i]!,
    partial: labels.partial[i]!,
    continuation: labels.continuation[i]!,
    start: tok.starts[i]!,
    end: tok.ends[i]!,
    logprob: logprobs[i]!,
    rank: ranks[i]!,
    special: tok.special[i]!,
  }));
  const next: NextToken[] = [];
  for (let i = 0; i < k; i++) {
    const id = topIds[(T - 1) * k + i]!;
    next.push({ id, token: tokens.text(id), prob: topProbs[(T - 1) * k + i]! });
  }
  const shape = { nLayers: L, nHeads: H, nTokens: T };
  // Over the budget: statistics from the exact values, then each layer as 3 bytes a value, as many
  // layers as the budget holds (the rest are recomputed when read); the float32 buffer is not pooled
  // (keeping it would hold what the budget bounds).
  const compact = inBlocks ? compactor!.finish()
    : attention.length > 0 && !fitsBudget(attention.length, opts.attentionMemoryMB)
      ? compactAttention(attention, shape, tok.ids, info.kind === 'decoder', opts.attentionMemoryMB)
      : null;
  const keptLayers = compact?.stored.filter((x) => x !== null).length ?? L;
  const t3 = performance.now();
  let released = false;
  const result: AnalysisResult = {
    model: info,
    text,
    tokens: tokenInfos,
    shape,
    attention: compact ? new Float32Array(0) : attention,
    // Rows streamed: only the statistics stay.
    ...(compact ? (streamed ? { headStats: compact.headStats } : { stored: compact.stored, headStats: compact.headStats }) : {}),
    ...(keptLayers < L && !streamed ? { keptLayers } : {}),
    topK: { k, ids: topIds, probs: topProbs },
    next,
    truncated: tok.truncated,
    timings: { tokenizeMs: t1 - t0, runMs: t2 - t1 - (inBlocks?.compactMs ?? 0), extractMs: t3 - t2 + (inBlocks?.compactMs ?? 0) },
    release: () => {
      if (released) return;
      released = true;
      result.attention = new Float32Array(0); // a stale reader fails on sizes instead of showing another analysis
      if (result.stored) result.stored = result.stored.map(() => new Uint8Array(0));
      if (inBlocks) pool.give(compactor!.buffer); // the codes' one buffer
      else if (!result.stored) pool.give(owner);
    },
  };
  return result;
}
