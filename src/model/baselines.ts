// The selection as a compression problem: bits per UTF-8 byte of the analysed text under the
// model, under LZ77-family compressors (deflate level 9, brotli quality 11) and under adaptive
// order-k Markov models on the model's own tokens (src/common/markov.ts).
import { brotliCompressSync, constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { adaptiveMarkovBits, bestOrder } from '../common/markov';
import type { AnalysisResult, CorpusMarkov } from './types';

/** Markov orders in the table (markov1 … markov4). */
export const MARKOV_ORDERS = 4;


export interface Baselines {
  /** UTF-8 bytes of the analysed text (what every row codes). */
  bytes: number;
  /** Bits per byte by coder: model (causal models only), deflate, brotli, markov1…markov4, corpusMarkovN. */
  bitsPerByte: Record<string, number>;
  /** The Markov row (`markovK` or `corpusMarkovK`) with the fewest bits on this text. */
  bestMarkov: string;
  /**
   * Per token: log₂ p under the model minus log₂ p under that best Markov model, [T] (bits;
   * positive where the transformer predicts better); NaN where the model has no prediction. Null for encoders.
   */
  modelMinusMarkov: Float32Array | null;
  ms: number;
}

/** Raw deflate (no zlib header or checksum) at level 9: the LZ77 + Huffman stream alone. */
export function deflateBytes(data: Uint8Array): number {
  return deflateRawSync(data, { level: 9 }).length;
}

/** Brotli at quality 11 (its best; other parameters at their defaults). */
export function brotliBytes(data: Uint8Array): number {
  return brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length;
}

/**
 * The table for one analysis. Tokens the tokenizer adds (special, no text) cost nothing; the
 * model's first real token, which it cannot predict, is charged log₂ V bits (a uniform guess),
 * the same as the Markov models' first token.
 */
export function compressionBaselines(result: AnalysisResult, corpus: CorpusMarkov[] = []): Baselines {
  const t0 = performance.now();
  const text = result.truncated ? result.text.slice(0, result.truncated.shownChars) : result.text;
  const data = new TextEncoder().encode(text);
  const n = Math.max(1, data.length);
  const ids = result.tokens.map((t) => t.id);
  const coded = (i: number) => !result.tokens[i]!.special;
  const V = result.model.vocabSize;
  const bitsPerByte: Record<string, number> = {};
  const causal = result.model.kind === 'decoder';
  if (causal) {
    let bits = 0;
    result.tokens.forEach((t, i) => { if (coded(i)) bits += t.logprob === null ? Math.log2(V) : -t.logprob / Math.LN2; });
    bitsPerByte.model = bits / n;
  }
  bitsPerByte.deflate = (8 * deflateBytes(data)) / n;
  bitsPerByte.brotli = (8 * brotliBytes(data)) / n;
  const markov = adaptiveMarkovBits(ids, V, MARKOV_ORDERS); // [k − 1][T]
  const { totals, best } = bestOrder(markov, coded);
  totals.forEach((bits, k) => { bitsPerByte[`markov${k + 1}`] = bits / n; });
  let bestMarkov = `markov${best}`;
  let chain = markov[best - 1]!; // [T] code lengths of the best chain
  for (const c of corpus) {
    const lengths = c.codeLengths(ids);
    const key = `corpusMarkov${c.order}`;
    bitsPerByte[key] = lengths.reduce((s, x, i) => (coded(i) ? s + x : s), 0) / n;
    if (bitsPerByte[key]! < bitsPerByte[bestMarkov]!) { bestMarkov = key; chain = lengths; }
  }
  let modelMinusMarkov: Float32Array | null = null;
  if (causal) {
    modelMinusMarkov = Float32Array.from(result.tokens, (t, i) => (t.logprob === null || !coded(i) ? NaN : t.logprob / Math.LN2 + chain[i]!));
  }
  return { bytes: data.length, bitsPerByte, bestMarkov, modelMinusMarkov, ms: performance.now() - t0 };
}
