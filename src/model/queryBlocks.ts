// A causal decoder's attention over the memory budget, computed in blocks of query rows with the
// key/value cache: each block's rows [L, H, S, K] are compacted (statistics, codes) before the next
// block runs, so neither the whole [L, H, T, T] float32 tensor nor the runtime's copy of it ever
// exists (at GPT-2 small and 1,024 tokens: 604 MB, twice). The work is the same as one forward.
import { AttentionLensError, throwIfAborted } from './errors';
import type { AttentionPool } from './attentionPool';
import type { BlockCompactor } from './compactAttention';
import type { ForwardOutput, OnnxSession } from './onnxSession';
import { truncatePast, type PastCache } from './onnxTensors';
import type { AttentionRowsSink } from './types';

/** Float32 bytes of one block's attention at most (the runtime's copy doubles it while a block is read). */
export const BLOCK_BYTES = 48 * 2 ** 20;

/**
 * Query rows of the block from row q0 of T when a query row over one key is `lh` floats (layers ×
 * heads): the block's [L, H, S + 1, q0 + S + 1] (its rows, the next block's first row, the keys up
 * to it) within BLOCK_BYTES and a quarter of the memory budget (none: `budgetMB` undefined or not a
 * size, as fitsBudget reads it), but never under a sixteenth of the
 * whole [L, H, T, T] (each run reads every weight: a large model's weights dwarf such a block), and
 * at least 16 rows (a last block of fewer joins the one before). Early blocks see fewer keys, so they take more rows at the same peak.
 */
export function blockRows(q0: number, T: number, lh: number, budgetMB?: number): number {
  const bytes = budgetMB !== undefined && budgetMB >= 0 ? Math.min(BLOCK_BYTES, (budgetMB * 2 ** 20) / 4) : BLOCK_BYTES;
  const cells = Math.max(bytes / (4 * lh), (T * T) / 16); // (S + 1)(q0 + S + 1) at most
  const fed = Math.floor((-q0 + Math.sqrt(q0 * q0 + 4 * cells)) / 2); // n(q0 + n) = cells, n = S + 1
  const rows = Math.max(16, fed - 1);
  return T - q0 - rows < 16 ? T - q0 : rows; // no last block of a few rows: one more run for nothing
}

/**
 * Head `lh`'s (layer × H + head) query rows q0..q1-1 of `block` [L, H, S, K] into `dst` from `at`,
 * one row of T every T values: keys 0..q of row q (the rest of each row, zero in causal attention,
 * is left as it is).
 */
export function copyHeadRows(block: Float32Array, S: number, K: number, lh: number, q0: number, q1: number, dst: Float32Array, at: number, T: number): void {
  for (let q = q0; q < q1; q++) {
    const from = (lh * S + q - q0) * K; // [L, H, S, K]
    dst.set(block.subarray(from, from + q + 1), at + (q - q0) * T);
  }
}

/**
 * Runs `ids` block by block into `compactor`, fetching the runtime's top-k and next-token scores
 * (the graph must compute them). Each block but the last also runs the next block's first token, so
 * its last row scores the token that follows it; the cache is then cut back to the block's end.
 * Returns the scores as one forward's output, or null when the first block's attention is not
 * causal (the caller then runs the whole text at once). Every block is written into one buffer
 * that fits the largest, from `buffers` when given (and handed back to it): a fresh 48 MB array
 * per analysis cost its page faults, 25–100 ms at GPT-2 small and 1,024 tokens.
 */
export async function forwardInBlocks(onnx: OnnxSession, ids: readonly number[], rows: (q0: number) => number, topK: number, compactor: BlockCompactor, signal?: AbortSignal, sink?: AttentionRowsSink, buffers?: AttentionPool): Promise<{ out: ForwardOutput; compactMs: number } | null> {
  const blocks = queryBlocks(ids.length, rows);
  const largest = Math.max(0, ...blocks.map((b) => onnx.attentionSize(b.S, b.K)));
  const buffer = buffers ? buffers.take(largest) : new Float32Array(largest);
  try {
    return await runBlocks(onnx, ids, blocks, topK, compactor, buffer, signal, sink);
  } finally {
    buffers?.give(buffer);
  }
}

/** One runtime call of forwardInBlocks: query rows q0..q1-1, fed S tokens from q0 (the next block's first too, to score row q1 − 1), over keys 0..K-1. */
interface QueryBlock { q0: number; q1: number; S: number; K: number }

/** The blocks of T tokens, rows(q0) query rows from each q0. */
function queryBlocks(T: number, rows: (q0: number) => number): QueryBlock[] {
  const blocks: QueryBlock[] = [];
  for (let q0 = 0, q1 = 0; q0 < T; q0 = q1) {
    q1 = q0 + rows(q0);
    const S = Math.min(T, q1 + 1) - q0;
    blocks.push({ q0, q1, S, K: q0 + S });
  }
  return blocks;
}

async function runBlocks(onnx: OnnxSession, ids: readonly number[], blocks: readonly QueryBlock[], topK: number, compactor: BlockCompactor, buffer: Float32Array, signal?: AbortSignal, sink?: AttentionRowsSink): Promise<{ out: ForwardOutput; compactMs: number } | null> {
  const T = ids.length;
  let past: PastCache | null = null;
  let values: Float32Array | null = null, indices: BigInt64Array | null = null;
  const logProbs = new Float32Array(T), higher = new Float32Array(T);
  let k = 0, vocab = 0;
  let compactMs = 0;
  for (const { q0, q1, S, K } of blocks) {
    const out = await onnx.forward(ids.slice(q0, q0 + S), past, q0, { attention: true, top: true, tokenScores: true, present: q1 < T }, topK, buffer);
    throwIfAborted(signal);
    if (!out.attention || !out.top || !out.tokenScores) throw new Error('forwardInBlocks: the graph does not score tokens');
    const { nLayers, nHeads } = compactor.shape;
    if (out.attention.nLayers !== nLayers || out.attention.nHeads !== nHeads) return null; // the config's head count was not the graph's
    const t0 = performance.now();
    if (!compactor.add(out.attention.data, S, K, q0, q1)) {
      if (q0 === 0) return null;
      // Rows may already have gone to the sink: no quiet fallback from here.
      throw new AttentionLensError('runtime-failure', `The attention of query rows ${q0}–${q1 - 1} has weight on later tokens although the first rows had none; the model cannot be analysed in blocks.`);
    }
    compactMs += performance.now() - t0;
    await sink?.(out.attention.data, compactor.shape, S, K, q0, q1);
    throwIfAborted(signal);
    k = out.top.k;
    vocab = out.vocab;
    values ??= new Float32Array(T * k);
    indices ??= new BigInt64Array(T * k);
    values.set(out.top.values.subarray(0, (q1 - q0) * k), q0 * k); // [S, k] → rows q0..q1-1 of [T, k]
    indices.set(out.top.indices.subarray(0, (q1 - q0) * k), q0 * k);
    logProbs.set(out.tokenScores.logProbs.subarray(0, q1 - q0), q0);
    higher.set(out.tokenScores.higher.subarray(0, q1 - q0), q0);
    past = q1 < T ? truncatePast(out.present, q1) : null;
  }
  const out: ForwardOutput = {
    logits: null,
    vocab,
    attention: null,
    present: new Map(),
    logProbs: null,
    top: { k, values: values!, indices: indices! },
    tokenScores: { logProbs, higher },
    extra: {},
  };
  return { out, compactMs };
}
