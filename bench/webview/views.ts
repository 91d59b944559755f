// Draw time of every panel view at T tokens for an L × H model (window.__attentionLensBench.view):
// synthetic data of the shape the host sends is built untimed, then the view's real drawing code
// runs on a real canvas/DOM in this page, timed up to a forced layout and a pixel read-back.
// Draw time does not depend on the weights, only on the shapes.
import { Heatmap } from '../../webview/heatmap';
import { Overview } from '../../webview/overview';
import { HeadView } from '../../webview/headView';
import { KernelView } from '../../webview/kernelView';
import { StatsTable } from '../../webview/statsTable';
import { ReachView } from '../../webview/reachView';
import { CompressionView } from '../../webview/compressionView';
import { LensView } from '../../webview/lensView';
import { AblationView } from '../../webview/ablationView';
import { TokenStrip } from '../../webview/tokens';
import { QkView } from '../../webview/qkView';
import { makePalette, readTheme } from '../../webview/theme';
import { HEAD_STAT_NAMES } from '../../src/common/stats';
import { packHeadLines } from '../../src/common/headLines';
import type { AnalysisHeader } from '../../src/common/protocol';
import { syntheticHead } from './hooks';
import { VIEW_NAMES, type ViewName } from './viewNames';

export type { ViewName };


/** Synthetic attention heads, shared across calls of the same T (building them is not timed). */
const heads = new Map<number, Float32Array[]>();
function headsOf(T: number): Float32Array[] {
  if (!heads.has(T)) { heads.clear(); heads.set(T, Array.from({ length: 5 }, (_, s) => syntheticHead(T, s))); }
  return heads.get(T)!;
}

/** A dense causal matrix (rows sum to 1, every cell below the diagonal non-zero), like a rollout. */
function dense(T: number): Float32Array {
  const m = new Float32Array(T * T);
  for (let q = 0; q < T; q++) for (let k = 0; k <= q; k++) m[q * T + k] = 1 / (q + 1); // [Q, K]
  return m;
}

function stage(): HTMLElement {
  const host = document.createElement('div');
  host.style.cssText = 'width: 900px; position: absolute; left: 0; top: 0;';
  document.body.append(host);
  return host;
}

/** Forces style, layout and the queued canvas work to finish before the clock stops. */
function flush(root: HTMLElement): void {
  void root.offsetHeight;
  for (const c of root.querySelectorAll('canvas')) if (c.width && c.height) c.getContext('2d')?.getImageData(0, 0, 1, 1);
}

const labelsOf = (T: number) => Array.from({ length: T }, (_, i) => (i % 17 === 16 ? 't⏎' : `t${i}`));

function header(T: number, L: number, H: number): AnalysisHeader {
  const k = 5, ids = new Int32Array(T * k), probs = new Float32Array(T * k).fill(0.1);
  return {
    analysisId: 1, model: { name: 'bench', kind: 'decoder', nLayers: L, nHeads: H, contextLength: 4096 },
    tokens: Array.from({ length: T }, (_, i) => ({ display: `t${i}`, start: i, end: i + 1, logprob: i ? -((i * 7) % 13) : null, rank: i ? 1 + (i % 9) : null, special: false })),
    shape: { nLayers: L, nHeads: H, nTokens: T }, topK: { k, ids, probs, vocab: { 0: 'a' } }, truncated: null, source: { fileName: 'bench.ts' },
  };
}

/** Builds the view's input (untimed) and returns the timed draw. */
function prepare(name: ViewName, T: number, L: number, H: number, host: HTMLElement): () => void {
  const theme = readTheme(), palette = makePalette('theme', theme, false), labels = labelsOf(T);
  const noop = () => {};
  const newHeatmap = () => {
    const view = new Heatmap({ onHover: noop, onActivate: noop, onViewChange: noop });
    host.append(view.root);
    return view;
  };
  const heatmap = (m: Float32Array) => {
    const view = newHeatmap();
    return () => { view.setPalette(palette, theme); view.setData(m, T, labels); view.resize(); };
  };
  switch (name) {
    case 'heatmap': return heatmap(headsOf(T)[1]!);
    case 'heatmapZoomed': case 'heatmapPan': { // 8× zoom into the middle: exact cells from a full-size image
      const view = newHeatmap();
      view.setPalette(palette, theme);
      view.setData(headsOf(T)[1]!, T, labels);
      view.resize(); // drawn at fit zoom first, as the panel opens
      const zoomAt = (at: number) => () => { view.setView(8, at, at); view.draw(); };
      if (name === 'heatmapZoomed') return zoomAt(T / 2);
      zoomAt(T / 2)();
      return zoomAt(T / 2 + 10); // a pan: the image is already painted
    }
    case 'valueWeighted': return heatmap(headsOf(T)[2]!); // the heatmap's drawing of other weights
    case 'rollout': return heatmap(dense(T));
    case 'overview': {
      const size = Math.min(48, T), data = new Uint8Array(L * (H + 1) * size * size);
      for (let x = 0; x < data.length; x++) data[x] = (x * 2654435761) >>> 24; // [L, H + 1, s, s]
      const stats = new Float32Array(L * H * HEAD_STAT_NAMES.length).fill(0.5);
      const view = new Overview(noop);
      host.append(view.root);
      return () => view.render({ nLayers: L, nHeads: H, size, data, stats, T, causal: true }, palette, { layer: 0, head: 0 });
    }
    case 'headView': case 'headViewHover': {
      const layer = packHeadLines(H, T, (h) => headsOf(T)[h % 5]!); // what the host sends (selector layerLines)
      const view = new HeadView({ onHover: noop, onActivate: noop, onHeadsChange: noop });
      host.append(view.root);
      if (name === 'headView') return () => view.setData(layer, H, T, labels, [], theme);
      view.setData(layer, H, T, labels, [], theme);
      return () => { view.setFocus(5, 'key'); view.setFocus(null, 'key'); }; // a key's lines alone, then all again
    }
    case 'kernel': {
      const row = headsOf(T)[0]!.subarray((T - 1) * T, T * T); // [K]
      const view = new KernelView({ onHover: noop, onActivate: noop, onQueryChange: noop });
      host.append(view.root);
      return () => view.setRow(row, T - 1, T, labels, palette, theme);
    }
    case 'stats': {
      const stats = new Float32Array(L * H * HEAD_STAT_NAMES.length).map((_, i) => (i % 7) / 7);
      const view = new StatsTable(noop, noop);
      host.append(view.root);
      return () => view.render(stats, L, H, T, true, { key: 'entropy', descending: true });
    }
    case 'reach': {
      const K = 64, logProbs = new Float32Array(T * K).map((_, i) => -(i % 11)), full = new Float32Array(T).fill(-1);
      const reach = new Int32Array(T).map((_, i) => i % K);
      const view = new ReachView({ onHover: noop, onActivate: noop, onCancel: noop, onRequest: noop });
      host.append(view.root);
      return () => view.set({ type: 'reach', analysisId: 1, state: 'done', maxContext: K, prefix: 0, logProbs, full, reach, ms: 1 }, labels, palette, theme);
    }
    case 'compression': {
      const diff = new Float32Array(T).map((_, i) => ((i % 9) - 4) * 1.5);
      const view = new CompressionView({ onHover: noop, onActivate: noop });
      host.append(view.root);
      const m = { type: 'baselines' as const, analysisId: 1, bytes: T * 4, bitsPerByte: { model: 2, deflate: 3, brotli: 2.8, markov1: 4, markov2: 3.5, markov3: 3.4, markov4: 3.6 }, bestMarkov: 'markov3', modelMinusMarkov: diff, lz: new Int32Array(0) };
      return () => view.render(m, labels, true, theme);
    }
    case 'lens': {
      const k = 5, ids = new Int32Array(L * T * k).map((_, i) => i % 50), probs = new Float32Array(L * T * k).fill(0.2); // [L, T, k]
      const vocab: Record<number, string> = {};
      for (let i = 0; i < 50; i++) vocab[i] = `w${i}`;
      const view = new LensView(noop);
      host.append(view.root);
      return () => view.render({ nLayers: L, T, k, ids, probs, vocab }, labels, T - 1, palette);
    }
    case 'ablation': {
      const delta = new Float32Array(L * H * T).map((_, i) => ((i % 13) - 6) / 10), top1Changed = new Uint8Array(L * H * T); // [L, H, T]
      const view = new AblationView(noop);
      host.append(view.root);
      return () => view.render({ nLayers: L, nHeads: H, T, delta, top1Changed, top1: new Int32Array(T), vocab: { 0: 'a' } }, labels, T - 2);
    }
    case 'qk': { // the q·k breakdown of the last query's cell with the key before it: its row lists every key
      const D = 64, q = new Float32Array(T * D).map((_, i) => ((i * 37) % 11) / 11 - 0.5), k = q.slice(); // [T, D]
      const scores = new Float32Array(T * T).fill(-1e9); // [Q, K]; the view reads only the chosen query's row
      for (let j = 0; j < T; j++) { let dot = 0; for (let x = 0; x < D; x++) dot += q[(T - 1) * D + x]! * k[j * D + x]!; scores[(T - 1) * T + j] = dot / 8; }
      const view = new QkView(noop);
      host.append(view.root);
      return () => view.render({ type: 'qk', analysisId: 1, layer: 0, head: 0, D, q, k, scale: 1 / 8, scores }, labels, T - 1, T - 2);
    }
    case 'tokenStrip': {
      const h = header(T, L, H);
      const view = new TokenStrip({ onHover: noop, onActivate: noop });
      host.append(view.root);
      return () => view.render(h, labels, palette);
    }
  }
}

/** ms for view `name` to draw T tokens of an L × H model, from data in hand to pixels. */
export function timeView(name: ViewName, T = 1024, L = 12, H = 12): number {
  if (!VIEW_NAMES.includes(name)) throw new Error(`unknown view ${name}; one of ${VIEW_NAMES.join(', ')}`);
  const host = stage();
  try {
    const draw = prepare(name, T, L, H, host);
    const t0 = performance.now();
    draw();
    flush(host);
    return performance.now() - t0;
  } finally {
    host.remove();
  }
}
