// Per-position scores of one analysis: the top-k next tokens after every position and each next
// token's log-probability and rank, read whichever way the runtime can give them (fastest first):
// 1. its own token scores and top list (surgery added both): nothing of size [T, V] comes over;
// 2. its log-probabilities [T, V] (and its top list for ids, ranks inside it);
// 3. the raw logits [T, V], normalised and ranked here.
import { AttentionLensError } from './errors';
import { logSumExp, rankOf, topKIndices } from './distribution';
import type { ForwardOutput } from './onnxSession';

/**
 * Without runtime token scores, how many top entries per position the runtime returns (ranks
 * inside it need no scan of the vocabulary). With them it returns only the k shown: a top-64 costs
 * the runtime ~2.5× a top-10 at 512 tokens.
 */
export const RANK_FROM_TOP = 64;

export interface TokenScores {
  /** Top-k ids and probabilities after every position, each [T, k]. */
  topIds: Int32Array;
  topProbs: Float32Array;
  /** ln p(token_t | tokens_<t) and its 1-based rank, [T]; null for the first token. */
  logprobs: (number | null)[];
  ranks: (number | null)[];
}

type RuntimeTop = NonNullable<ForwardOutput['top']>;

/** No scores at all (encoders): k = 0, every token null. */
export function noScores(T: number): TokenScores {
  const none = () => new Array<number | null>(T).fill(null);
  return { topIds: new Int32Array(0), topProbs: new Float32Array(0), logprobs: none(), ranks: none() };
}

/** The scores of the T tokens `ids` from one forward pass over them, top `k` per position. */
export function scoreTokens(out: ForwardOutput, ids: readonly number[], k: number, modelName: string): TokenScores {
  const s = noScores(ids.length);
  s.topIds = new Int32Array(ids.length * k);
  s.topProbs = new Float32Array(ids.length * k);
  const top = out.top && out.top.k >= k ? out.top : null;
  if (top && out.tokenScores) fromRuntimeScores(s, top, out.tokenScores, ids.length, k);
  else if (out.logProbs) fromDistribution(s, out.logProbs, false, out.vocab, top, ids, k);
  else if (out.logits) fromDistribution(s, out.logits, true, out.vocab, null, ids, k);
  else throw new AttentionLensError('runtime-failure', `${modelName}: the runtime returned neither the top-k lists nor the next-token distribution.`);
  return s;
}

/** Everything came from the runtime: [T, k_run] top lists, [T] token scores (the last unused). */
function fromRuntimeScores(s: TokenScores, top: RuntimeTop, scores: NonNullable<ForwardOutput['tokenScores']>, T: number, k: number): void {
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < k; i++) {
      s.topIds[t * k + i] = Number(top.indices[t * top.k + i]!);
      s.topProbs[t * k + i] = Math.exp(top.values[t * top.k + i]!);
    }
    if (t + 1 < T) {
      s.logprobs[t + 1] = scores.logProbs[t]!;
      s.ranks[t + 1] = scores.higher[t]! + 1;
    }
  }
}

/**
 * From a [T, V] distribution: the runtime's log-probabilities (`normalise` false; ranks are the
 * same on logits and log-probabilities, and its top list gives ids and most ranks) or raw logits.
 */
function fromDistribution(s: TokenScores, scores: Float32Array, normalise: boolean, V: number, top: RuntimeTop | null, ids: readonly number[], k: number): void {
  const T = ids.length;
  for (let t = 0; t < T; t++) {
    const row = t * V; // [T, V]
    const logZ = normalise ? logSumExp(scores, row, V) : 0;
    if (top) {
      for (let i = 0; i < k; i++) s.topIds[t * k + i] = Number(top.indices[t * top.k + i]!); // [T, k_run]
    } else {
      topKIndices(scores, row, V, k, s.topIds, t * k);
    }
    for (let i = 0; i < k; i++) s.topProbs[t * k + i] = Math.exp(scores[row + s.topIds[t * k + i]!]! - logZ);
    if (t + 1 < T) {
      const next = ids[t + 1]!;
      s.logprobs[t + 1] = scores[row + next]! - logZ;
      s.ranks[t + 1] = (top && rankInTop(top, t, next)) || rankOf(scores, row, V, next);
    }
  }
}

/** 1-based rank of `id` at position t if it is in the runtime's sorted top list, else 0. */
function rankInTop(top: RuntimeTop, t: number, id: number): number {
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
