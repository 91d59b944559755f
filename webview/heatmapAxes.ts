// Axis text for the heatmap canvas: token labels when cells are big enough, index ticks otherwise.
// Drawn with fillText, so token text is never interpreted.
import { rgbCss, type Theme } from './theme';

export interface AxesGeometry {
  left: number; // px reserved for query labels
  top: number; // px reserved for key labels
  cell: number; // px per cell
  panRow: number;
  panCol: number;
  rows: number; // visible rows/columns (fractional)
  cols: number;
  labels: string[];
}

export function drawAxes(ctx: CanvasRenderingContext2D, g: AxesGeometry, theme: Theme): void {
  const { left: LEFT, top: TOP, cell: c } = g;
  ctx.fillStyle = rgbCss(theme.foreground);
  ctx.textBaseline = 'middle';
  const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
  if (c >= 9) {
    ctx.font = `${Math.min(12, Math.floor(c - 1))}px ${font}`;
    ctx.textAlign = 'right';
    for (let r = Math.floor(g.panRow); r < g.panRow + g.rows; r++) {
      ctx.fillText(shorten(g.labels[r]), LEFT - 4, TOP + (r - g.panRow + 0.5) * c, LEFT - 8);
    }
    ctx.save();
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    for (let k = Math.floor(g.panCol); k < g.panCol + g.cols; k++) {
      ctx.fillText(shorten(g.labels[k]), -TOP + 4, LEFT + (k - g.panCol + 0.5) * c, TOP - 8);
    }
    ctx.restore();
  } else {
    // Too small for token text: index ticks every `step` tokens.
    ctx.font = `11px ${font}`;
    const step = niceStep(40 / c);
    ctx.textAlign = 'right';
    for (let r = Math.ceil(g.panRow / step) * step; r < g.panRow + g.rows; r += step) ctx.fillText(String(r), LEFT - 4, TOP + (r - g.panRow + 0.5) * c);
    ctx.textAlign = 'center';
    for (let k = Math.ceil(g.panCol / step) * step; k < g.panCol + g.cols; k += step) ctx.fillText(String(k), LEFT + (k - g.panCol + 0.5) * c, TOP - 10);
  }
  ctx.font = `11px ${font}`;
  ctx.textAlign = 'left';
  ctx.fillText('key →', LEFT, 10);
  ctx.fillText('query ↓', 4, 10);
}

function shorten(s: string): string {
  return s.length > 14 ? `${s.slice(0, 13)}…` : s;
}

function niceStep(minimum: number): number {
  for (const s of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]) if (s >= minimum) return s;
  return 10000;
}

export function formatWeight(w: number): string {
  return w === 0 ? '0' : w < 0.001 ? w.toExponential(2) : w.toFixed(4);
}
