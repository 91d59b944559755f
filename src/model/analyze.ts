// One analysis: tokens with ranges → forward pass → attention [L, H, T, T], per-token
// log-probabilities and ranks, top-k next tokens at every position.
import { AttentionLensError, throwIfAborted } from './errors';
import { logSumExp, rankOf, topKIndices } from './distribution';
import type { AttentionPool } from './attentionPool';
import type { Fetch, Runner } from './runner';
import type { Tokenization } from './tokenize';
import { DEFAULT_TOP_K, positiveInt, type AnalysisResult, type AnalyzeOptions, type ModelInfo, type NextToken, type TokenInfo } from './types';

/**
 * Without runtime token scores, how many top entries per position the runtime returns (ranks
 * inside it need no scan of the vocabulary). With them it returns only the k shown: a top-64 costs
 * the runtime ~2.5× a top-10 at 512 tokens.
 */
const RANK_FROM_TOP = 64;

/** 1-based rank of `id` at position t if it is in the runtime's sorted top list, else 0. */
function rankInTop(top: { k: number; values: Float32Array; indices: BigInt64Array }, t: number, id: number): number {
  const base = t * top.k; // [T, k]
  const wanted = BigInt(id);
  for (let i = 0; i < top.k; i++) {
    if (top.indices[base + i] !== wanted) continue;
    let greater = 0; // ties share a rank: count only strictly larger logits
    while (greater < i && top.values[base + greater]! > top.values[base + i]!) greater++;
    return greater + 1;
  }
  return 0;
}

export async function analyzeText(
  text: string,
  opts: AnalyzeOptions,
  info: ModelInfo,
  tokens: Tokenization,
  runner: Runner,
  pool: AttentionPool,
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
  const decoder = info.kind === 'decoder' && runner.hasLogits;
  const wantK = decoder ? positiveInt(opts.topK, DEFAULT_TOP_K) : 1;
  // Where the runtime scores each next token and the top list, the [T, V] distribution stays in
  // the runtime (fetching it costs more than the rest of the extraction); else it comes over.
  const inRuntime = decoder && runner.scoresTokens;
  const wantAttention = opts.attention ?? true;
  const fetch: Fetch = { attention: wantAttention, top: decoder, tokenScores: inRuntime, logProbs: decoder && !inRuntime, logits: decoder && !inRuntime };
  // The runtime writes every layer's attention into this buffer, [L, H, T, T] (a released result's when there is one).
  const buffer = wantAttention ? pool.take(runner.attentionSize(T, T)) : null;
  let out: Awaited<ReturnType<Runner['forward']>>;
  try {
    out = await runner.forward(tok.ids, null, 0, fetch, inRuntime ? wantK : Math.max(wantK, RANK_FROM_TOP), buffer ?? undefined);
    throwIfAborted(opts.signal); // a newer request superseded this one while it ran
  } catch (err) {
    if (buffer) pool.give(buffer);
    throw err;
  }
  const t2 = performance.now();

  const L = out.attention?.nLayers ?? info.nLayers;
  const H = out.attention?.nHeads ?? info.nHeads;
  const attention = out.attention?.data ?? new Float32Array(0);
  // What release() hands back: the whole pooled buffer when the runtime wrote into it, else the new array.
  const owner = buffer && attention.buffer === buffer.buffer ? buffer : attention;

  const V = out.vocab;
  const k = decoder ? Math.min(wantK, V) : 0;
  const topIds = new Int32Array(T * k);
  const topProbs = new Float32Array(T * k);
  const logprobs: (number | null)[] = new Array<number | null>(T).fill(null);
  const ranks: (number | null)[] = new Array<number | null>(T).fill(null);
  const top = out.top && out.top.k >= k ? out.top : null;
  if (decoder && top && out.tokenScores) {
    // Everything per position came from the runtime: [T, k_run] top lists, [T] token scores (the last unused).
    for (let t = 0; t < T; t++) {
      for (let i = 0; i < k; i++) {
        topIds[t * k + i] = Number(top.indices[t * top.k + i]!);
        topProbs[t * k + i] = Math.exp(top.values[t * top.k + i]!);
      }
      if (t + 1 < T) {
        logprobs[t + 1] = out.tokenScores.logProbs[t]!;
        ranks[t + 1] = out.tokenScores.higher[t]! + 1;
      }
    }
  } else if (decoder) {
    // The runtime's log-probabilities when surgery added them (ranks are the same on logits and
    // log-probabilities); the same maths in JavaScript otherwise.
    const scores = out.logProbs ?? out.logits; // [T, V]
    if (!scores) throw new AttentionLensError('runtime-failure', `${info.name}: the runtime returned neither the top-k lists nor the next-token distribution.`);
    const fromRuntime = out.logProbs ? top : null;
    for (let t = 0; t < T; t++) {
      const row = t * V;
      const logZ = out.logProbs ? 0 : logSumExp(scores, row, V);
      if (fromRuntime) {
        for (let i = 0; i < k; i++) topIds[t * k + i] = Number(fromRuntime.indices[t * fromRuntime.k + i]!); // [T, k_run]
      } else {
        topKIndices(scores, row, V, k, topIds, t * k);
      }
      for (let i = 0; i < k; i++) topProbs[t * k + i] = Math.exp(scores[row + topIds[t * k + i]!]! - logZ);
      if (t + 1 < T) {
        const next = tok.ids[t + 1]!;
        logprobs[t + 1] = scores[row + next]! - logZ;
        ranks[t + 1] = (fromRuntime && rankInTop(fromRuntime, t, next)) || rankOf(scores, row, V, next);
      }
    }
  }
  const tokenInfos: TokenInfo[] = tok.ids.map((id, i) => ({
    id,
    text: tokens.text(id),
    display: tokens.display(id),
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
  const t3 = performance.now();
  let released = false;
  const result: AnalysisResult = {
    model: info,
    text,
    tokens: tokenInfos,
    shape: { nLayers: L, nHeads: H, nTokens: T },
    attention,
    topK: { k, ids: topIds, probs: topProbs },
    next,
    truncated: tok.truncated,
    timings: { tokenizeMs: t1 - t0, runMs: t2 - t1, extractMs: t3 - t2 },
    release: () => {
      if (released) return;
      released = true;
      result.attention = new Float32Array(0); // a stale reader fails on sizes instead of showing another analysis
      pool.give(owner);
    },
  };
  return result;
}
