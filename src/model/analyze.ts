// One analysis: tokens with ranges → forward pass → attention [L, H, T, T], per-token
// log-probabilities and ranks, top-k next tokens at every position.
import { AttentionLensError, throwIfAborted } from './errors';
import { logSumExp, rankOf, topKIndices } from './distribution';
import type { Runner } from './runner';
import { toFloat32 } from './runner';
import type { Tokenization } from './tokenize';
import type { AnalysisResult, AnalyzeOptions, ModelInfo, NextToken, TokenInfo } from './types';

export async function analyzeText(
  text: string,
  opts: AnalyzeOptions,
  info: ModelInfo,
  tokens: Tokenization,
  runner: Runner,
): Promise<AnalysisResult> {
  throwIfAborted(opts.signal);
  const t0 = performance.now();
  const limit = Math.max(1, Math.min(Math.floor(opts.maxTokens), info.contextLength));
  const reason = opts.maxTokens <= info.contextLength ? 'maxTokens' : 'context';
  const tok = tokens.tokenize(text, limit, reason);
  const T = tok.ids.length;
  if (T === 0) {
    throw new AttentionLensError('empty-input', 'There is nothing to analyse: the text produced no tokens. Select some text first.');
  }
  const t1 = performance.now();
  throwIfAborted(opts.signal);
  const wantK = info.kind === 'decoder' ? Math.max(1, Math.floor(opts.topK)) : 1;
  const out = await runner.forward(tok.ids, null, 0, wantK);
  throwIfAborted(opts.signal); // a newer request superseded this one while it ran
  const t2 = performance.now();

  // Attention: one [1, H, T, T] tensor per layer → [L, H, T, T].
  const L = out.attentions.length;
  const H = out.attentions[0]!.dims[1]!;
  const attention = new Float32Array(L * H * T * T);
  out.attentions.forEach((t, layer) => attention.set(toFloat32(t), layer * H * T * T)); // [L, H, Q, K]

  const decoder = info.kind === 'decoder' && out.logits !== null;
  const V = out.vocab;
  const k = decoder ? Math.min(wantK, V) : 0;
  const topIds = new Int32Array(T * k);
  const topProbs = new Float32Array(T * k);
  const logprobs: (number | null)[] = new Array<number | null>(T).fill(null);
  const ranks: (number | null)[] = new Array<number | null>(T).fill(null);
  if (decoder) {
    const logits = out.logits!; // [T, V]
    // The runtime's normaliser and top-k when surgery added them; the same maths in JavaScript otherwise.
    const top = out.top && out.top.k >= k ? out.top : null;
    for (let t = 0; t < T; t++) {
      const row = t * V;
      const logZ = out.logSumExp ? out.logSumExp[t]! : logSumExp(logits, row, V);
      if (top) {
        for (let i = 0; i < k; i++) topIds[t * k + i] = Number(top.indices[t * top.k + i]!); // [T, k_run]
      } else {
        topKIndices(logits, row, V, k, topIds, t * k);
      }
      for (let i = 0; i < k; i++) topProbs[t * k + i] = Math.exp(logits[row + topIds[t * k + i]!]! - logZ);
      if (t + 1 < T) {
        const next = tok.ids[t + 1]!;
        logprobs[t + 1] = logits[row + next]! - logZ;
        ranks[t + 1] = rankOf(logits, row, V, next);
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
  return {
    model: info,
    text,
    tokens: tokenInfos,
    shape: { nLayers: L, nHeads: H, nTokens: T },
    attention,
    topK: { k, ids: topIds, probs: topProbs },
    next,
    truncated: tok.truncated,
    timings: { tokenizeMs: t1 - t0, runMs: t2 - t1, extractMs: t3 - t2 },
  };
}
