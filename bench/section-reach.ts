// Context reach and the compression table at 512 tokens (issue 15): reach for every k ≤ 64 with
// the model, the bits-per-byte table, and how long an analysis asked for while reach runs waits
// (reach yields the runtime between batches, so an inspection is never stuck behind it).
import path from 'node:path';
import { compressionBaselines } from '../src/model/index';
import { BARS } from './bars';
import type { BenchContext } from './context';
import { sharedModel } from './model-api';
import { now, round, summarize } from './stats';
import { benchText } from './texts';

const SECTION = 'reach and baselines';
const N = 512;
const K = 64;

export async function runReach(ctx: BenchContext): Promise<void> {
  const { report, opts } = ctx;
  if (ctx.dims.contextLength < N) throw new Error(`the model's context is ${ctx.dims.contextLength} tokens`);
  const model = await sharedModel(opts.modelDir, path.join(opts.repoRoot, 'bench/.cache'));
  const text = await benchText(ctx, model, N);
  const result = await model.analyze(text, { topK: 10, maxTokens: N, attention: false });
  const ids = result.tokens.map((t) => t.id);

  const reachMs: number[] = [];
  for (let i = 0; i < (opts.quick ? 1 : 3); i++) {
    const t0 = now();
    await model.contextReach(ids, { maxContext: K });
    reachMs.push(now() - t0);
  }
  const r = summarize(reachMs);
  report.add({ section: SECTION, name: `context reach, every k ≤ ${K}, ${N} tokens (median of ${r.n})`, value: r.median, unit: 'ms', key: `reach_ms_${N}`, bar: BARS.reachMs512, note: `${ids.length - 1} windows of ${K + 1} tokens` });

  const corpus = model.corpusMarkov(); // read once per model (its load time is not part of the table's)
  compressionBaselines(result, corpus); // warm-up
  const tableMs: number[] = [];
  for (let i = 0; i < (opts.quick ? 3 : 20); i++) {
    const t0 = now();
    compressionBaselines(result, corpus);
    tableMs.push(now() - t0);
  }
  const b = summarize(tableMs);
  report.add({ section: SECTION, name: `compression table, ${N} tokens (median of ${b.n})`, value: b.median, unit: 'ms', key: `baselines_ms_${N}`, bar: BARS.baselinesMs512, note: `deflate 9 + brotli 11 + Markov orders 1–4${corpus.length ? ` + ${corpus.length} corpus chains` : ''}` });

  // An inspection asked for right after reach's first batch: it waits for one batch at most.
  const waits: number[] = [];
  for (let i = 0; i < (opts.quick ? 1 : 3); i++) {
    let asked: Promise<number> | undefined;
    await model.contextReach(ids, {
      maxContext: K,
      onProgress: (done) => {
        if (done === 0 || asked) return;
        const t0 = now();
        asked = model.analyze(text, { topK: 10, maxTokens: N }).then((a) => { a.release(); return now() - t0; });
      },
    });
    waits.push(await asked!);
  }
  const w = summarize(waits);
  report.add({ section: SECTION, name: `analysis, ${N} tokens, asked for while reach runs (median of ${w.n})`, value: w.median, unit: 'ms', key: `analyze_during_reach_ms_${N}` });
  report.extra[`reach_${N}`] = { reachMs: reachMs.map(round), baselinesMs: tableMs.map(round), analyzeDuringReachMs: waits.map(round) };
}
