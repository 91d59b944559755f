// Messages between WorkerModels (the extension host's side, client.ts) and the one worker thread
// that owns every model's ONNX sessions (main.ts); `model` names which loaded model a message is
// about. Typed arrays cross by transfer, never by copy. Each call carries a one-int
// SharedArrayBuffer that the host sets to 1 to cancel it: the worker reads it without its event
// loop, which a synchronous ONNX run blocks (a "cancel" message would arrive too late).
import type {
  AnalysisResult, AnalyzeOptions, ContextReach, HeadRef, InternalsRequest, InternalsResult, LoadOptions, MaskedPrediction, ModelInfo, ModelSpec, ProbeOptions, ProbeResult, ReachOptions,
} from '../types';

/** An AnalysisResult as it crosses: everything but its functions, release() and recompute(). */
export type AnalysisPayload = Omit<AnalysisResult, 'release' | 'recompute'>;

export type Call =
  | { method: 'analyze'; text: string; opts: Omit<AnalyzeOptions, 'signal'> }
  | { method: 'probe'; prefix: string; opts: Omit<ProbeOptions, 'signal'> }
  | { method: 'continueGreedy'; prefix: string; nTokens: number }
  | { method: 'predictMasked'; text: string; tokenIndex: number; topK: number }
  | { method: 'internals'; text: string; request: Omit<InternalsRequest, 'signal'> }
  | { method: 'setHeadsOff'; heads: HeadRef[] }
  /** Dropped layers of an analysis (its token ids, its heads off) computed again, as codes. */
  | { method: 'recomputeLayers'; ids: number[]; layers: number[]; headsOff: HeadRef[] }
  | { method: 'contextReach'; ids: number[]; opts: Omit<ReachOptions, 'signal' | 'onProgress'> };

export interface CallResults {
  analyze: AnalysisPayload;
  probe: ProbeResult;
  continueGreedy: string;
  predictMasked: MaskedPrediction;
  internals: InternalsResult;
  setHeadsOff: void;
  recomputeLayers: Uint8Array[];
  contextReach: ContextReach;
}

export type ToWorker =
  | { type: 'load'; model: number; spec: ModelSpec; opts: Omit<LoadOptions, 'onProgress'> }
  | { type: 'call'; model: number; id: number; call: Call; cancel: SharedArrayBuffer }
  /** An analysis's attention buffer the host no longer reads, for the next analysis to fill. */
  | { type: 'release'; model: number; buffer: ArrayBuffer }
  | { type: 'dispose'; model: number };

/** An error as it crosses: enough to rebuild AttentionLensError and CancelledError on the host. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export type FromWorker =
  | { type: 'loadProgress'; model: number; message: string }
  /** `vocab[id]` is the display text of each vocabulary id (null where the tokenizer has none). */
  | { type: 'loaded'; model: number; info: ModelInfo; vocab: (string | null)[] }
  | { type: 'loadFailed'; model: number; error: WireError }
  /** A context-reach call's progress (windows done of total). */
  | { type: 'callProgress'; model: number; id: number; done: number; total: number }
  | { type: 'result'; model: number; id: number; value: CallResults[Call['method']] }
  | { type: 'failed'; model: number; id: number; error: WireError }
  | { type: 'disposed'; model: number };
