// Context reach: how many of the tokens before each token its prediction needs. For every token t
// and k = 1..K, ln p(token t | only the k tokens before it), each value a plain forward on exactly
// those k tokens (plus the tokens a tokenizer always puts first, e.g. a BOS, when it has any).
//
// Windows: a causal model's output at position j depends only on positions 0..j, so one window
// holding tokens s, s+1, …, s+K scores token s+k from exactly k tokens of context, for every
// k = 1..K at once. Token t with context k therefore needs the window starting at s = t − k: the
// windows starting at every s from the first real token to T − 2 give every (t, k) exactly once.
// Windows near the end are padded after their last real token (padding after a position cannot
// change it), so all windows have one length and run in batches.
import { AttentionLensError, throwIfAborted } from './errors';
import type { OnnxSession } from './onnxSession';
import type { ContextReach, ReachOptions } from './types';

/** A context reproduces the full-context prediction when its log-prob is within this many nats. */
export const REACH_TOLERANCE = 0.1;
/** Contexts tried when a request names none. */
export const DEFAULT_REACH_CONTEXT = 64;
/** Window tokens per runtime call: ~40 ms each for the bundled model, so a probe waits at most that long. */
const TOKENS_PER_RUN = 1024;

/** Runs one task on the model's queue (other requests get their turn between tasks). */
export type Schedule = <T>(task: () => Promise<T>) => Promise<T>;

export interface WindowPlan {
  /** Tokens per window: prefix + K' + 1, where K' = the largest context used. */
  length: number;
  /** Largest context actually used: min(K, T − 1 − prefix). */
  contexts: number;
  /** First token of window w is token `first + w`. */
  first: number;
  /** Number of windows. */
  count: number;
}

/** Which windows give every (token, context ≤ K) pair once: see the file comment. */
export function planWindows(T: number, K: number, prefix: number): WindowPlan {
  const contexts = Math.max(0, Math.min(K, T - 1 - prefix));
  return { length: prefix + contexts + 1, contexts, first: prefix, count: contexts > 0 ? T - 1 - prefix : 0 };
}

/** Window w's token ids (prefix, then tokens first+w …, padded with the last token past the end). */
export function windowIds(ids: readonly number[], plan: WindowPlan, prefix: number, w: number, into: Int32Array | number[], at: number): void {
  for (let i = 0; i < prefix; i++) into[at + i] = ids[i]!;
  const s = plan.first + w;
  for (let j = 0; j <= plan.contexts; j++) into[at + prefix + j] = ids[Math.min(s + j, ids.length - 1)]!;
}

/** How many leading ids are the ones the tokenizer puts before every text (Tokenization.leadingIds: a BOS, …). */
export function alwaysAddedPrefix(ids: readonly number[], emptyTextIds: readonly number[]): number {
  let n = 0;
  while (n < emptyTextIds.length && n < ids.length && ids[n] === emptyTextIds[n]) n++;
  return n === emptyTextIds.length ? n : 0;
}

/** Smallest k (1-based) of row t within REACH_TOLERANCE of the full context; 0 when none. */
export function reachOf(logProbs: Float32Array, K: number, t: number, full: number): number {
  if (!Number.isFinite(full)) return 0;
  for (let k = 1; k <= K; k++) {
    const v = logProbs[t * K + k - 1]!; // [T, K]
    if (Number.isFinite(v) && Math.abs(v - full) <= REACH_TOLERANCE) return k;
  }
  return 0;
}

export async function contextReach(ids: readonly number[], prefix: number, onnx: OnnxSession, schedule: Schedule, opts: ReachOptions = {}): Promise<ContextReach> {
  const t0 = performance.now();
  const T = ids.length;
  const K = Number.isInteger(opts.maxContext) && opts.maxContext! >= 1 ? opts.maxContext! : DEFAULT_REACH_CONTEXT;
  if (T === 0) throw new AttentionLensError('empty-input', 'There are no tokens to measure the reach of.');
  const plan = planWindows(T, K, prefix);
  const logProbs = new Float32Array(T * K).fill(NaN); // [T, K]
  const full = new Float32Array(T).fill(NaN); // [T]

  // Full context: one plain forward over everything.
  throwIfAborted(opts.signal);
  const whole = await schedule(() => onnx.scoreWindows(ids, 1)); // [1, T]
  for (let t = prefix + 1; t < T; t++) full[t] = whole[t - 1]!;

  let perRun = onnx.takesBatches ? Math.max(1, Math.floor(TOKENS_PER_RUN / plan.length)) : 1;
  let done = 0;
  opts.onProgress?.(0, plan.count);
  while (done < plan.count) {
    await new Promise((resolve) => setImmediate(resolve)); // let the host's other work in between runs
    throwIfAborted(opts.signal);
    const B = Math.min(perRun, plan.count - done);
    const batch = new Int32Array(B * plan.length); // [B, S]
    for (let b = 0; b < B; b++) windowIds(ids, plan, prefix, done + b, batch, b * plan.length);
    let scores: Float32Array;
    try {
      scores = await schedule(() => onnx.scoreWindows(batch, B)); // [B, S]
    } catch (err) {
      if (B === 1) throw err;
      perRun = 1; // a graph whose shapes only allow one sequence: run the windows one by one
      continue;
    }
    for (let b = 0; b < B; b++) {
      const s = plan.first + done + b;
      for (let j = 0; j < plan.contexts; j++) {
        const t = s + j + 1; // window position prefix + j predicts token s + j + 1 from k = j + 1 tokens
        if (t >= T) break;
        logProbs[t * K + j] = scores[b * plan.length + prefix + j]!; // [T, K] ← [B, S]
      }
    }
    done += B;
    opts.onProgress?.(done, plan.count);
  }
  const reach = new Int32Array(T);
  for (let t = 0; t < T; t++) reach[t] = reachOf(logProbs, K, t, full[t]!);
  return { maxContext: K, logProbs, full, reach, prefix, ms: performance.now() - t0 };
}
