// The model layer's public API. Everything outside src/model imports from here.
//
//   loadModel(spec: { name, path }, opts?: { cacheDir?, quantized?, onProgress? }): Promise<LoadedModel>
//     Loads a transformers.js-layout folder offline; exposes attention by graph surgery
//     (cached under cacheDir by source hash). Rejects with AttentionLensError (see `code`).
//   LoadedModel
//     info: ModelInfo                                   kind, layers, heads, context, vocab
//     analyze(text, { topK, maxTokens, signal? })       → AnalysisResult (tokens + ranges,
//                                                        attention [L, H, T, T], top-k, truncation)
//     probe(prefix, { topK, temperature?, signal?, useCache? }) → ProbeResult (reuses past keys/values)
//     continueGreedy(prefix, nTokens, signal?)          → string (greedy continuation)
//     predictMasked(text, tokenIndex, topK, signal?)    → MaskedPrediction (encoders only)
//     tokenText(id)                                     → display text of a vocabulary id
//     dispose()
//   LatestWinsRunner: run(signal => task) — a newer run supersedes older ones (CancelledError).
//   bundledModelPath(extensionRoot): the bundled model folder, `<root>/model`.
import path from 'node:path';

export { loadModel } from './load';
export { LatestWinsRunner } from './scheduler';
export { AttentionLensError, CancelledError, isCancelled, type AttentionLensErrorCode } from './errors';
export type {
  AnalysisResult, AnalyzeOptions, LoadedModel, LoadOptions, MaskedPrediction, ModelInfo, ModelKind, ModelSpec, NextToken,
  ProbeOptions, ProbeResult, TokenInfo, Truncation,
} from './types';

/** The bundled model folder inside an extension (or repository) root. */
export function bundledModelPath(extensionRoot: string): string {
  return path.join(extensionRoot, 'model');
}
