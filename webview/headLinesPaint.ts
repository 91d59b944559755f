// Draws the head view's lines for the rows on screen only: a query row's lines to every key, and the
// lines from queries off screen into keys on screen. Work and pixels grow with the window, not with
// T² (12 heads × 2,048 tokens would otherwise be ~10⁶ strokes on a canvas taller than browsers allow).
// Past a budget of lines (or of their length on screen) the faintest opacity bins are left out:
// rasterising is what costs (~20 ms per million pixels of hairline in software), and those lines
// are the least visible. Length counts: a sink head's lines from every query below the screen into
// the first token cross the whole canvas.
import type { HeadLines } from '../src/common/headLines';

const ALPHA_BINS = 8;
/** Rows too small to read (the head view fitted to its height): a few hundred rows of faint lines would cover everything. */
export const SMALL_ROW_MIN_WEIGHT = 0.1;
/** Most lines drawn in one frame, and most pixels of line length. */
export const LINE_BUDGET = 4000;
export const LENGTH_BUDGET = 600_000;

export interface LinesWindow {
  /** Rows [first, last) are on screen. */
  first: number;
  last: number;
  /** Content y (px) at the canvas's top edge, and the canvas's height. */
  top: number;
  height: number;
  row: number;
  width: number;
  /** Only this token's lines (as query or as key); null: every line in the window. */
  focus: number | null;
  focusSide: 'query' | 'key';
  /** Rows under 10 px: only weights ≥ SMALL_ROW_MIN_WEIGHT, opacity = weight² so strong lines stand out of the crowd. */
  small?: boolean;
}

/** What was drawn: lines stroked, lines left out (faint ones past the budget). */
export interface LinesDrawn { drawn: number; omitted: number }

/** The lines by key as well ([H·T + 1] offsets into entries/queries): a key's incoming lines without a scan. */
interface ByKey { offsets: Int32Array; entries: Int32Array; queries: Int32Array }
const byKeyCache = new WeakMap<HeadLines, ByKey>();

function byKey(d: HeadLines): ByKey {
  let index = byKeyCache.get(d);
  if (index) return index;
  const { nHeads: H, T } = d, N = d.keys.length;
  const offsets = new Int32Array(H * T + 1), entries = new Int32Array(N), queries = new Int32Array(N);
  for (let h = 0; h < H; h++) for (let e = d.offsets[h * T]!; e < d.offsets[(h + 1) * T]!; e++) offsets[h * T + d.keys[e]! + 1]!++;
  for (let x = 0; x < H * T; x++) offsets[x + 1]! += offsets[x]!;
  const fill = offsets.slice(0, H * T);
  for (let h = 0; h < H; h++) {
    for (let q = 0; q < T; q++) {
      for (let e = d.offsets[h * T + q]!; e < d.offsets[h * T + q + 1]!; e++) {
        const at = fill[h * T + d.keys[e]!]!++;
        entries[at] = e;
        queries[at] = q;
      }
    }
  }
  index = { offsets, entries, queries };
  byKeyCache.set(d, index);
  return index;
}

/** Strokes the lines of each visible head in its colour, opacity binned by weight. */
export function paintHeadLines(ctx: CanvasRenderingContext2D, d: HeadLines, hidden: Set<number>, colour: (h: number) => string, w: LinesWindow): LinesDrawn {
  const { T } = d, { first, last } = w;
  // Entries to draw, per head and opacity bin (indices into keys/weights, with their query).
  const chosen: { q: number[]; e: number[] }[][] = [];
  const perBin = new Int32Array(ALPHA_BINS), lengthPerBin = new Float64Array(ALPHA_BINS);
  const y = (i: number) => (i + 0.5) * w.row - w.top;
  const height = w.height;
  const minWeight = w.small ? SMALL_ROW_MIN_WEIGHT : 0;
  /** Length of the part of the line from query q to key k that lies on the canvas (px). */
  const onScreen = (q: number, k: number) => {
    const y0 = y(q), y1 = y(k), dy = Math.abs(y1 - y0);
    const shown = Math.max(0, Math.min(Math.max(y0, y1), height) - Math.max(Math.min(y0, y1), 0));
    return dy < 1 ? w.width : (shown / dy) * Math.hypot(w.width, dy);
  };
  for (let h = 0; h < d.nHeads; h++) {
    const bins = Array.from({ length: ALPHA_BINS }, () => ({ q: [] as number[], e: [] as number[] }));
    chosen.push(bins);
    if (hidden.has(h)) continue;
    const take = (q: number, e: number) => {
      if (d.weights[e]! < minWeight) return;
      const bin = Math.min(ALPHA_BINS - 1, Math.floor(d.weights[e]! * ALPHA_BINS));
      bins[bin]!.q.push(q);
      bins[bin]!.e.push(e);
      perBin[bin]!++;
      lengthPerBin[bin]! += onScreen(q, d.keys[e]!);
    };
    const base = h * T; // offsets are [H·T + 1]
    if (w.focus !== null && w.focusSide === 'query') {
      for (let e = d.offsets[base + w.focus]!; e < d.offsets[base + w.focus + 1]!; e++) take(w.focus, e);
      continue;
    }
    // Rows on screen: all their lines. Keys on screen (or the focused key): the lines from every other row.
    const qFrom = w.focus === null ? first : 0, qTo = w.focus === null ? last : 0;
    for (let q = qFrom; q < qTo; q++) for (let e = d.offsets[base + q]!; e < d.offsets[base + q + 1]!; e++) take(q, e);
    const index = byKey(d), kFrom = w.focus ?? first, kTo = w.focus !== null ? w.focus + 1 : last;
    for (let k = kFrom; k < kTo; k++) {
      for (let x = index.offsets[base + k]!; x < index.offsets[base + k + 1]!; x++) {
        const q = index.queries[x]!;
        if (q < qFrom || q >= qTo) take(q, index.entries[x]!);
      }
    }
  }
  // The faintest bins go first when there are too many lines.
  let lowest = 0, total = perBin.reduce((a, b) => a + b, 0), length = lengthPerBin.reduce((a, b) => a + b, 0);
  const all = total;
  while ((total > LINE_BUDGET || length > LENGTH_BUDGET) && lowest < ALPHA_BINS - 1) {
    total -= perBin[lowest]!;
    length -= lengthPerBin[lowest++]!;
  }
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
      const opacity = (b + 1) / ALPHA_BINS;
      ctx.globalAlpha = w.small ? opacity * opacity : Math.max(0.08, opacity);
      ctx.stroke(path);
    }
  }
  ctx.globalAlpha = 1;
  return { drawn: total, omitted: all - total };
}
