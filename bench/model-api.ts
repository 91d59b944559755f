// The model API the benchmark drives (src/model/index.ts), loaded once and shared by sections. The
// shared model runs in the model worker thread, as the extension runs it; `--in-thread` runs it on
// the benchmark's own thread instead, to compare.
import { loadModel, loadModelInWorker, type LoadedModel } from '../src/model/index';

export type BenchModel = LoadedModel;
export { loadModel };

let shared: { dir: string; model: LoadedModel } | null = null;
let inThread = false;

/** Where the shared model's sessions run (set once, before the first section). */
export function runSharedModelInThread(value: boolean): void {
  inThread = value;
}

export function sharedModelWhere(): string {
  return inThread ? 'on the benchmark thread (--in-thread)' : 'in the model worker thread, as the extension runs it';
}

/** A model of its own (the scale section's), placed where the shared one is. */
export function loadBenchModel(dir: string, cacheDir: string, name: string): Promise<LoadedModel> {
  return (inThread ? loadModel : loadModelInWorker)({ name, path: dir }, { cacheDir });
}

/** The warm model every section after "load" reuses. */
export async function sharedModel(dir: string, cacheDir: string): Promise<LoadedModel> {
  if (shared && shared.dir === dir) return shared.model;
  const model = await (inThread ? loadModel : loadModelInWorker)({ name: 'bench', path: dir }, { cacheDir });
  shared = { dir, model };
  return model;
}

export async function disposeSharedModel(): Promise<void> {
  if (shared) await shared.model.dispose();
  shared = null;
}
