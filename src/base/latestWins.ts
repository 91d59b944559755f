// The one latest-wins scheduler: each new request supersedes the one before. A superseded request
// that has not started never starts; one that is running gets its signal aborted and its result
// discarded (an ONNX run cannot be interrupted). Either way its promise rejects with
// CancelledError, so callers only ever see the newest result, never out of order.
//
// Two ways in: run(task) starts once the task before it has settled (Inspect Selection: never two
// analyses at once), and request(key, task) first waits for a quiet period and runs nothing when
// the key is unchanged (the live probe's prefix, the surprisal range); it starts as soon as the
// quiet period ends, since the model's own queue orders the runs.
import { CancelledError } from './cancel';

/** Timer functions, injectable so tests can drive time by hand. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LatestWinsOptions<K> {
  /** request(): the quiet period, read on every request so a changed setting applies at once. */
  delayMs?: () => number;
  /** request(): keys that ask the same thing (an unchanged key runs nothing). */
  same?: (a: K, b: K) => boolean;
  timers?: Timers;
}

export class LatestWins<K = never> {
  private controller: AbortController | undefined;
  /** Increases with every request; a result is delivered only if its number is still the latest. */
  private seq = 0;
  /** Settles when the task started last has finished. */
  private running: Promise<unknown> = Promise.resolve();
  private lastKey: K | undefined;
  private timer: { handle: unknown; cancel: () => void } | undefined;
  private readonly timers: Timers;
  /** Tasks started / results delivered, for tests and diagnostics. */
  started = 0;
  delivered = 0;

  constructor(private readonly opts: LatestWinsOptions<K> = {}) {
    this.timers = opts.timers ?? realTimers;
  }

  /** Runs `task` after the running one finishes, unless a newer request arrives first. */
  run<R>(task: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const { mine, signal } = this.supersede();
    const result = this.running.then(() => {
      if (mine !== this.seq) throw new CancelledError();
      return this.start(() => task(signal));
    });
    return this.deliver(mine, signal, result);
  }

  /**
   * Asks for `key`: after the quiet period `task` runs with it, unless a newer request came first.
   * Returns undefined (and does nothing) when `key` is the same as the last key asked for.
   */
  request<R>(key: K, task: (key: K, signal: AbortSignal) => Promise<R>): Promise<R> | undefined {
    if (this.lastKey !== undefined && (this.opts.same ?? Object.is)(this.lastKey, key)) return undefined;
    this.lastKey = key;
    const { mine, signal } = this.supersede();
    const result = new Promise<R>((resolve, reject) => {
      const handle = this.timers.set(() => {
        this.timer = undefined;
        resolve(this.start(() => task(key, signal)));
      }, Math.max(0, this.opts.delayMs?.() ?? 0));
      this.timer = { handle, cancel: () => reject(new CancelledError()) };
    });
    return this.deliver(mine, signal, result);
  }

  /** Forgets the last key, so the next request runs even if it is unchanged (new model, new settings). */
  reset(): void {
    this.lastKey = undefined;
  }

  /** Drops the waiting request and aborts the running one: their promises reject with CancelledError. */
  cancel(): void {
    this.seq++; // anything still running is now stale
    this.controller?.abort();
    this.controller = undefined;
    const timer = this.timer;
    this.timer = undefined;
    if (timer) {
      this.timers.clear(timer.handle);
      timer.cancel();
    }
  }

  dispose(): void {
    this.cancel();
    this.lastKey = undefined;
  }

  private supersede(): { mine: number; signal: AbortSignal } {
    this.cancel();
    const controller = new AbortController();
    this.controller = controller;
    return { mine: this.seq, signal: controller.signal };
  }

  private start<R>(task: () => Promise<R>): Promise<R> {
    this.started++;
    let promise: Promise<R>;
    try {
      promise = task();
    } catch (err) {
      promise = Promise.reject(err);
    }
    this.running = promise.catch(() => undefined);
    return promise;
  }

  /** The newest request's outcome; CancelledError for any other. */
  private deliver<R>(mine: number, signal: AbortSignal, result: Promise<R>): Promise<R> {
    const stale = () => mine !== this.seq || signal.aborted;
    return result.then(
      (value) => {
        if (stale()) throw new CancelledError();
        this.delivered++;
        return value;
      },
      (err: unknown) => {
        if (stale()) throw new CancelledError();
        this.lastKey = undefined; // let the same request be tried again
        throw err;
      },
    );
  }
}
