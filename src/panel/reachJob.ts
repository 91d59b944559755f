// Context reach and the compression table for the analysis the panel shows, computed after its
// header has gone out (the heatmap never waits for them). Reach runs in the model's queue one
// batch at a time, reports progress, and stops when cancelled or when another analysis replaces
// this one. Pure (no vscode import): the panel and the webview tests' stand-in host share it.
import type { BaselinesMessage, HostToWebview, ReachMessage } from '../common/protocol';
import { lz77Parse } from '../common/lz77';
import { compressionBaselines, isCancelled, type AnalysisResult, type ContextReach, type CorpusMarkov, type ReachOptions } from '../model/index';

/** Runs reach on the model that made the analysis (the inspect command passes the loaded model's). */
export type ReachFn = (ids: readonly number[], opts: ReachOptions) => Promise<ContextReach>;

/** Progress messages at most this often. */
const PROGRESS_MS = 100;
/** Begin this long after the header when the first view asks for no attention data. */
const FALLBACK_MS = 300;

export class ReachJob {
  private baselines: BaselinesMessage | null = null;
  private reach: ReachMessage | null = null;
  private controller: AbortController | null = null;
  private disposed = false;
  private cancelled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly analysisId: number,
    private readonly result: AnalysisResult,
    private readonly reachFn: ReachFn | undefined,
    private readonly post: (m: HostToWebview) => void,
    /** The analysing model's corpus-fitted chains (LoadedModel.corpusMarkov); may throw. */
    private readonly corpusMarkov: () => CorpusMarkov[] = () => [],
  ) {}

  /**
   * The header went out. The table and reach wait until the first view's data has gone out too
   * (dataSent), or FALLBACK_MS for views that ask for none: each reach batch holds the host's
   * event loop for tens of ms, and the first heatmap must not wait behind one.
   */
  headerSent(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.begin(), FALLBACK_MS);
  }

  /** The panel answered a data request: begin on the next turn if still waiting. */
  dataSent(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.begin(), 0);
  }

  /** Sends the table (and reach's last state), then starts reach. */
  private begin(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.disposed) return;
    for (const m of this.replay()) this.post(m);
    this.startReach();
  }

  /** The bits-per-byte table and LZ parse (computed once). */
  baselinesMessage(): BaselinesMessage {
    if (!this.baselines) {
      let corpus: CorpusMarkov[] = [];
      let note: string | undefined;
      try { corpus = this.corpusMarkov(); } catch (err) { note = err instanceof Error ? err.message : String(err); }
      const b = compressionBaselines(this.result, corpus);
      const matches = lz77Parse(this.result.tokens.map((t) => t.id));
      const lz = new Int32Array(matches.length * 3); // [M, 3]
      matches.forEach((m, i) => lz.set([m.start, m.source, m.length], i * 3));
      this.baselines = { type: 'baselines', analysisId: this.analysisId, bytes: b.bytes, bitsPerByte: b.bitsPerByte, bestMarkov: b.bestMarkov, modelMinusMarkov: b.modelMinusMarkov, lz, ...(note ? { note } : {}) };
    }
    return this.baselines;
  }

  /**
   * Starts reach unless it has a result or is running; encoders get the "causal models only" note.
   * After the person cancelled it, only an explicit request (`asked`) starts it again.
   */
  startReach(asked = false, maxContext?: number): void {
    if (this.disposed || this.controller || this.reach?.state === 'done' || (this.cancelled && !asked)) return;
    this.cancelled = false;
    if (this.result.model.kind !== 'decoder' || !this.reachFn) {
      const why = this.result.model.kind !== 'decoder'
        ? `${this.result.model.name} is an encoder (bidirectional): context reach is for causal models only.`
        : 'Context reach is not available for this analysis.';
      this.send({ type: 'reach', analysisId: this.analysisId, state: 'unavailable', message: why });
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    let last = 0;
    const onProgress = (done: number, total: number) => {
      const now = performance.now();
      if (done < total && now - last < PROGRESS_MS) return;
      last = now;
      if (!controller.signal.aborted) this.send({ type: 'reach', analysisId: this.analysisId, state: 'running', done, total });
    };
    this.reachFn(this.result.tokens.map((t) => t.id), { maxContext, signal: controller.signal, onProgress }).then(
      (r) => {
        if (controller.signal.aborted) return;
        this.send({ type: 'reach', analysisId: this.analysisId, state: 'done', maxContext: r.maxContext, prefix: r.prefix, logProbs: r.logProbs, full: r.full, reach: r.reach, ms: r.ms });
      },
      (err: unknown) => {
        if (this.disposed) return;
        const message = isCancelled(err) ? 'Context reach was cancelled; ask for it again to compute it.' : `Context reach failed: ${err instanceof Error ? err.message : String(err)}`;
        this.send({ type: 'reach', analysisId: this.analysisId, state: 'unavailable', message });
      },
    ).finally(() => { if (this.controller === controller) this.controller = null; });
  }

  cancelReach(): void {
    this.cancelled = true;
    this.controller?.abort();
  }

  /** What a reloaded webview needs again (the table, and reach's last state). */
  replay(): HostToWebview[] {
    return [this.baselinesMessage(), ...(this.reach ? [this.reach] : [])];
  }

  /** The analysis is no longer shown: stop, and send nothing more. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  private send(m: ReachMessage): void {
    if (this.disposed) return;
    this.reach = m;
    this.post(m);
  }
}
