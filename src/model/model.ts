// A loaded model: analysis, probing and greedy continuation over one ONNX session.
import { AttentionLensError } from './errors';
import { analyzeText } from './analyze';
import { AttentionPool } from './attentionPool';
import { predictMaskedToken } from './masked';
import { Prober } from './probe';
import type { Runner } from './runner';
import type { Tokenization } from './tokenize';
import type { AnalysisResult, AnalyzeOptions, LoadedModel, MaskedPrediction, ModelInfo, ProbeOptions, ProbeResult } from './types';

export class Model implements LoadedModel {
  private readonly prober: Prober;
  /** Attention buffers of released analyses, filled again by the next ones. */
  private readonly attentionPool = new AttentionPool();
  private disposed = false;
  /** ONNX Runtime runs one at a time; requests queue here in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly info: ModelInfo,
    private readonly tokens: Tokenization,
    private readonly runner: Runner,
    eosIds: number[],
  ) {
    this.prober = new Prober(info, tokens, runner, eosIds);
  }

  analyze(text: string, opts: AnalyzeOptions): Promise<AnalysisResult> {
    return this.serial(() => analyzeText(text, opts, this.info, this.tokens, this.runner, this.attentionPool));
  }

  probe(prefix: string, opts: ProbeOptions): Promise<ProbeResult> {
    return this.serial(() => this.prober.probe(prefix, opts));
  }

  continueGreedy(prefix: string, nTokens: number, signal?: AbortSignal): Promise<string> {
    return this.serial(() => this.prober.continueGreedy(prefix, nTokens, signal));
  }

  predictMasked(text: string, tokenIndex: number, topK: number, signal?: AbortSignal): Promise<MaskedPrediction> {
    return this.serial(() => predictMaskedToken(text, tokenIndex, topK, this.info, this.tokens, this.runner, signal));
  }

  tokenText(id: number): string {
    return this.tokens.display(id);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.prober.reset();
    this.attentionPool.clear();
    await this.queue.catch(() => undefined);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new AttentionLensError('disposed', `${this.info.name} was unloaded; load it again.`));
    const run = this.queue.then(() => {
      if (this.disposed) throw new AttentionLensError('disposed', `${this.info.name} was unloaded; load it again.`);
      return task();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
