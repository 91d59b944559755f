// Cancellation, shared by every host layer: a request superseded by a newer one (or aborted)
// rejects with CancelledError, and callers drop it silently.

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
