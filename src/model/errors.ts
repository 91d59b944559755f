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
  | 'download-blocked';

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

/** A request that was superseded by a newer one (or aborted); its result, if any, was discarded. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled: a newer request replaced this one.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isCancelled(err: unknown): err is CancelledError {
  return err instanceof CancelledError;
}

/** Throws CancelledError when the signal was aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
