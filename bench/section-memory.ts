// Resident memory after 200 analyses against after 10: a leak shows as growth.
import path from 'node:path';
import type { BenchContext } from './context';
import { sharedModel } from './model-api';
import { benchText } from './texts';

const SECTION = 'memory';

function settledRssMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) for (let i = 0; i < 3; i++) gc(); // run with --expose-gc (scripts/bench.mjs does)
  return process.memoryUsage().rss / 2 ** 20;
}

export async function runMemory(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  // 128 tokens keeps 200 analyses within the run's time on busy shared CPUs; a leak per analysis still shows.
  const n = Math.max(...ctx.sizes.filter((s) => s <= 128));
  const text = await benchText(ctx, model, n);
  // 200 analyses and their RSS against the 10th (warm-up included: the allocator's high-water
  // mark still rises then), and in full runs 800 more against the 200th (steady state).
  const total = opts.quick ? 40 : 200;
  const steady = opts.quick ? 0 : 1000;
  const analyzeOpts = { topK: 10, maxTokens: n };
  let rss10 = 0;
  let rssTotal = 0;
  // Each result is released when the next analysis starts, as the panel does (buffers are reused).
  let shown: { release(): void } | null = null;
  for (let i = 1; i <= Math.max(total, steady); i++) {
    shown?.release();
    shown = await model.analyze(text, analyzeOpts);
    if (i === 10) rss10 = settledRssMb();
    if (i === total) rssTotal = settledRssMb();
  }
  const gcNote = (globalThis as { gc?: () => void }).gc ? 'after forced GC' : 'GC not exposed: run through scripts/bench.mjs';
  report.add({ section: SECTION, name: `RSS after 10 analyses (${n} tokens)`, value: rss10, unit: 'MB', key: 'rss_mb_10' });
  report.add({ section: SECTION, name: `RSS after ${total} analyses`, value: rssTotal, unit: 'MB', key: `rss_mb_${total}` });
  report.add({
    section: SECTION,
    name: `RSS growth, ${total} vs 10 analyses`,
    value: rssTotal - rss10,
    unit: 'MB',
    key: total === 200 ? 'rss_growth_mb_200' : `rss_growth_mb_${total}`,
    note: `${n} tokens each, ${gcNote}; includes the allocator's warm-up`,
  });
  if (steady > 0) {
    const rssSteady = settledRssMb();
    report.add({ section: SECTION, name: `RSS after ${steady} analyses`, value: rssSteady, unit: 'MB', key: `rss_mb_${steady}` });
    report.add({
      section: SECTION,
      name: `RSS growth, ${steady} vs ${total} analyses (steady state)`,
      value: rssSteady - rssTotal,
      unit: 'MB',
      key: `rss_growth_mb_${steady}`,
      note: `${n} tokens each, ${gcNote}`,
    });
  }
}
