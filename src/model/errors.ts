// Errors the model layer raises. Each says what happened and what the person can do.

export type AttentionLensErrorCode =
  | 'model-folder-missing'
  | 'model-files-missing'
  | 'config-unreadable'
  | 'onnx-unreadable'
  | 'unsupported-architecture'
  | 'fused-attention'
  | 'no-attention'
  | 'empty-input'
  | 'runtime-failure'
  | 'disposed'
  | 'bad-model-id'
  | 'download-failed'
  | 'download-blocked'
  /** A view of the model's internals (value norms, rollout, logit lens, ablation) needs a part the graph lacks. */
  | 'internals-missing'
  /** A model folder's corpus Markov models (markov/) are unreadable or fitted on another vocabulary. */
  | 'corpus-markov-invalid';

/** A failure a person can understand and act on; `code` lets callers branch without parsing text. */
export class AttentionLensError extends Error {
  constructor(
    readonly code: AttentionLensErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AttentionLensError';
  }
}

export { CancelledError, isCancelled, throwIfAborted } from '../base/cancel';
