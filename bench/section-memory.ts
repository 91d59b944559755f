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
  const total = opts.quick ? 40 : 200;
  const analyzeOpts = { topK: 10, maxTokens: n };
  let rss10 = 0;
  for (let i = 1; i <= total; i++) {
    await model.analyze(text, analyzeOpts);
    if (i === 10) rss10 = settledRssMb();
  }
  const rssEnd = settledRssMb();
  const gcNote = (globalThis as { gc?: () => void }).gc ? 'after forced GC' : 'GC not exposed: run through scripts/bench.mjs';
  report.add({ section: SECTION, name: `RSS after 10 analyses (${n} tokens)`, value: rss10, unit: 'MB', key: 'rss_mb_10' });
  report.add({ section: SECTION, name: `RSS after ${total} analyses`, value: rssEnd, unit: 'MB', key: `rss_mb_${total}` });
  report.add({
    section: SECTION,
    name: `RSS growth, ${total} vs 10 analyses`,
    value: rssEnd - rss10,
    unit: 'MB',
    key: total === 200 ? 'rss_growth_mb_200' : `rss_growth_mb_${total}`,
    note: `${n} tokens each, ${gcNote}`,
  });
}
