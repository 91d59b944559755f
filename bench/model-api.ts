// The model API the benchmark drives (src/model/index.ts), loaded once and shared by sections.
import { loadModel, type LoadedModel } from '../src/model/index';

export type BenchModel = LoadedModel;
export { loadModel };

let shared: { dir: string; model: LoadedModel } | null = null;

/** The warm model every section after "load" reuses. */
export async function sharedModel(dir: string, cacheDir: string): Promise<LoadedModel> {
  if (shared && shared.dir === dir) return shared.model;
  const model = await loadModel({ name: 'bench', path: dir }, { cacheDir });
  shared = { dir, model };
  return model;
}

export async function disposeSharedModel(): Promise<void> {
  if (shared) await shared.model.dispose();
  shared = null;
}
