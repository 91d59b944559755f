// Analysis latency (tokenize, run, extract) at 32, 128, 512 tokens and the model's maximum,
// warm, median and p95 over repeated runs. The CPUs are shared, so everything a ratio compares
// is measured side by side: at each size our runs are split in two halves around the PyTorch
// reference's run and a fresh GEMM throughput check.
import path from 'node:path';
import type { AnalysisResult } from '../src/model/types';
import { BARS } from './bars';
import type { BenchContext } from './context';
import { measureMatmul } from './matmul';
import { sharedModel, type BenchModel } from './model-api';
import { now, round, summarize, wantMore } from './stats';
import { benchText } from './texts';
import { torchMedianMs } from './section-torch';
import { raisePeak } from './section-compute';

const SECTION = 'analysis';
/** Pause before timing again after the PyTorch reference and the GEMM check. */
const SETTLE_MS = 2000;
const TORCH = 'PyTorch reference';

interface Samples {
  wall: number[];
  tokenize: number[];
  run: number[];
  extract: number[];
}

/**
 * Analyses as the Inspect command runs them: the panel releases the result it shows when the next
 * inspection starts (its attention buffer is then filled again), and keeps the new one.
 */
class Inspector {
  private shown: AnalysisResult | null = null;

  constructor(private readonly model: BenchModel) {}

  async inspect(text: string, n: number): Promise<AnalysisResult> {
    this.shown?.release();
    this.shown = await this.model.analyze(text, { topK: 10, maxTokens: n });
    return this.shown;
  }
}

async function timeAnalyses(inspector: Inspector, n: number, text: string, limits: { max: number; min: number; budgetMs: number }, into: Samples): Promise<void> {
  const start = now();
  for (let i = 0; wantMore(i, start, limits); i++) {
    const t0 = now();
    const r = await inspector.inspect(text, n);
    into.wall.push(now() - t0);
    into.tokenize.push(r.timings.tokenizeMs);
    into.run.push(r.timings.runMs);
    into.extract.push(r.timings.extractMs);
    if (r.tokens.length !== n) throw new Error(`asked for ${n} tokens, analysed ${r.tokens.length}`);
  }
}

/** The PyTorch figure at n, or the reason it is missing (the rest of the section goes on). */
async function torchAt(ctx: BenchContext, n: number): Promise<{ ms: number } | { error: string }> {
  try {
    const t = await torchMedianMs(ctx, n, ctx.opts.quick ? 3 : n >= 512 ? 6 : 10);
    ctx.report.extra[`torch_${n}`] = t.raw;
    return { ms: t.medianMs };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export async function runAnalysis(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  ctx.shared.analyzeMedianMs = new Map();
  const runMedians = new Map<number, number>();
  for (const n of ctx.sizes) {
    const text = await benchText(ctx, model, n);
    // Each half: up to 15 runs (12 at 512+), at least 4, about 12 s at most when the CPUs are busy.
    const half = opts.quick ? { max: 3, min: 3, budgetMs: 0 } : { max: n <= 128 ? 15 : 12, min: 4, budgetMs: 12_000 };
    const inspector = new Inspector(model);
    for (let i = 0; i < 3; i++) await inspector.inspect(text, n); // warm-up
    const samples: Samples = { wall: [], tokenize: [], run: [], extract: [] };
    await timeAnalyses(inspector, n, text, half, samples);
    const torch = n >= 128 ? await torchAt(ctx, n) : null;
    const gemm = await measureMatmul(1024, 1024, 1024, 4); // the peak as it is right now
    // Right after a process or GEMM loop that loaded both cores, 512-token runs were 3–6 ms slower
    // for a second or two (measured): let the machine settle, as it would between two commands.
    if (!opts.quick) await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    await timeAnalyses(inspector, n, text, half, samples);

    const s = summarize(samples.wall);
    ctx.shared.analyzeMedianMs.set(n, s.median);
    const [tok, run, ext] = [samples.tokenize, samples.run, samples.extract].map(summarize);
    report.add({
      section: SECTION,
      name: `analysis, ${n} tokens (median of ${s.n})`,
      value: s.median,
      unit: 'ms',
      key: `analyze_ms_${n}`,
      ...(n === 512 ? { bar: BARS.analyzeMs512 } : {}),
      note: `tokenize ${tok.median.toFixed(2)} + run ${run.median.toFixed(2)} + extract ${ext.median.toFixed(2)} ms`,
    });
    report.add({ section: SECTION, name: `analysis, ${n} tokens (p95)`, value: s.p95, unit: 'ms', key: `analyze_p95_ms_${n}` });
    // The fastest run is the least disturbed by other work on the shared CPUs.
    report.add({ section: SECTION, name: `analysis, ${n} tokens (fastest run)`, value: s.min, unit: 'ms', key: `analyze_min_ms_${n}` });
    for (const [k, v] of [['tokenize', tok], ['run', run], ['extract', ext]] as const) {
      report.add({ section: SECTION, name: `  ${k}, ${n} tokens (median)`, value: v.median, unit: 'ms', key: `analyze_${k}_ms_${n}` });
    }
    // Every run's wall time in order (the first half before the PyTorch reference, the second after it), to see how a median came about.
    report.extra[`analyze_${n}`] = { wall: s, tokenize: tok, run, extract: ext, wallSamples: samples.wall.map(round) };

    raisePeak(ctx, gemm.gflopsBest);
    runMedians.set(n, run.median);

    if (!torch) continue;
    const bar = n === 512 ? { bar: BARS.torchRatio512 } : {};
    if ('error' in torch) {
      report.add({ section: TORCH, name: `ours / PyTorch, ${n} tokens`, value: null, unit: '×', key: `torch_ratio_${n}`, ...bar, note: torch.error });
      report.notes.push(`PyTorch reference at ${n} tokens: ${torch.error}`);
      continue;
    }
    report.add({ section: TORCH, name: `PyTorch forward with attentions, ${n} tokens (median)`, value: torch.ms, unit: 'ms', key: `torch_ms_${n}` });
    report.add({
      section: TORCH,
      name: `ours (whole analysis) / PyTorch, ${n} tokens`,
      value: s.median / torch.ms,
      unit: '×',
      key: `torch_ratio_${n}`,
      ...bar,
      note: `${s.median.toFixed(1)} ms vs ${torch.ms.toFixed(1)} ms (PyTorch eager, 2 threads), measured back to back`,
    });
  }
  // Against the compute limit, with the best GEMM throughput seen anywhere in this run.
  const peak = ctx.shared.peakGflops;
  for (const n of ctx.sizes) {
    const flops = ctx.shared.flopsAt?.get(n);
    const ours = ctx.shared.analyzeMedianMs.get(n);
    const run = runMedians.get(n);
    if (flops === undefined || !peak || ours === undefined || run === undefined) continue;
    const limitMs = flops / (peak * 1e6);
    report.add({
      section: SECTION,
      name: `ours / compute limit, ${n} tokens`,
      value: ours / limitMs,
      unit: '×',
      key: `limit_ratio_${n}`,
      note: `limit ${limitMs.toFixed(2)} ms at ${peak.toFixed(0)} GFLOP/s; run alone ${(run / limitMs).toFixed(1)}×`,
    });
  }
}
