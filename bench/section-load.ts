// Model load: cold (a brand-new Node process running the code bundled like the extension host,
// from process start to a loaded model) and warm (loading again inside a running process).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { bundleForNode } from './bundle';
import type { BenchContext } from './context';
import { loadModel } from './model-api';
import { now, summarize } from './stats';

const SECTION = 'model load';
const run = promisify(execFile);

export interface ChildTimes {
  startedMs: number;
  loadedMs: number;
  firstAnalysisMs: number;
}

export async function coldLoad(script: string, modelDir: string, cacheDir: string): Promise<ChildTimes & { wallMs: number }> {
  const t0 = now();
  const { stdout } = await run(process.execPath, [script, modelDir, cacheDir], { timeout: 120_000 });
  const wallMs = now() - t0;
  const line = stdout.trim().split('\n').pop() ?? '';
  return { ...(JSON.parse(line) as ChildTimes), wallMs };
}

export async function runLoad(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const script = await bundleForNode(opts.repoRoot, 'bench/child-load.ts', 'child-load');
  const repeats = opts.quick ? 1 : 2;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-bench-'));
  try {
    // First ever: an empty cache, so the graph surgery runs too.
    const fresh: (ChildTimes & { wallMs: number })[] = [];
    for (let i = 0; i < repeats; i++) fresh.push(await coldLoad(script, opts.modelDir, path.join(tmp, `fresh-${i}`)));
    // Later starts: the patched graph is cached.
    const cacheDir = path.join(tmp, 'cached');
    await coldLoad(script, opts.modelDir, cacheDir);
    const cached: (ChildTimes & { wallMs: number })[] = [];
    for (let i = 0; i < repeats; i++) cached.push(await coldLoad(script, opts.modelDir, cacheDir));

    const med = (xs: number[]) => summarize(xs).median;
    report.add({
      section: SECTION,
      name: `cold load, new process, empty cache (median of ${repeats})`,
      value: med(fresh.map((c) => c.loadedMs)),
      unit: 'ms',
      key: 'load_cold_ms',
      note: `process start → model loaded; Node start-up ${med(fresh.map((c) => c.startedMs)).toFixed(0)} ms of it; first short analysis done at ${med(fresh.map((c) => c.firstAnalysisMs)).toFixed(0)} ms`,
    });
    report.add({
      section: SECTION,
      name: `cold load, new process, patched graph cached (median of ${repeats})`,
      value: med(cached.map((c) => c.loadedMs)),
      unit: 'ms',
      key: 'load_cold_cached_ms',
    });
    report.extra.loadCold = { fresh, cached };

    const warm: number[] = [];
    for (let i = 0; i < (opts.quick ? 2 : 4); i++) {
      const t0 = now();
      const m = await loadModel({ name: 'bench-warm', path: opts.modelDir }, { cacheDir });
      warm.push(now() - t0);
      await m.dispose();
    }
    const w = summarize(warm.slice(1)).n ? summarize(warm.slice(1)) : summarize(warm); // the first also loads modules
    report.add({ section: SECTION, name: 'warm load, same process, cache filled (median)', value: w.median, unit: 'ms', key: 'load_warm_ms' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
