// The model layer's public API. Everything outside src/model imports from here (the dependency
// test in test/unit/layers.test.ts enforces it). No vscode imports in this folder.
//
//   resolveModelSetting(setting, ctx): ModelSpec      `bundled`, a folder or a Hub id (setting and CLI)
//   loadModel(spec: { name, path }, opts?: { cacheDir?, quantized?, onProgress? }): Promise<LoadedModel>
//     Loads a transformers.js-layout folder offline; exposes attention by graph surgery
//     (cached under cacheDir by source hash). Rejects with AttentionLensError (see `code`).
//   loadModelInWorker(spec, opts?)                   the same LoadedModel with its ONNX sessions in the one model
//                                                        worker thread: the caller's event loop never waits on a run
//   loadHubModel(id, opts): Promise<LoadedModel>     downloads a Hub model once, then loadModel (or opts.load)
//   LoadedModel
//     info: ModelInfo                                   kind, layers, heads, context, vocab
//     analyze(text, { topK, maxTokens, signal? })       → AnalysisResult (tokens + ranges,
//                                                        attention [L, H, T, T], top-k, truncation)
//     probe(prefix, { topK, temperature?, signal?, useCache? }) → ProbeResult (reuses past keys/values)
//     continueGreedy(prefix, nTokens, signal?)          → string (greedy continuation)
//     predictMasked(text, tokenIndex, topK, signal?)    → MaskedPrediction (encoders only)
//     internals(text, { valueNorms?, rollout?, logitLens?: k, ablation?, maxTokens, signal? })
//                                                       → InternalsResult (value norms [L, H, T], rollout [T, T],
//                                                        lens top-k [L, T, k], ablation [L, H, T]; each view
//                                                        in a session of its own, built on first request)
//     contextReach(ids, { maxContext?, signal?, onProgress? }) → ContextReach (decoders only:
//                                                        ln p(token | last k tokens), k = 1..K, and each token's reach)
//     tokenText(id)                                     → display text of a vocabulary id
//     corpusMarkov()                                    → CorpusMarkov[] fitted on its training corpus (<model>/markov/; [] if none)
//     dispose()
//   writeAnalysisJson(result, write, extras?) / analysisJsonPieces: the CLI's and the panel's JSON export,
//                                                        streamed; extras.attentionFile names a .npy instead of inlining
//   writeNpy(file, data, shape, 'float32' | 'float16')  attention as a NumPy .npy file
//   attentionLayers(result)                          an analysis's attention one layer at a time, whole or compact
//                                                        (analyze's attentionMemoryMB keeps it as 3 bytes a value above the budget,
//                                                        and only as many layers as the budget holds: result.keptLayers)
//   fetchLayers(result, layers) → Promise<LayerFetch>  recomputes the layers an analysis dropped (result.recompute, the
//                                                        model's queue) so attentionLayers(result) reads them right after;
//                                                        missingLayers(result, layers) says which need it (sync)
//   compressionBaselines(result, corpus?) → Baselines: bits per byte under the model, deflate, brotli
//                                                        adaptive order-1..4 Markov models on the tokens, and corpus ones
export { loadModel } from './load';
export { loadModelInWorker } from './worker/client';
export { attentionLayers } from './compactAttention';
export { fetchLayers, missingLayers, touchLayers, type LayerFetch } from './layerStore';
export { bundledModelPath, isDirectory, resolveModelSetting, type ResolveContext } from './modelSpec';
export { analysisJson, analysisJsonPieces, writeAnalysisJson, type JsonExtras, type PieceSink } from './analysisJson';
export { npyHeader, NpyRowsWriter, writeNpy, type NpyDtype } from './npy';
export { copyHeadRows } from './queryBlocks';
export { loadHubModel, describeProgress, type HubLoadOptions } from './hub/load';
export { parseHubId, formatHubId, isExplicitHubId, type HubId } from './hub/id';
export { cachedHubFolder, hubFolder, DEFAULT_REMOTE_HOST, type DownloadProgress } from './hub/download';
export { DEFAULT_REACH_CONTEXT, REACH_TOLERANCE } from './reach';
export { compressionBaselines, MARKOV_ORDERS, type Baselines } from './baselines';
export { AttentionLensError, CancelledError, isCancelled, type AttentionLensErrorCode } from './errors';
export type {
  AnalysisResult, AnalyzeOptions, AttentionRowsSink, ContextReach, CorpusMarkov, HeadRef, InternalsRequest, InternalsResult, InternalsView, LoadedModel, LoadOptions, MaskedPrediction, ModelInfo, ModelKind, ModelSpec, NextToken,
  ProbeOptions, ProbeResult, ReachOptions, TokenInfo, Truncation,
} from './types';
