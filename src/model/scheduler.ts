// Latest-wins scheduling: each new request supersedes the previous one. A superseded request
// that has not started never starts; one that is running gets its signal aborted and its
// result discarded (an ONNX run cannot be interrupted). Either way its promise rejects with
// CancelledError, so callers only ever see the newest result, never out of order.
import { CancelledError } from './errors';

export class LatestWinsRunner {
  private current: AbortController | null = null;
  /** Settles when the task now running (if any) has finished: runs never overlap. */
  private running: Promise<unknown> = Promise.resolve();
  private generation = 0;

  /** Runs `task` after the running one finishes, unless a newer request arrives first. */
  run<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const generation = ++this.generation;

    const result = this.running.then(async () => {
      if (generation !== this.generation) throw new CancelledError();
      return task(controller.signal);
    });
    this.running = result.catch(() => undefined);
    return result.then(
      (value) => {
        if (generation !== this.generation || controller.signal.aborted) throw new CancelledError();
        return value;
      },
      (err: unknown) => {
        if (generation !== this.generation || controller.signal.aborted) throw new CancelledError();
        throw err;
      },
    );
  }

  /** Cancels whatever is queued or running (e.g. when the panel closes). */
  cancel(): void {
    this.generation++;
    this.current?.abort();
    this.current = null;
  }
}
