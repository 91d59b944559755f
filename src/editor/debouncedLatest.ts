// Debounce + latest-wins for requests keyed by what they ask (the live probe's prefix, the surprisal
// range): an unchanged key runs nothing, a newer key aborts the older one, and only the newest
// request's result is ever delivered, so results can never arrive out of order. No vscode import.

/** Timer functions, injectable so tests can drive time by hand. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DebouncedLatestOptions<K, R> {
  /** Read on every request so a changed setting applies at once. */
  delayMs: () => number;
  same: (a: K, b: K) => boolean;
  run: (key: K, signal: AbortSignal) => Promise<R>;
  onResult: (key: K, result: R) => void;
  /** Called for real failures only: aborted or superseded requests are dropped silently. */
  onError: (key: K, error: unknown) => void;
  timers?: Timers;
}

export class DebouncedLatest<K, R> {
  private lastKey: K | undefined;
  private timer: unknown;
  private controller: AbortController | undefined;
  /** Increases with every started run; a result is delivered only if its number is still the latest. */
  private seq = 0;
  private readonly timers: Timers;
  /** Runs started / results delivered, for tests and diagnostics. */
  started = 0;
  delivered = 0;

  constructor(private readonly opts: DebouncedLatestOptions<K, R>) {
    this.timers = opts.timers ?? realTimers;
  }

  /** Asks for `key`; returns false (and does nothing) when it equals the last key asked for. */
  request(key: K): boolean {
    if (this.lastKey !== undefined && this.opts.same(this.lastKey, key)) return false;
    this.lastKey = key;
    this.cancel();
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.start(key);
    }, Math.max(0, this.opts.delayMs()));
    return true;
  }

  /** Forgets the last key, so the next request runs even if it is unchanged (new model, new settings). */
  reset(): void {
    this.lastKey = undefined;
  }

  /** Drops the pending request and aborts the running one; its result will not be delivered. */
  cancel(): void {
    if (this.timer !== undefined) {
      this.timers.clear(this.timer);
      this.timer = undefined;
    }
    this.seq++; // anything still running is now stale
    this.controller?.abort();
    this.controller = undefined;
  }

  dispose(): void {
    this.cancel();
    this.lastKey = undefined;
  }

  private start(key: K): void {
    const mine = ++this.seq;
    const controller = new AbortController();
    this.controller = controller;
    this.started++;
    let promise: Promise<R>;
    try {
      promise = this.opts.run(key, controller.signal);
    } catch (err) {
      promise = Promise.reject(err);
    }
    promise.then(
      (result) => {
        if (mine !== this.seq || controller.signal.aborted) return;
        this.controller = undefined;
        this.delivered++;
        this.opts.onResult(key, result);
      },
      (err: unknown) => {
        if (mine !== this.seq || controller.signal.aborted) return;
        this.controller = undefined;
        this.lastKey = undefined; // let the same request be tried again
        this.opts.onError(key, err);
      },
    );
  }
}
