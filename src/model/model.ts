// A loaded model: analysis, probing and greedy continuation over one ONNX session, every call
// through the model's one queue.
import { SerialQueue } from '../base/serialQueue';
import { AttentionLensError } from './errors';
import { analyzeText } from './analyze';
import { AttentionPool } from './attentionPool';
import { predictMaskedToken } from './masked';
import { Prober } from './probe';
import type { OnnxSession } from './onnxSession';
import { computeInternals } from './internalsRequest';
import type { Internals } from './internals';
import type { Tokenization } from './tokenize';
import type { AnalysisResult, AnalyzeOptions, ContextReach, CorpusMarkov, HeadRef, InternalsRequest, InternalsResult, LoadedModel, MaskedPrediction, ModelInfo, ProbeOptions, ProbeResult, ReachOptions } from './types';
import { alwaysAddedPrefix, contextReach } from './reach';
import { corpusMarkovLoader } from './corpusMarkov';
import { gatesFor, recomputeLayerCodes, withRecompute } from './recompute';

export class Model implements LoadedModel {
  private readonly prober: Prober;
  /** While heads are switched off: the gated session's runner and a prober of its own (its own cache). */
  private gated: { runner: OnnxSession; prober: Prober; heads: HeadRef[] } | null = null;
  /** Attention buffers of released analyses, filled again by the next ones. */
  private readonly attentionPool = new AttentionPool();
  /** The block buffer of an analysis run in blocks of query rows (queryBlocks.ts), kept for the next. */
  private readonly blockPool = new AttentionPool();
  private disposed = false;
  /** ONNX Runtime runs one at a time; requests queue here in arrival order. */
  private readonly queue = new SerialQueue();
  /** The training corpus's Markov chains, read on first use. */
  readonly corpusMarkov: () => CorpusMarkov[];

  constructor(
    readonly info: ModelInfo,
    private readonly tokens: Tokenization,
    private readonly onnx: OnnxSession,
    private readonly eosIds: number[],
    private readonly internalsViews: Internals,
  ) {
    this.prober = new Prober(info, tokens, onnx, eosIds);
    this.corpusMarkov = corpusMarkovLoader(info.path, info.vocabSize);
  }

  analyze(text: string, opts: AnalyzeOptions): Promise<AnalysisResult> {
    return this.serial(async () => {
      const result = await analyzeText(text, opts, this.info, this.tokens, this.gated?.runner ?? this.onnx, this.attentionPool, this.blockPool);
      if (this.gated) result.headsOff = this.gated.heads.slice();
      if (result.keptLayers !== undefined) withRecompute(result, (ids, layers, heads, signal) => this.recomputeLayers(ids, layers, heads, signal));
      return result;
    }, opts.signal);
  }

  /** Codes of `layers` of the attention of `ids` with `headsOff` off, run again (a dropped layer of an analysis, see recompute.ts). */
  recomputeLayers(ids: readonly number[], layers: readonly number[], headsOff: readonly HeadRef[], signal?: AbortSignal): Promise<Uint8Array[]> {
    return this.serial(async () => {
      const gated = headsOff.length > 0;
      const runner = gated ? await this.internalsViews.gatedRunner() : this.onnx;
      return recomputeLayerCodes(runner, ids, layers, gated ? gatesFor(headsOff, this.info.nLayers, this.info.nHeads) : null, signal);
    }, signal);
  }

  probe(prefix: string, opts: ProbeOptions): Promise<ProbeResult> {
    return this.serial(() => (this.gated?.prober ?? this.prober).probe(prefix, opts), opts.signal);
  }

  continueGreedy(prefix: string, nTokens: number, signal?: AbortSignal): Promise<string> {
    return this.serial(() => (this.gated?.prober ?? this.prober).continueGreedy(prefix, nTokens, signal), signal);
  }

  get headsOff(): HeadRef[] {
    return this.gated?.heads.slice() ?? [];
  }

  /**
   * Switches heads off (their outputs zeroed) for every later analysis, probe and continuation, or
   * all back on with []. Runs through the gated session, built on first use.
   */
  setHeadsOff(heads: HeadRef[]): Promise<void> {
    return this.serial(async () => {
      const L = this.info.nLayers, H = this.info.nHeads;
      const bad = heads.find((x) => !(Number.isInteger(x.layer) && x.layer >= 0 && x.layer < L && Number.isInteger(x.head) && x.head >= 0 && x.head < H));
      if (bad) throw new AttentionLensError('internals-missing', `There is no head L${bad.layer}.H${bad.head} in ${this.info.name} (${L} layers × ${H} heads).`);
      this.gated?.prober.reset();
      if (heads.length === 0) { this.gated = null; return; }
      const runner = await this.internalsViews.gatedRunner();
      runner.headGates = gatesFor(heads, L, H);
      this.gated = { runner, prober: new Prober(this.info, this.tokens, runner, this.eosIds), heads: heads.slice() };
    });
  }

  predictMasked(text: string, tokenIndex: number, topK: number, signal?: AbortSignal): Promise<MaskedPrediction> {
    return this.serial(() => predictMaskedToken(text, tokenIndex, topK, this.info, this.tokens, this.onnx, signal), signal);
  }

  internals(text: string, request: InternalsRequest): Promise<InternalsResult> {
    return this.serial(() => computeInternals(text, request, this.info, this.tokens, this.internalsViews));
  }

  contextReach(ids: readonly number[], opts: ReachOptions = {}): Promise<ContextReach> {
    if (this.info.kind !== 'decoder' || !this.onnx.hasLogits) {
      return Promise.reject(new AttentionLensError('unsupported-architecture', `${this.info.name} is an encoder (bidirectional) model: context reach is for causal models only, whose prediction of a token sees only the tokens before it.`));
    }
    const prefix = alwaysAddedPrefix(ids, this.tokens.leadingIds);
    // Each runtime call is its own task on the queue, so a probe or an analysis waits for one call at most.
    return contextReach(ids, prefix, this.onnx, (task) => this.serial(task), opts);
  }

  /** An attention buffer a released analysis held, for the next analysis to fill (the model worker hands them back this way). */
  reuseAttention(buffer: Float32Array): void {
    if (!this.disposed) this.attentionPool.give(buffer);
  }

  tokenText(id: number): string {
    return this.tokens.display(id);
  }

  /** Unloads once the calls queued before it have finished; later calls fail with 'disposed'. */
  dispose(): Promise<void> {
    return this.queue.run(async () => {
      this.disposed = true;
      this.prober.reset();
      this.attentionPool.clear();
      this.blockPool.clear();
    });
  }

  serial<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.disposed) return Promise.reject(this.unloaded());
    return this.queue.run(() => (this.disposed ? Promise.reject(this.unloaded()) : task()), signal);
  }

  private unloaded(): AttentionLensError {
    return new AttentionLensError('disposed', `${this.info.name} was unloaded; load it again.`);
  }
}
