// LZ77 copies drawn beside the head view's key column: for each match of the token-level parse,
// a bar on the copied span, a bar on its source, and an arc between them (src/common/lz77.ts).
// Where an induction head's lines run parallel to these arcs, the head is doing the LZ copy.
import { el } from './dom';
import { rgbCss, type Theme } from './theme';

const WIDTH = 64; // px

export class LzArcs {
  readonly canvas = el('canvas', { class: 'lz-arcs', width: WIDTH, height: 1, role: 'img', 'aria-label': 'LZ77 copies' });
  private lz: Int32Array | null = null; // [M, 3]: start, source, length
  private T = 0;
  private row = 18;

  /** The parse for T tokens drawn at `rowHeight` px per token (null: not computed yet). */
  set(lz: Int32Array | null, T: number, rowHeight: number): void {
    this.lz = lz;
    this.T = T;
    this.row = rowHeight;
  }

  /** Draws the copies crossing the screen (content px top … top + height); those touching token `focus` (as copy or source) stand out. */
  draw(theme: Theme | null, focus: number | null, screen = { top: 0, height: this.T * this.row }): void {
    const c = this.canvas;
    if (c.height !== Math.max(1, screen.height)) c.height = Math.max(1, screen.height);
    const ctx = c.getContext('2d')!;
    ctx.clearRect(0, 0, c.width, c.height);
    const lz = this.lz;
    if (!lz || !theme) return;
    const M = lz.length / 3;
    c.setAttribute('aria-label', `${M} LZ77 cop${M === 1 ? 'y' : 'ies'} of at least two tokens`);
    const R = this.row;
    ctx.setTransform(1, 0, 0, 1, 0, -screen.top);
    for (let i = 0; i < M; i++) {
      const start = lz[i * 3]!, source = lz[i * 3 + 1]!, length = lz[i * 3 + 2]!; // [M, 3]
      if (source * R > screen.top + screen.height || (start + length) * R < screen.top) continue; // source before copy: off screen
      const touches = focus !== null && ((focus >= start && focus < start + length) || (focus >= source && focus < source + length));
      ctx.strokeStyle = rgbCss(theme.foreground, focus === null ? 0.55 : touches ? 0.95 : 0.12);
      ctx.lineWidth = touches ? 2 : 1;
      ctx.beginPath();
      ctx.moveTo(3, source * R + 2); ctx.lineTo(3, (source + length) * R - 2); // source span
      ctx.moveTo(7, start * R + 2); ctx.lineTo(7, (start + length) * R - 2); // copied span
      const y0 = (source + length / 2) * R, y1 = (start + length / 2) * R;
      const bulge = Math.min(WIDTH - 4, 10 + Math.abs(y1 - y0) / 6);
      ctx.moveTo(3, y0);
      ctx.bezierCurveTo(bulge, y0, bulge, y1, 7, y1);
      ctx.stroke();
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }
}
