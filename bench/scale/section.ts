// `npm run bench -- --scale`: a GPT-2-small-shaped model (12 layers × 12 heads × 768, 1,024
// positions, random weights, the bundled tokenizer's vocabulary), built once by the project's own
// exporter into bench/.cache, measured side by side with PyTorch eager on the same weights: analysis
// at 512 and 1,024 tokens (in the model worker, as the extension runs it, with this thread's
// event-loop delay meanwhile), probe keystrokes at 512 tokens with the KV cache, cold load with the
// patched graph cached, peak RSS of a 1,024-token analysis, and the CLI writing its full JSON.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { AnalysisResult } from '../../src/model/types';
import { BARS } from '../bars';
import { bundleForNode } from '../bundle';
import { readModelConfig, type BenchContext } from '../context';
import { dimsFromConfig, forwardFlops } from '../flops';
import { measureMatmul } from '../matmul';
import { loadBenchModel, type BenchModel } from '../model-api';
import { raisePeak } from '../section-compute';
import { coldLoad } from '../section-load';
import { typeSeries } from '../section-probe';
import { torchMedianMs } from '../section-torch';
import { now, round, summarize } from '../stats';
import { repoCorpus, textOfTokens } from '../texts';
import { measureCli } from './cli';
import { runtimeFloor } from './floor';

const SECTION = 'scale (GPT-2-small shape)';
const BUILD_VERSION = 1; // RECIPE.version in build_model.py
const run = promisify(execFile);
/** The extension's default attentionLens.attentionMemoryMB: at 1,024 tokens (604 MB of float32) the attention is kept compact, as in the panel. */
const MEMORY_MB = 512;

/** The scale model's folder, built on first use (a few minutes) and kept in bench/.cache. */
function ensureScaleModel(ctx: BenchContext): string {
  const dir = path.join(ctx.opts.repoRoot, 'bench/.cache/scale-gpt2-small');
  const stamp = path.join(dir, 'built.json');
  if (existsSync(stamp) && (JSON.parse(readFileSync(stamp, 'utf8')) as { version?: number }).version === BUILD_VERSION) return dir;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const t0 = now();
  const r = spawnSync(ctx.opts.python, ['bench/scale/build_model.py', '--repo', ctx.opts.repoRoot, '--out', dir], { cwd: ctx.opts.repoRoot, env, encoding: 'utf8', timeout: 30 * 60_000 });
  if (r.status !== 0) throw new Error(`building the scale model failed: ${(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? r.error?.message}`);
  ctx.report.notes.push(`scale: built the GPT-2-small-shaped model into ${path.relative(ctx.opts.repoRoot, dir)} in ${((now() - t0) / 1000).toFixed(0)} s`);
  return dir;
}

interface Timed { wall: number[]; run: number[]; extract: number[]; loopP99Ms: number; loopMaxMs: number }

/** Analyses as the panel runs them (the shown result released before the next), timed; this thread's event-loop delay meanwhile. */
async function timeAnalyses(model: BenchModel, text: string, n: number, runs: number): Promise<Timed> {
  const wall: number[] = [];
  const runMs: number[] = [];
  const extract: number[] = [];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let shown: AnalysisResult | null = null;
  delay.enable();
  for (let i = 0; i < runs; i++) {
    shown?.release();
    const t0 = now();
    shown = await model.analyze(text, { topK: 10, maxTokens: n, attentionMemoryMB: MEMORY_MB });
    wall.push(now() - t0);
    runMs.push(shown.timings.runMs);
    extract.push(shown.timings.extractMs);
    if (shown.tokens.length !== n) throw new Error(`asked for ${n} tokens, analysed ${shown.tokens.length}`);
  }
  delay.disable();
  shown?.release();
  return { wall, run: runMs, extract, loopP99Ms: delay.percentile(99) / 1e6, loopMaxMs: delay.max / 1e6 };
}

type Add = (name: string, value: number | null, unit: string, key?: string, extra?: { bar?: { max: number; source: string }; note?: string }) => void;

/** Analysis at n tokens in two halves around PyTorch on the same weights and a fresh GEMM check; returns our median. */
async function analysisAt(ctx: BenchContext, add: Add, model: BenchModel, dir: string, text: string, n: number): Promise<number> {
  const { opts } = ctx;
  const per = opts.quick ? 1 : n === 512 ? 4 : 3;
  await timeAnalyses(model, text, n, 1); // warm-up
  const a = await timeAnalyses(model, text, n, per);
  let torch: { medianMs: number } | { error: string };
  try {
    torch = await torchMedianMs({ ...ctx, opts: { ...opts, modelDir: dir } }, n, opts.quick ? 1 : 3);
  } catch (err) {
    torch = { error: err instanceof Error ? err.message : String(err) };
  }
  raisePeak(ctx, (await measureMatmul(1024, 1024, 1024, 4)).gflopsBest);
  await new Promise((resolve) => setTimeout(resolve, opts.quick ? 0 : 2000)); // let the cores settle after PyTorch
  const b = await timeAnalyses(model, text, n, per);
  const wall = summarize([...a.wall, ...b.wall]);
  const runMs = summarize([...a.run, ...b.run]);
  const extract = summarize([...a.extract, ...b.extract]);
  add(`analysis, ${n} tokens (median of ${wall.n})`, wall.median, 'ms', `scale_analyze_ms_${n}`, { note: `runtime ${runMs.median.toFixed(0)} ms of it, extraction ${extract.median.toFixed(0)} ms (with head statistics and compaction when over ${MEMORY_MB} MB); p95 ${wall.p95.toFixed(0)} ms` });
  add(`event-loop delay p99 of the bench thread during ${n}-token analyses`, Math.max(a.loopP99Ms, b.loopP99Ms), 'ms', `scale_loop_delay_p99_ms_${n}`, {
    ...(n === 1024 ? { bar: BARS.scaleLoopDelayP99Ms } : {}),
    note: `max ${Math.max(a.loopMaxMs, b.loopMaxMs).toFixed(0)} ms; the bar is for the real VS Code (Show Diagnostics), this is the bench process`,
  });
  if ('error' in torch) {
    add(`ours / PyTorch, ${n} tokens`, null, '×', `scale_torch_ratio_${n}`, { bar: BARS.scaleTorchRatio, note: torch.error });
  } else {
    add(`PyTorch forward with attentions, ${n} tokens (median)`, torch.medianMs, 'ms', `scale_torch_ms_${n}`);
    add(`ours / PyTorch, ${n} tokens`, wall.median / torch.medianMs, '×', `scale_torch_ratio_${n}`, {
      bar: BARS.scaleTorchRatio,
      note: `${wall.median.toFixed(0)} ms vs ${torch.medianMs.toFixed(0)} ms, same weights, measured back to back`,
    });
  }
  ctx.report.extra[`scale_analyze_${n}`] = { wall, run: runMs, wallSamples: [...a.wall, ...b.wall].map(round), loop: [a.loopP99Ms, b.loopP99Ms].map(round) };
  return wall.median;
}

export async function runScale(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const dir = ensureScaleModel(ctx);
  const dims = dimsFromConfig(readModelConfig(dir));
  const cacheDir = path.join(opts.repoRoot, 'bench/.cache/scale-patched');
  const work = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-scale-'));
  const add: Add = (name, value, unit, key, extra = {}) => report.add({ section: SECTION, name, value, unit, ...(key ? { key } : {}), ...extra });
  try {
    // Cold load: a new process, the patched graph cached (the first start fills the cache).
    const child = await bundleForNode(opts.repoRoot, 'bench/child-load.ts', 'child-load');
    mkdirSync(cacheDir, { recursive: true });
    const first = await coldLoad(child, dir, cacheDir);
    const cold = [];
    for (let i = 0; i < (opts.quick ? 1 : 2); i++) cold.push(await coldLoad(child, dir, cacheDir));
    add('cold load, new process, patched graph cached', summarize(cold.map((c) => c.loadedMs)).median, 'ms', 'scale_load_cold_ms', {
      bar: BARS.scaleLoadColdMs,
      note: `process start → model loaded (median of ${cold.length}); first start (surgery or cache check) ${first.loadedMs.toFixed(0)} ms`,
    });
    report.extra.scaleLoad = { first, cold };

    /** PyTorch's median at n tokens, where analysisAt measured it. */
    const torchMsAt = (n: number) => report.rows.find((r) => r.key === `scale_torch_ms_${n}`)?.value;
    /** The matmul work at n tokens over the best GEMM throughput of this run (set by analysisAt's checks). */
    const limitMs = (n: number) => forwardFlops(dims, n).total / (ctx.shared.peakGflops! * 1e6);
    let text1024 = '';
    const model = await loadBenchModel(dir, cacheDir, 'scale');
    try {
      const corpus = ctx.shared.corpus ?? repoCorpus(opts.repoRoot);
      const text512 = await textOfTokens(model, corpus, 512);
      text1024 = await textOfTokens(model, corpus, 1024);
      const m512 = await analysisAt(ctx, add, model, dir, text512, 512);
      const m1024 = await analysisAt(ctx, add, model, dir, text1024, 1024);
      add('ours / compute limit, 1,024 tokens', m1024 / limitMs(1024), '×', 'scale_limit_ratio_1024', {
        bar: BARS.scaleLimitRatio1024,
        note: `limit ${limitMs(1024).toFixed(0)} ms (${(forwardFlops(dims, 1024).total / 1e9).toFixed(0)} GFLOP at ${ctx.shared.peakGflops!.toFixed(0)} GFLOP/s); at 512: ${(m512 / limitMs(512)).toFixed(2)}×`,
      });
      // The floor of ours / PyTorch on this machine: a forward at the compute limit, over PyTorch's time.
      for (const n of [512, 1024]) {
        const torchMs = torchMsAt(n);
        if (typeof torchMs === 'number') {
          add(`compute limit / PyTorch, ${n} tokens`, limitMs(n) / torchMs, '×', `scale_limit_torch_ratio_${n}`, {
            note: `the least ours / PyTorch any fp32 forward could reach here (${limitMs(n).toFixed(0)} ms of matmul at the peak vs PyTorch's ${torchMs.toFixed(0)} ms)`,
          });
        }
      }
      // Probe: typing after a 512-token prefix, KV cache on.
      const typed = Array.from(corpus.slice(text512.length, text512.length + 80)).slice(0, opts.quick ? 10 : 40).join('');
      const probe = await typeSeries(model, text512, typed, true);
      add('keystroke → top-k p95, 512 tokens, KV cache', probe.ms.p95, 'ms', 'scale_probe_p95_ms_512', {
        bar: BARS.scaleProbeP95Ms512,
        note: `median ${probe.ms.median.toFixed(1)} ms over ${probe.ms.n} keystrokes; cache reused on ${(probe.cachedShare * 100).toFixed(0)}%`,
      });
      report.extra.scaleProbe = probe;
    } finally {
      await model.dispose();
    }

    // The runtime's own floor (see floor.ts), after the model above is gone: one ONNX session at a time.
    const floor = await runtimeFloor(dir, cacheDir, [512, 1024], opts.quick ? 1 : 3);
    for (const [n, s] of floor) {
      const torchMs = torchMsAt(n);
      add(`runtime alone, no attention fetched, ${n} tokens (median of ${s.n})`, s.median, 'ms', `scale_floor_ms_${n}`, {
        note: `the patched graph's forward over the whole text, top-k and token scores only: no analysis on this runtime is faster; ${(s.median / limitMs(n)).toFixed(2)}× the compute limit${typeof torchMs === 'number' ? `, ${(s.median / torchMs).toFixed(3)}× PyTorch` : ''}`,
      });
      add(`runtime alone / compute limit, ${n} tokens`, s.median / limitMs(n), '×', `scale_floor_limit_ratio_${n}`);
      if (typeof torchMs === 'number') add(`runtime alone / PyTorch, ${n} tokens`, s.median / torchMs, '×', `scale_floor_torch_ratio_${n}`);
    }
    report.extra.scaleFloor = Object.fromEntries(floor);

    // Peak RSS of a 1,024-token analysis, in a fresh process (weights and runtime included).
    const textFile = path.join(work, 'text-1024.txt');
    writeFileSync(textFile, text1024);
    const rssScript = await bundleForNode(opts.repoRoot, 'bench/scale/child-rss.ts', 'child-rss');
    const { stdout } = await run(process.execPath, [rssScript, dir, cacheDir, textFile, '1024'], { timeout: 300_000 });
    const rss = JSON.parse(stdout.trim().split('\n').pop()!) as { peakMb: number; afterLoadMb: number; loadPeakMb: number; peakReset: boolean };
    add('peak RSS, 1,024-token analysis (weights included)', rss.peakMb, 'MB', 'scale_rss_peak_mb_1024', {
      bar: BARS.scaleRssPeakMb1024,
      note: `RSS ${rss.afterLoadMb.toFixed(0)} MB after load (load peak ${rss.loadPeakMb.toFixed(0)} MB)${rss.peakReset ? '' : '; the peak could not be reset after load, so it includes the load'}`,
    });

    // The CLI writing the full JSON (and, separately, the .npy) at 1,024 tokens.
    const cli = await measureCli(opts.repoRoot, dir, cacheDir, textFile, 1024, work);
    add('CLI --json at 1,024 tokens, peak RSS', cli.inline.peakRssMb, 'MB', 'scale_cli_rss_peak_mb_1024', {
      bar: BARS.scaleCliRssPeakMb1024,
      note: `${(cli.inline.wallMs / 1000).toFixed(1)} s for ${(cli.inline.jsonBytes / 2 ** 20).toFixed(0)} MB of JSON`,
    });
    add('CLI --json at 1,024 tokens, wall time', cli.inline.wallMs, 'ms', 'scale_cli_ms_1024');
    add('CLI --json --attention-out at 1,024 tokens, peak RSS', cli.npy.peakRssMb, 'MB', 'scale_cli_npy_rss_peak_mb_1024', {
      bar: BARS.scaleCliRssPeakMb1024,
      note: `${((cli.npy.npyBytes ?? 0) / 2 ** 20).toFixed(0)} MB .npy`,
    });
    add('CLI --json --attention-out at 1,024 tokens, wall time', cli.npy.wallMs, 'ms', 'scale_cli_npy_ms_1024');
    report.extra.scaleCli = cli;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
