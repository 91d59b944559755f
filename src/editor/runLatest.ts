// Latest-wins for explicit commands (Inspect Selection): a newer call aborts the older one, and an
// older call that still finishes is turned into a CancelledError, so only the newest result shows.
import { CancelledError } from '../model/errors';

/** Runs `fn` so that a newer call cancels an older one and only the newest result is returned. */
export type RunLatest = <T>(fn: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export function createRunLatest(): RunLatest {
  let seq = 0;
  let controller: AbortController | undefined;
  return async <T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    controller?.abort();
    const mine = ++seq;
    const own = new AbortController();
    controller = own;
    try {
      const result = await fn(own.signal);
      if (mine !== seq) throw new CancelledError();
      return result;
    } catch (err) {
      if (mine !== seq) throw new CancelledError();
      throw err;
    } finally {
      if (controller === own) controller = undefined;
    }
  };
}
