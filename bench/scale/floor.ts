// The runtime's floor at this size: the patched graph's forward over the whole text, with the
// extension's feeds and session options but ONNX Runtime's CPU arena on, fetching only the top-k
// and the token scores (no attention, no key/value cache). An analysis has to fetch every layer's
// attention on top of this work, so no analysis on this runtime is faster. The arena is what makes
// this the fastest way to run it: without it each layer's 50 MB of scores at 1,024 tokens is fresh
// memory, page faults and all (measured 1,492 ms against ~630 ms with it); the extension runs large
// models without the arena (it keeps the high-water mark) and in blocks, where it made no difference.
import path from 'node:path';
import { modelDims, type ModelConfig } from '../../src/model/config';
import { chooseOnnxFile, patchedModel, sessionOptionsFor, startSession } from '../../src/model/load';
import { OnnxSession } from '../../src/model/onnxSession';
import { readModelConfig } from '../context';
import { now, summarize, type Summary } from '../stats';

/** Median-summarised forward times at each token count, `runs` each after one warm-up, in one session. */
export async function runtimeFloor(dir: string, cacheDir: string, sizes: readonly number[], runs: number): Promise<Map<number, Summary>> {
  const dims = modelDims(readModelConfig(dir) as ModelConfig);
  const file = chooseOnnxFile(dir, 'decoder', false);
  const label = path.relative(dir, file);
  const patched = await patchedModel(file, label, cacheDir, 'decoder', false);
  const session = await startSession(patched, { ...sessionOptionsFor(patched), enableCpuMemArena: true }, label, 'decoder');
  const onnx = new OnnxSession(session, patched, dims, label);
  const out = new Map<number, Summary>();
  for (const n of sizes) {
    const ids = Array.from({ length: n }, (_, i) => (i * 7919) % dims.vocab); // the time does not depend on which tokens
    const ms: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const t0 = now();
      await onnx.forward(ids, null, 0, { top: true, tokenScores: true }, 10);
      if (i > 0) ms.push(now() - t0);
    }
    out.set(n, summarize(ms));
  }
  return out;
}
