// The internals views at 512 tokens, warm (each view's session is built by its first request,
// timed apart): value norms, rollout, the logit lens (all positions, top-10) and head ablation
// (every head, one run each, all positions). Each is extra work on top of an analysis, which
// it leaves alone (a session of its own), so its wall time is what a view adds.
import path from 'node:path';
import type { InternalsRequest, InternalsView } from '../src/model/index';
import { BARS } from './bars';
import type { BenchContext } from './context';
import { sharedModel } from './model-api';
import { now, round, summarize, wantMore } from './stats';
import { benchText } from './texts';

const SECTION = 'internals';
const N = 512;

const VIEWS: { view: InternalsView; request: Omit<InternalsRequest, 'maxTokens'>; name: string; key: string; bar?: { max: number; source: string } }[] = [
  { view: 'valueNorms', request: { valueNorms: true }, name: 'value norms', key: 'value_norms_ms_512', bar: BARS.valueNormsMs512 },
  { view: 'rollout', request: { rollout: true }, name: 'attention rollout', key: 'rollout_ms_512' },
  { view: 'logitLens', request: { logitLens: 10 }, name: 'logit lens, top-10, all positions', key: 'logit_lens_ms_512', bar: BARS.logitLensMs512 },
  { view: 'ablation', request: { ablation: true }, name: 'head ablation, every head, all positions', key: 'ablation_ms_512', bar: BARS.ablationMs512 },
];

export async function runInternals(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  if (model.info.contextLength < N) throw new Error(`the model's context (${model.info.contextLength}) is shorter than ${N} tokens`);
  const text = await benchText(ctx, model, N);
  for (const v of VIEWS) {
    const t0 = now();
    const first = await model.internals(text, { ...v.request, maxTokens: N });
    const firstMs = now() - t0;
    if (first.problems[v.view]) {
      report.add({ section: SECTION, name: `${v.name}, ${N} tokens`, value: null, unit: 'ms', key: v.key, ...(v.bar ? { bar: v.bar } : {}), note: first.problems[v.view] });
      continue;
    }
    if (first.ids.length !== N) throw new Error(`asked for ${N} tokens, got ${first.ids.length}`);
    const slow = v.view === 'ablation';
    const limits = opts.quick ? { max: 2, min: 2, budgetMs: 0 } : { max: slow ? 5 : 15, min: slow ? 3 : 5, budgetMs: slow ? 15_000 : 8_000 };
    const wall: number[] = [];
    const start = now();
    for (let i = 0; wantMore(i, start, limits); i++) {
      const t = now();
      await model.internals(text, { ...v.request, maxTokens: N });
      wall.push(now() - t);
    }
    const s = summarize(wall);
    report.add({
      section: SECTION, name: `${v.name}, ${N} tokens (median of ${s.n})`, value: s.median, unit: 'ms', key: v.key, ...(v.bar ? { bar: v.bar } : {}),
      note: `first request ${firstMs.toFixed(0)} ms (builds the view's session); p95 ${s.p95.toFixed(1)} ms`,
    });
    report.extra[v.key] = { wall: s, wallSamples: wall.map(round), firstMs: round(firstMs) };
  }
}
