// LoadedModels whose ONNX sessions live in the model worker thread. onnxruntime-node's run is
// synchronous: on the extension host's thread it stops every timer, message and keystroke handler
// for as long as a forward takes (seconds at GPT-2-small size). Here the host only posts requests
// and receives results; typed arrays arrive by transfer, and release() transfers the attention
// back to the worker's pool. Calls keep the model's queue semantics on this side (serial turns,
// a call inside a turn runs in it; see LoadedModel.serial); the worker's own queue orders what
// arrives there. Cancellation: an aborted call still waiting here is never posted; one posted has
// its shared flag set, which the worker reads before and between runs, and is answered at once.
import { SerialQueue } from '../../base/serialQueue';
import { AttentionLensError, CancelledError, type AttentionLensErrorCode } from '../errors';
import type {
  AnalysisResult, AnalyzeOptions, ContextReach, CorpusMarkov, HeadRef, InternalsRequest, InternalsResult, LoadedModel, LoadOptions, MaskedPrediction, ModelInfo, ModelSpec, ProbeOptions, ProbeResult, ReachOptions,
} from '../types';
import type { AnalysisPayload, Call, CallResults, FromWorker, WireError } from './protocol';
import { modelThread as thread } from './thread';
import { corpusMarkovLoader } from '../corpusMarkov';
import { withRecompute } from '../recompute';

function rebuild(e: WireError): Error {
  if (e.name === 'CancelledError') return new CancelledError(e.message);
  if (e.name === 'AttentionLensError' && e.code) return new AttentionLensError(e.code as AttentionLensErrorCode, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** Loads `spec` in the model worker thread (same options as loadModel); resolves when it is ready there. */
export function loadModelInWorker(spec: ModelSpec, opts: LoadOptions = {}): Promise<LoadedModel> {
  const id = thread.newModelId();
  const { onProgress, ...rest } = opts;
  return new Promise<LoadedModel>((resolve, reject) => {
    thread.hold();
    const settle = () => { thread.forget(id); thread.done(); };
    thread.listen(id, {
      message: (m) => {
        if (m.type === 'loadProgress') onProgress?.(m.message);
        else if (m.type === 'loadFailed') { settle(); reject(rebuild(m.error)); }
        else if (m.type === 'loaded') { settle(); resolve(new WorkerModel(id, m.info, m.vocab)); }
      },
      gone: (err) => { settle(); reject(err); },
    });
    try {
      thread.post({ type: 'load', model: id, spec, opts: rest });
    } catch (err) {
      settle();
      reject(err);
    }
  });
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  progress?: (done: number, total: number) => void;
  /** The caller stopped waiting (aborted): a late analysis gives its buffer straight back. */
  abandoned: boolean;
  /** Stops listening to the caller's signal. */
  done: () => void;
}

export class WorkerModel implements LoadedModel {
  private readonly queue = new SerialQueue();
  private readonly pending = new Map<number, Pending>();
  private nextCall = 1;
  private heads: HeadRef[] = [];
  /** Why the worker can no longer answer for this model (disposed or stopped); null while it can. */
  private gone: Error | null = null;
  private disposing: Promise<void> | null = null;
  private onDisposed: (() => void) | null = null;

  /** Chains fitted on the training corpus: files and plain arithmetic, no runtime, so read here (on first call). */
  readonly corpusMarkov: () => CorpusMarkov[];

  constructor(private readonly id: number, readonly info: ModelInfo, private readonly vocab: (string | null)[]) {
    thread.listen(id, { message: (m) => this.onMessage(m), gone: (err) => this.fail(err) });
    this.corpusMarkov = corpusMarkovLoader(info.path, info.vocabSize);
  }

  serial<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.gone ?? this.disposing) return Promise.reject(this.unavailable());
    return this.queue.run(task, signal);
  }

  async analyze(text: string, opts: AnalyzeOptions): Promise<AnalysisResult> {
    const { signal, attentionRows, ...rest } = opts;
    if (attentionRows) throw new AttentionLensError('runtime-failure', 'attentionRows needs the model in this thread (loadModel): a function cannot cross to the model worker.');
    const result = this.withRelease(await this.queued({ method: 'analyze', text, opts: rest }, signal));
    if (result.keptLayers !== undefined) {
      withRecompute(result, (ids, layers, headsOff, abort) => this.queued({ method: 'recomputeLayers', ids: ids.slice(), layers: layers.slice(), headsOff: headsOff.map((x) => ({ ...x })) }, abort));
    }
    return result;
  }

  probe(prefix: string, opts: ProbeOptions): Promise<ProbeResult> {
    const { signal, ...rest } = opts;
    return this.queued({ method: 'probe', prefix, opts: rest }, signal);
  }

  continueGreedy(prefix: string, nTokens: number, signal?: AbortSignal): Promise<string> {
    return this.queued({ method: 'continueGreedy', prefix, nTokens }, signal);
  }

  predictMasked(text: string, tokenIndex: number, topK: number, signal?: AbortSignal): Promise<MaskedPrediction> {
    return this.queued({ method: 'predictMasked', text, tokenIndex, topK }, signal);
  }

  internals(text: string, request: InternalsRequest): Promise<InternalsResult> {
    const { signal, ...rest } = request;
    return this.queued({ method: 'internals', text, request: rest }, signal);
  }

  async setHeadsOff(heads: HeadRef[]): Promise<void> {
    await this.queued({ method: 'setHeadsOff', heads: heads.map((h) => ({ layer: h.layer, head: h.head })) }, undefined);
    this.heads = heads.map((h) => ({ layer: h.layer, head: h.head }));
  }

  get headsOff(): HeadRef[] {
    return this.heads.slice();
  }

  /** Not queued here: in the worker each of its runtime calls is a turn of its own, so probes and analyses get theirs in between. */
  contextReach(ids: readonly number[], opts: ReachOptions = {}): Promise<ContextReach> {
    const { signal, onProgress, ...rest } = opts;
    if (this.disposing) return Promise.reject(this.unavailable());
    return this.call({ method: 'contextReach', ids: ids.slice(), opts: rest }, signal, onProgress);
  }

  tokenText(id: number): string {
    const text = Number.isInteger(id) ? this.vocab[id] : undefined;
    if (text == null) throw new AttentionLensError('runtime-failure', `${this.info.name} has no vocabulary entry ${id}.`);
    return text;
  }

  /** After the calls queued before it, the worker drops this model's sessions; later calls fail with 'disposed'. */
  dispose(): Promise<void> {
    this.disposing ??= this.queue.run(async () => {
      if (this.gone) return;
      thread.hold();
      try {
        await new Promise<void>((resolve) => {
          this.onDisposed = resolve;
          thread.post({ type: 'dispose', model: this.id });
        });
      } finally {
        thread.done();
        this.fail(new AttentionLensError('disposed', `${this.info.name} was unloaded; load it again.`));
      }
    });
    return this.disposing;
  }

  private unavailable(): Error {
    return this.gone ?? new AttentionLensError('disposed', `${this.info.name} was unloaded; load it again.`);
  }

  /** A call in this side's queue: after earlier calls (or at once inside a turn); never posted when aborted while it waits. */
  private queued<M extends Call['method']>(call: Extract<Call, { method: M }>, signal: AbortSignal | undefined): Promise<CallResults[M]> {
    return this.serial(() => this.call(call, signal), signal);
  }

  /** Posts a call at once. A disposal only refuses calls that arrive after it (serial() does): those queued before it still run. */
  private call<M extends Call['method']>(call: Extract<Call, { method: M }>, signal: AbortSignal | undefined, progress?: (done: number, total: number) => void): Promise<CallResults[M]> {
    if (this.gone) return Promise.reject(this.gone);
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextCall++;
    const cancel = new SharedArrayBuffer(4);
    return new Promise<CallResults[M]>((resolve, reject) => {
      const onAbort = () => {
        Atomics.store(new Int32Array(cancel), 0, 1); // the worker skips the call, or stops at its next check
        if (entry.abandoned) return;
        entry.abandoned = true;
        reject(new CancelledError());
      };
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject, progress, abandoned: false, done: () => signal?.removeEventListener('abort', onAbort) };
      this.pending.set(id, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      thread.hold();
      thread.post({ type: 'call', model: this.id, id, call, cancel });
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'disposed') { this.onDisposed?.(); return; }
    if (m.type === 'callProgress') { const e = this.pending.get(m.id); if (e && !e.abandoned) e.progress?.(m.done, m.total); return; }
    if (m.type !== 'result' && m.type !== 'failed') return;
    const entry = this.pending.get(m.id);
    if (!entry) return;
    this.pending.delete(m.id);
    thread.done();
    entry.done();
    if (m.type === 'failed') { if (!entry.abandoned) entry.reject(rebuild(m.error)); return; }
    if (!entry.abandoned) { entry.resolve(m.value); return; }
    const late = m.value as Partial<AnalysisPayload>;
    if (late.attention instanceof Float32Array) this.giveBack(late.attention); // nobody will read it
  }

  /** The worker's analysis as an AnalysisResult whose release() hands the attention buffer back to the worker. */
  private withRelease(payload: AnalysisPayload): AnalysisResult {
    let released = false;
    const result: AnalysisResult = {
      ...payload,
      release: () => {
        if (released) return;
        released = true;
        // Compact: the kept layers' codes (one buffer when computed in blocks) go back instead.
        const pooled = result.stored?.find((s) => s instanceof Uint8Array && s.length > 0) ?? result.attention;
        result.attention = new Float32Array(0); // a stale reader fails on sizes instead of showing another analysis
        if (result.stored) result.stored = result.stored.map(() => new Uint8Array(0));
        this.giveBack(pooled);
      },
    };
    return result;
  }

  private giveBack(attention: ArrayBufferView): void {
    if (this.gone || this.disposing || attention.buffer.byteLength === 0) return;
    const buffer = attention.buffer as ArrayBuffer;
    thread.post({ type: 'release', model: this.id, buffer }, [buffer]);
  }

  private fail(err: Error): void {
    if (this.gone) return;
    this.gone = err;
    thread.forget(this.id);
    for (const [, entry] of this.pending) {
      thread.done();
      entry.done();
      if (!entry.abandoned) entry.reject(err);
    }
    this.pending.clear();
    this.onDisposed?.();
  }
}
