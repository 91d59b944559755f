// Live probe: keystroke → top-k latency while "typing" one character at a time at the end of
// a 256-token prefix of real text, with the KV cache and without it, side by side.
import path from 'node:path';
import { BARS } from './bars';
import type { BenchContext } from './context';
import { sharedModel, type BenchModel } from './model-api';
import { now, summarize, wantMore, type Summary } from './stats';
import { benchText } from './texts';

const SECTION = 'live probe';
const TARGET = 256;

/** Types `typed` one character at a time after `prefix`, timing each keystroke's probe. */
export async function typeSeries(model: BenchModel, prefix: string, typed: string, useCache: boolean): Promise<{ ms: Summary; cachedShare: number }> {
  for (let i = 0; i < 3; i++) await model.probe(prefix, { topK: 10, useCache }); // warm-up
  const times: number[] = [];
  let cached = 0;
  let text = prefix;
  const start = now();
  // All keystrokes normally; on very busy CPUs stop after ~25 s, but never under 20 keystrokes.
  for (const ch of typed) {
    if (!wantMore(times.length, start, { max: typed.length, min: 20, budgetMs: 25_000 })) break;
    text += ch;
    const t0 = now();
    const r = await model.probe(text, { topK: 10, useCache });
    times.push(now() - t0);
    if (r.cached) cached++;
  }
  return { ms: summarize(times), cachedShare: cached / times.length };
}

export async function runProbe(ctx: BenchContext): Promise<void> {
  const { report, opts, dims } = ctx;
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  const keystrokes = opts.quick ? 15 : 60;
  // Typing adds tokens; leave room so the context never slides during the series.
  const n = Math.min(TARGET, Math.max(8, dims.contextLength - keystrokes));
  const prefix = await benchText(ctx, model, n);
  const corpus = ctx.shared.corpus ?? '';
  const typed = Array.from(corpus.slice(prefix.length, prefix.length + keystrokes * 2)).slice(0, keystrokes).join('');
  const withCache = await typeSeries(model, prefix, typed, true);
  const noCache = await typeSeries(model, prefix, typed, false);
  const note = n === TARGET ? undefined : `measured at ${n} tokens: the model's context is ${dims.contextLength}`;
  const key = (k: string) => (n === TARGET ? k : `${k.replace(/_256$/, '')}_${n}`);
  report.add({ section: SECTION, name: `keystroke → top-k p50, ${n} tokens, KV cache`, value: withCache.ms.median, unit: 'ms', key: key('probe_p50_ms_256') });
  report.add({
    section: SECTION,
    name: `keystroke → top-k p95, ${n} tokens, KV cache`,
    value: withCache.ms.p95,
    unit: 'ms',
    key: key('probe_p95_ms_256'),
    ...(n === TARGET ? { bar: BARS.probeP95Ms256 } : {}),
    note: note ?? `${withCache.ms.n} keystrokes; cache reused on ${(withCache.cachedShare * 100).toFixed(0)}% of them`,
  });
  report.add({ section: SECTION, name: `keystroke → top-k p50, ${n} tokens, no cache`, value: noCache.ms.median, unit: 'ms', key: key('probe_nocache_p50_ms_256') });
  report.add({ section: SECTION, name: `keystroke → top-k p95, ${n} tokens, no cache`, value: noCache.ms.p95, unit: 'ms', key: key('probe_nocache_p95_ms_256'), note: note ?? `${noCache.ms.n} keystrokes` });
  report.extra.probe = { tokens: n, keystrokes, withCache, noCache };
  if (n !== TARGET) {
    report.add({ section: SECTION, name: 'keystroke → top-k p95, 256 tokens, KV cache', value: null, unit: 'ms', key: 'probe_p95_ms_256', bar: BARS.probeP95Ms256, note: note ?? '' });
    report.add({ section: SECTION, name: 'keystroke → top-k p95, 256 tokens, no cache', value: null, unit: 'ms', key: 'probe_nocache_p95_ms_256', note: note ?? '' });
  }
}
