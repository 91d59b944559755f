// Webview rendering in headless Chromium, timed by the hooks bench/webview/hooks.ts installs on
// window.__attentionLensBench (synthetic data built untimed, then the real drawing code timed
// on a real canvas, up to a pixel read-back that forces the queued canvas work to finish).
import { BARS } from './bars';
import { bundleWebview, openWebview } from './browser';
import type { BenchContext } from './context';
import { summarize } from './stats';

const SECTION = 'webview rendering';

interface Hooks {
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
  } finally {
    await wv.close();
  }
}
