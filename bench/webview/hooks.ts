// Timing hooks for the benchmark (window.__attentionLensBench): each call builds synthetic data
// (not timed), then times the real drawing code on a real canvas/DOM in this page. Bundled only
// into the benchmark's page (entry.ts), never into the product's webview.
import { Heatmap } from '../../webview/heatmap';
import { Overview } from '../../webview/overview';
import { makePalette, readTheme } from '../../webview/theme';
import { overviewBytes } from '../../src/common/slices';
import { allHeadStats } from '../../src/common/stats';
import { timeView, type ViewName } from './views';

/** A causal pattern that mixes a sink, a previous-token diagonal and a smooth local kernel: rows sum to 1. */
export function syntheticHead(T: number, seed: number): Float32Array {
  const m = new Float32Array(T * T);
  for (let q = 0; q < T; q++) {
    let sum = 0;
    for (let k = 0; k <= q; k++) {
      const w = Math.exp(-Math.abs(q - k) / (3 + (seed % 5))) + (k === 0 ? 2 : 0) + (k === q - 1 ? 1 : 0);
      m[q * T + k] = w; // [Q, K]
      sum += w;
    }
    for (let k = 0; k <= q; k++) m[q * T + k] /= sum;
  }
  return m;
}

function stage(width: number): HTMLElement {
  const host = document.createElement('div');
  host.style.width = `${width}px`;
  host.style.position = 'absolute';
  host.style.left = '0';
  host.style.top = '0';
  document.body.append(host);
  return host;
}

/** Reading one pixel back forces the canvas work queued so far to finish before the clock stops. */
function flush(canvas: HTMLCanvasElement | null): void {
  canvas?.getContext('2d')?.getImageData(0, 0, 1, 1);
}

export interface BenchApi {
  /** ms to paint and draw one head's heatmap of T tokens (default 1,024) at fit zoom. */
  heatmap(T?: number): number;
  /** ms for the overview of every head at T tokens (default 512): host-side pooling + drawing, and each part. */
  overview(T?: number, nLayers?: number, nHeads?: number): { totalMs: number; poolMs: number; drawMs: number };
  /** Per-hover redraw times (overlay + tooltip) over `n` cells of a T-token heatmap. */
  hover(T?: number, n?: number): { p50: number; p95: number; max: number };
  /** ms for one view (views.ts VIEW_NAMES) to draw T tokens of an L × H model. */
  view(name: ViewName, T?: number, L?: number, H?: number): number;
}

export function installBench(): void {
  const theme = () => readTheme();
  const api: BenchApi = {
    view: timeView,
    heatmap(T = 1024) {
      const matrix = syntheticHead(T, 1);
      const labels = Array.from({ length: T }, (_, i) => `t${i}`);
      const host = stage(900);
      const view = new Heatmap({ onHover() {}, onActivate() {}, onViewChange() {} });
      host.append(view.root);
      const palette = makePalette('theme', theme(), false);
      const t0 = performance.now();
      view.setPalette(palette, theme());
      view.setData(matrix, T, labels);
      view.resize();
      flush(view.snapshot());
      const ms = performance.now() - t0;
      host.remove();
      return ms;
    },
    overview(T = 512, nLayers = 4, nHeads = 6) {
      const n = T * T;
      const attention = new Float32Array(nLayers * nHeads * n);
      for (let x = 0; x < nLayers * nHeads; x++) attention.set(syntheticHead(T, x), x * n); // [L, H, Q, K]
      const ids = Array.from({ length: T }, (_, i) => i % 97);
      const host = stage(900);
      const view = new Overview(() => {});
      host.append(view.root);
      const t0 = performance.now();
      const shape = { nLayers, nHeads, nTokens: T };
      const { size, data } = overviewBytes(attention, shape, 48, { dropSink: false }, 'linear');
      const stats = allHeadStats(attention, nLayers, nHeads, T, ids, true);
      const t1 = performance.now();
      view.render({ nLayers, nHeads, size, data, stats, T, causal: true }, makePalette('theme', theme(), false), { layer: 0, head: 0 });
      flush(view.root.querySelector('canvas'));
      const t2 = performance.now();
      host.remove();
      return { totalMs: t2 - t0, poolMs: t1 - t0, drawMs: t2 - t1 };
    },
    hover(T = 1024, n = 200) {
      const matrix = syntheticHead(T, 2);
      const labels = Array.from({ length: T }, (_, i) => `t${i}`);
      const host = stage(900);
      const view = new Heatmap({ onHover() {}, onActivate() {}, onViewChange() {} });
      host.append(view.root);
      view.setPalette(makePalette('theme', theme(), false), theme());
      view.setData(matrix, T, labels);
      view.resize();
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const q = (i * 7919) % T, k = (i * 104729) % (q + 1);
        const t0 = performance.now();
        view.setHover({ query: q, key: k }, false, 100, 100);
        flush(view.root.querySelector('.heatmap-overlay'));
        times.push(performance.now() - t0);
      }
      host.remove();
      times.sort((a, b) => a - b);
      return { p50: times[Math.floor(n * 0.5)], p95: times[Math.min(n - 1, Math.floor(n * 0.95))], max: times[n - 1] };
    },
  };
  (window as unknown as { __attentionLensBench: BenchApi }).__attentionLensBench = api;
}
