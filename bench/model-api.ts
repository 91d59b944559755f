// The model API the benchmark drives (src/model/index.ts), loaded once and shared by sections.
import type { AnalysisResult, ModelInfo, ProbeResult } from '../src/model/types';

/** The part of src/model's LoadedModel the benchmark uses. */
export interface BenchModel {
  info: ModelInfo;
  analyze(text: string, opts: { topK: number; maxTokens: number }): Promise<AnalysisResult>;
  probe(prefix: string, opts: { topK: number; useCache?: boolean }): Promise<ProbeResult>;
  dispose(): Promise<void> | void;
}

type LoadModel = (spec: { name: string; path: string }, opts?: { cacheDir?: string }) => Promise<BenchModel>;

export async function modelApi(): Promise<{ loadModel: LoadModel }> {
  const mod = (await import('../src/model/index')) as unknown as { loadModel?: LoadModel };
  if (typeof mod.loadModel !== 'function') throw new Error('src/model/index.ts exports no loadModel yet');
  return { loadModel: mod.loadModel };
}

let shared: { dir: string; model: BenchModel } | null = null;

/** The warm model every section after "load" reuses. */
export async function sharedModel(dir: string, cacheDir: string): Promise<BenchModel> {
  if (shared && shared.dir === dir) return shared.model;
  const { loadModel } = await modelApi();
  const model = await loadModel({ name: 'bench', path: dir }, { cacheDir });
  shared = { dir, model };
  return model;
}

export async function disposeSharedModel(): Promise<void> {
  if (shared) await shared.model.dispose();
  shared = null;
}
