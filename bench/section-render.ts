// Webview rendering in headless Chromium, timed by the hooks bench/webview/hooks.ts installs on
// window.__attentionLensBench (synthetic data built untimed, then the real drawing code timed
// on a real canvas, up to a pixel read-back that forces the queued canvas work to finish).
import { BARS } from './bars';
import { bundleWebview, openWebview } from './browser';
import type { BenchContext } from './context';
import { summarize } from './stats';
import { VIEW_NAMES } from './webview/viewNames';

const SECTION = 'webview rendering';

interface Hooks {
  view(name: string, T?: number, L?: number, H?: number): number;
  heatmap(T?: number): number;
  overview(T?: number, nLayers?: number, nHeads?: number): { totalMs: number; poolMs: number; drawMs: number };
  hover(T?: number, n?: number): { p50: number; p95: number; max: number };
}
type BenchWindow = { __attentionLensBench?: Hooks };

export async function runRender(ctx: BenchContext): Promise<void> {
  const { report, opts, dims } = ctx;
  const bundle = await bundleWebview(opts.repoRoot);
  const wv = await openWebview(bundle, opts.repoRoot, opts.chromium);
  try {
    const { page } = wv;
    const has = await page.evaluate(() => typeof (window as unknown as BenchWindow).__attentionLensBench?.heatmap === 'function');
    if (!has) throw new Error('the webview bundle exposes no window.__attentionLensBench hooks');
    const repeats = opts.quick ? 3 : 10;

    for (const T of [128, 512, 1024]) {
      await page.evaluate((t) => (window as unknown as BenchWindow).__attentionLensBench!.heatmap(t), T); // warm-up
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) times.push(await page.evaluate((t) => (window as unknown as BenchWindow).__attentionLensBench!.heatmap(t), T));
      const s = summarize(times);
      report.add({
        section: SECTION,
        name: `heatmap, one head, ${T} tokens (median of ${repeats})`,
        value: s.median,
        unit: 'ms',
        key: `render_heatmap_ms_${T}`,
        ...(T === 1024 ? { bar: BARS.heatmapMs1024 } : {}),
        note: `p95 ${s.p95.toFixed(1)} ms`,
      });
    }

    // The overview at the model's own layer × head count.
    const L = dims.nLayers, H = dims.nHeads;
    await page.evaluate(([l, h]) => (window as unknown as BenchWindow).__attentionLensBench!.overview(512, l, h), [L, H] as const);
    const ov: { totalMs: number; poolMs: number; drawMs: number }[] = [];
    for (let i = 0; i < Math.max(3, repeats / 2); i++) {
      ov.push(await page.evaluate(([l, h]) => (window as unknown as BenchWindow).__attentionLensBench!.overview(512, l, h), [L, H] as const));
    }
    const total = summarize(ov.map((o) => o.totalMs));
    report.add({
      section: SECTION,
      name: `overview grid, ${L}×${H} heads + layer means, 512 tokens (median of ${ov.length})`,
      value: total.median,
      unit: 'ms',
      key: 'render_overview_ms_512',
      bar: BARS.overviewMs512,
      note: `pooling + statistics ${summarize(ov.map((o) => o.poolMs)).median.toFixed(1)} ms, drawing ${summarize(ov.map((o) => o.drawMs)).median.toFixed(1)} ms`,
    });

    await page.evaluate(() => (window as unknown as BenchWindow).__attentionLensBench!.hover(1024, 20));
    const hv = await page.evaluate(() => (window as unknown as BenchWindow).__attentionLensBench!.hover(1024, 300));
    report.add({ section: SECTION, name: 'hover redraw p50, 1,024 tokens', value: hv.p50, unit: 'ms', key: 'hover_p50_ms_1024' });
    report.add({ section: SECTION, name: 'hover redraw p95, 1,024 tokens (300 hovers)', value: hv.p95, unit: 'ms', key: 'hover_p95_ms_1024', bar: BARS.hoverP95Ms1024, note: `max ${hv.max.toFixed(1)} ms` });
    await page.evaluate(() => (window as unknown as BenchWindow).__attentionLensBench!.hover(2048, 20));
    const hv2 = await page.evaluate(() => (window as unknown as BenchWindow).__attentionLensBench!.hover(2048, 300));
    report.add({ section: SECTION, name: 'hover redraw p95, 2,048 tokens (300 hovers)', value: hv2.p95, unit: 'ms', key: 'hover_p95_ms_2048', note: `max ${hv2.max.toFixed(1)} ms` });
    await runViews(page, opts.quick ? 2 : 5, report);
  } finally {
    await wv.close();
  }
}

/** Every view's draw time for a 12-layer × 12-head model at 512, 1,024 and 2,048 tokens (issue 17: ≤ 250 ms at 1,024). */
async function runViews(page: import('playwright-core').Page, repeats: number, report: BenchContext['report']): Promise<void> {
  const L = 12, H = 12;
  const slowest: Record<number, { ms: number; view: string }> = {};
  for (const T of [512, 1024, 2048]) {
    for (const view of VIEW_NAMES) {
      const time = () => page.evaluate(([v, t, l, h]) => (window as unknown as BenchWindow).__attentionLensBench!.view(v as string, t as number, l as number, h as number), [view, T, L, H] as const);
      await time(); // warm-up (and the synthetic data for this T)
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) times.push(await time());
      const s = summarize(times);
      if (!slowest[T] || s.median > slowest[T].ms) slowest[T] = { ms: s.median, view };
      report.add({ section: SECTION, name: `view ${view}, ${L}×${H} heads, ${T} tokens (median of ${repeats})`, value: s.median, unit: 'ms', key: `view_${view}_ms_${T}`, ...(T === 1024 ? { bar: BARS.viewMs1024 } : {}), note: `p95 ${s.p95.toFixed(1)} ms` });
    }
  }
  for (const T of [1024, 2048]) {
    report.add({ section: SECTION, name: `slowest view to draw, ${L}×${H} heads, ${T} tokens`, value: slowest[T]!.ms, unit: 'ms', key: `view_max_ms_${T}`, ...(T === 1024 ? { bar: BARS.viewMs1024 } : {}), note: slowest[T]!.view });
  }
}
