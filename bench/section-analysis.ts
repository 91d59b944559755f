// Analysis latency (tokenize, run, extract) at 32, 128, 512 tokens and the model's maximum,
// warm, median and p95 over repeated runs; and how far that is from the compute limit.
import path from 'node:path';
import { BARS } from './bars';
import type { BenchContext } from './context';
import { sharedModel } from './model-api';
import { summarize } from './stats';
import { benchText } from './texts';
import { now } from './stats';

const SECTION = 'analysis';

export async function runAnalysis(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  ctx.shared.analyzeMedianMs = new Map();
  for (const n of ctx.sizes) {
    const text = await benchText(ctx, model, n);
    const repeats = opts.quick ? 5 : n <= 128 ? 40 : 25;
    const analyzeOpts = { topK: 10, maxTokens: n };
    for (let i = 0; i < 3; i++) await model.analyze(text, analyzeOpts); // warm-up
    const wall: number[] = [];
    const split = { tokenize: [] as number[], run: [] as number[], extract: [] as number[] };
    for (let i = 0; i < repeats; i++) {
      const t0 = now();
      const r = await model.analyze(text, analyzeOpts);
      wall.push(now() - t0);
      split.tokenize.push(r.timings.tokenizeMs);
      split.run.push(r.timings.runMs);
      split.extract.push(r.timings.extractMs);
      if (r.tokens.length !== n) throw new Error(`asked for ${n} tokens, analysed ${r.tokens.length}`);
    }
    const s = summarize(wall);
    ctx.shared.analyzeMedianMs.set(n, s.median);
    const tok = summarize(split.tokenize), run = summarize(split.run), ext = summarize(split.extract);
    report.add({
      section: SECTION,
      name: `analysis, ${n} tokens (median of ${repeats})`,
      value: s.median,
      unit: 'ms',
      key: `analyze_ms_${n}`,
      ...(n === 512 ? { bar: BARS.analyzeMs512 } : {}),
      note: `tokenize ${tok.median.toFixed(2)} + run ${run.median.toFixed(2)} + extract ${ext.median.toFixed(2)} ms`,
    });
    report.add({ section: SECTION, name: `analysis, ${n} tokens (p95)`, value: s.p95, unit: 'ms', key: `analyze_p95_ms_${n}` });
    report.extra[`analyze_${n}`] = { wall: s, tokenize: tok, run, extract: ext };
    for (const [k, v] of [['tokenize', tok], ['run', run], ['extract', ext]] as const) {
      report.add({ section: SECTION, name: `  ${k}, ${n} tokens (median)`, value: v.median, unit: 'ms', key: `analyze_${k}_ms_${n}` });
    }
    const limit = ctx.shared.flopsAt?.get(n);
    if (limit !== undefined && ctx.shared.peakGflops) {
      const limitMs = limit / (ctx.shared.peakGflops * 1e6);
      report.add({
        section: SECTION,
        name: `ours / compute limit, ${n} tokens`,
        value: s.median / limitMs,
        unit: '×',
        key: `limit_ratio_${n}`,
        note: `run alone: ${(run.median / limitMs).toFixed(1)}×`,
      });
    }
  }
}
