// Paints the rows of the context-reach grid that are on screen: each row a token, each column
// ln p given only the k tokens before it (k = 1…K), then the full context after a gap, a ring at
// the token's reach. Only rows [first, last) are drawn, so a 2,048-token grid costs what a screen does.
import { rgbCss, type Palette, type Theme } from './theme';
import type { ReachMessage } from '../src/common/protocol';

export const ROW = 6; // px per token row
export const COL = 8; // px per context column
export const GAP = 4; // px between the k columns and the full-context column
/** ln p at or below this gets the faintest colour; 0 the strongest. */
export const MIN_LOGPROB = -10;

type Done = Extract<ReachMessage, { state: 'done' }>;

/** Palette index for a log-probability (NaN → −1: no such context). */
export function logProbIndex(lp: number): number {
  if (!Number.isFinite(lp)) return -1;
  return Math.round(Math.max(0, Math.min(1, 1 - lp / MIN_LOGPROB)) * 255);
}

/** Width of the whole grid (px). */
export const gridWidth = (K: number) => K * COL + GAP + COL;

/**
 * Draws rows [first, last) with content y `top` at the canvas's top edge. The cells are written one
 * pixel each into `scratch`, scaled up without smoothing, and the 1 px gaps between them cut out.
 */
export function paintReachRows(ctx: CanvasRenderingContext2D, scratch: HTMLCanvasElement, d: Done, p: Palette, theme: Theme, first: number, last: number, top: number): void {
  const K = d.maxContext, n = last - first, width = gridWidth(K);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  if (n <= 0) return;
  const cells = new ImageData(K + 1, n);
  const px = new Uint32Array(cells.data.buffer);
  for (let t = first; t < last; t++) {
    const out = (t - first) * (K + 1);
    for (let k = 1; k <= K; k++) {
      const idx = logProbIndex(d.logProbs[t * K + k - 1]!); // [T, K]
      if (idx >= 0) px[out + k - 1] = p.pixels[idx]!;
    }
    const full = logProbIndex(d.full[t]!);
    if (full >= 0) px[out + K] = p.pixels[full]!;
  }
  scratch.width = K + 1;
  scratch.height = n;
  scratch.getContext('2d')!.putImageData(cells, 0, 0);
  const y0 = first * ROW - top;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, K, n, 0, y0, K * COL, n * ROW);
  ctx.drawImage(scratch, K, 0, 1, n, K * COL + GAP, y0, COL, n * ROW);
  const gaps = new Path2D();
  for (let k = 0; k <= K; k++) gaps.rect(k === K ? K * COL + GAP + COL - 1 : k * COL + COL - 1, y0, 1, n * ROW);
  for (let t = 0; t < n; t++) gaps.rect(0, y0 + t * ROW + ROW - 1, width, 1);
  ctx.globalCompositeOperation = 'destination-out';
  ctx.fill(gaps);
  ctx.globalCompositeOperation = 'source-over';
  ctx.strokeStyle = rgbCss(theme.foreground);
  ctx.lineWidth = 1;
  const rings = new Path2D(); // one stroke for every ring
  for (let t = first; t < last; t++) {
    const r = d.reach[t]!;
    if (r > 0) rings.rect((r - 1) * COL + 0.5, t * ROW - top + 0.5, COL - 2, ROW - 2);
  }
  ctx.stroke(rings);
}
