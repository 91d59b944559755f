// The one model the editor features share, as plain state: loads lazily and once per folder, keeps
// the previous model when a new folder fails, and runs each call in the model's own queue (see
// LoadedModel.serial), so a replaced model, disposed through that queue, goes only after the calls
// queued before it. No vscode import: unit-tested with fakes.
import { CancelledError } from '../base/cancel';
import type { LoadedModel, ModelSpec } from '../model';

/** What the slot needs of a model: its queue and dispose (which waits its turn in that queue). */
export type SlotModel = Pick<LoadedModel, 'serial' | 'dispose'>;

export interface ModelSlotHooks<M> {
  load(spec: ModelSpec): Promise<M>;
  /** A new model is in use. */
  loaded?(model: M, spec: ModelSpec): void;
  /** `spec` failed to load; `previous` stays in use. */
  keptPrevious?(error: unknown, spec: ModelSpec, previous: ModelSpec): void;
}

export class ModelSlot<M extends SlotModel> {
  private current: { spec: ModelSpec; model: M } | undefined;
  private loading: { path: string; promise: Promise<M> } | undefined;
  /** A folder that failed while an older model stayed in use: not retried until reset. */
  private failedPath: string | undefined;
  /** The last load that failed with no model to fall back on. */
  private failure: { path: string; error: unknown } | undefined;
  private disposed = false;

  constructor(private readonly hooks: ModelSlotHooks<M>) {}

  /** The model in use, if one is loaded; never starts a load. */
  peek(): M | undefined {
    return this.current?.model;
  }

  /** The model for `spec`, loading it (once) when needed. */
  get(spec: ModelSpec): Promise<M> {
    const cur = this.current;
    if (cur && (cur.spec.path === spec.path || this.failedPath === spec.path)) return Promise.resolve(cur.model);
    if (this.loading?.path === spec.path) return this.loading.promise;
    return this.startLoad(spec);
  }

  /**
   * Runs `fn` with the model for `spec()` in one turn of that model's queue, after every earlier
   * call finished (calls share the model's cached past key values). A call aborted while it waited
   * does not run. Background calls do not retry a folder that just failed with nothing to fall
   * back on; explicit ones do.
   */
  async run<T>(spec: () => ModelSpec, fn: (model: M) => Promise<T>, signal?: AbortSignal, opts: { background?: boolean } = {}): Promise<T> {
    if (signal?.aborted || this.disposed) throw new CancelledError();
    const s = spec();
    if (opts.background && this.failure && this.failure.path === s.path) throw this.failure.error;
    let model = await this.get(s);
    // A switch finished while this call waited for its model: the old one is on its way out.
    if (this.current && this.current.model !== model) model = await this.get(spec());
    if (signal?.aborted) throw new CancelledError();
    const chosen = model;
    return chosen.serial(() => fn(chosen), signal);
  }

  /** The setting changed: forget failures; load `spec` now if a model was in use (else stay lazy). */
  settingChanged(spec: ModelSpec): Promise<M> | undefined {
    this.failedPath = undefined;
    this.failure = undefined;
    if (!this.current && !this.loading) return undefined;
    return this.get(spec);
  }

  /** Loads `spec` again even if it is the folder in use (e.g. after fixing its files). */
  reload(spec: ModelSpec): Promise<M> {
    this.failedPath = undefined;
    this.failure = undefined;
    return this.startLoad(spec);
  }

  dispose(): void {
    this.disposed = true;
    const cur = this.current;
    this.current = undefined;
    if (cur) void cur.model.dispose();
  }

  private startLoad(spec: ModelSpec): Promise<M> {
    const promise = this.load(spec);
    this.loading = { path: spec.path, promise };
    const clear = () => {
      if (this.loading?.promise === promise) this.loading = undefined;
    };
    promise.then(clear, clear);
    return promise;
  }

  /** Loads `spec`; on failure returns the model loaded before, if any. */
  private async load(spec: ModelSpec): Promise<M> {
    let model: M;
    try {
      model = await this.hooks.load(spec);
    } catch (err) {
      const previous = this.current;
      if (err instanceof CancelledError) throw err;
      if (!previous) {
        this.failure = { path: spec.path, error: err };
        throw err;
      }
      this.failedPath = spec.path;
      this.hooks.keptPrevious?.(err, spec, previous.spec);
      return previous.model;
    }
    if (this.disposed) {
      void model.dispose();
      throw new CancelledError('Shut down while the model loaded.');
    }
    const old = this.current;
    this.current = { spec, model };
    this.failedPath = undefined;
    this.failure = undefined;
    if (old && old.model !== model) void old.model.dispose(); // after the calls queued before it
    this.hooks.loaded?.(model, spec);
    return model;
  }

}
