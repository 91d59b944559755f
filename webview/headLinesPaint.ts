// Draws the head view's lines for the rows on screen only: a query row's lines to every key, and the
// lines from queries off screen into keys on screen. Work and pixels grow with the window, not with
// T² (12 heads × 2,048 tokens would otherwise be ~10⁶ strokes on a canvas taller than browsers allow).
// Past LINE_BUDGET lines the faintest opacity bins are left out: rasterising is what costs (~5 ms per
// 1,000 hairlines in software), and those lines are the least visible.
import type { HeadLines } from '../src/common/headLines';

const ALPHA_BINS = 8;
/** Most lines drawn in one frame. */
export const LINE_BUDGET = 4000;

export interface LinesWindow {
  /** Rows [first, last) are on screen. */
  first: number;
  last: number;
  /** Content y (px) at the canvas's top edge. */
  top: number;
  row: number;
  width: number;
  /** Only this token's lines (as query or as key); null: every line in the window. */
  focus: number | null;
  focusSide: 'query' | 'key';
}

/** What was drawn: lines stroked, lines left out (faint ones past the budget). */
export interface LinesDrawn { drawn: number; omitted: number }

/** Strokes the lines of each visible head in its colour, opacity binned by weight. */
export function paintHeadLines(ctx: CanvasRenderingContext2D, d: HeadLines, hidden: Set<number>, colour: (h: number) => string, w: LinesWindow): LinesDrawn {
  const { T } = d, { first, last } = w;
  // Entries to draw, per head and opacity bin (indices into keys/weights, with their query).
  const chosen: { q: number[]; e: number[] }[][] = [];
  const perBin = new Int32Array(ALPHA_BINS);
  for (let h = 0; h < d.nHeads; h++) {
    const bins = Array.from({ length: ALPHA_BINS }, () => ({ q: [] as number[], e: [] as number[] }));
    chosen.push(bins);
    if (hidden.has(h)) continue;
    const take = (q: number, e: number) => {
      const bin = Math.min(ALPHA_BINS - 1, Math.floor(d.weights[e]! * ALPHA_BINS));
      bins[bin]!.q.push(q);
      bins[bin]!.e.push(e);
      perBin[bin]!++;
    };
    const base = h * T; // offsets are [H·T + 1]
    if (w.focus !== null && w.focusSide === 'query') {
      for (let e = d.offsets[base + w.focus]!; e < d.offsets[base + w.focus + 1]!; e++) take(w.focus, e);
      continue;
    }
    const kFrom = w.focus ?? first, kTo = w.focus !== null ? w.focus + 1 : last;
    for (let q = 0; q < T; q++) {
      const own = w.focus === null && q >= first && q < last; // a row on screen: all its lines
      for (let e = d.offsets[base + q]!, end = d.offsets[base + q + 1]!; e < end; e++) {
        const k = d.keys[e]!;
        if (own || (k >= kFrom && k < kTo)) take(q, e);
      }
    }
  }
  // The faintest bins go first when there are too many lines.
  let lowest = 0, total = perBin.reduce((a, b) => a + b, 0);
  const all = total;
  while (total > LINE_BUDGET && lowest < ALPHA_BINS - 1) total -= perBin[lowest++]!;
  const y = (i: number) => (i + 0.5) * w.row - w.top;
  ctx.lineWidth = 1; // hairlines: Skia draws them without building a stroke outline, several times faster
  for (let h = 0; h < d.nHeads; h++) {
    ctx.strokeStyle = colour(h);
    for (let b = lowest; b < ALPHA_BINS; b++) {
      const { q, e } = chosen[h]![b]!;
      if (!q.length) continue;
      const path = new Path2D();
      for (let i = 0; i < q.length; i++) {
        path.moveTo(0, y(q[i]!));
        path.lineTo(w.width, y(d.keys[e[i]!]!));
      }
      ctx.globalAlpha = Math.max(0.08, (b + 1) / ALPHA_BINS);
      ctx.stroke(path);
    }
  }
  ctx.globalAlpha = 1;
  return { drawn: total, omitted: all - total };
}
