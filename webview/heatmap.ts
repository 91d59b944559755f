// One [Q, K] attention matrix on a canvas: token labels on both axes, zoom and pan, a tooltip,
// keyboard cursor. The matrix is painted once into a T×T image (heatmapPaint.ts); zoom/pan only
// re-blit it, and hover only redraws a transparent overlay canvas. Pointer, wheel and keys are
// read in heatmapInput.ts, which drives this view through HeatmapControl.
import { el } from './dom';
import { rgbCss, type Palette, type Theme } from './theme';
import { drawAxes, formatWeight } from './heatmapAxes';
import { paintMatrix } from './heatmapPaint';
import { HeatmapInput, type HeatmapControl } from './heatmapInput';

export { formatWeight };

export interface HeatmapEvents {
  /** Pointer or keyboard is on cell (query, key); null when it leaves. */
  onHover(cell: { query: number; key: number } | null): void;
  /** Click or Enter on a cell. */
  onActivate(cell: { query: number; key: number }): void;
  /** Double-click or Q on a cell: open its q·k breakdown. */
  onOpen?(cell: { query: number; key: number }): void;
  /** Zoom or pan changed (to persist). */
  onViewChange(zoom: number, panRow: number, panCol: number): void;
}

const LEFT = 96; // px for query labels
const TOP = 72; // px for key labels
const MAX_ZOOM = 256;

export class Heatmap {
  readonly root = el('div', { class: 'heatmap' });
  private readonly canvas = el('canvas', { class: 'heatmap-base', 'aria-hidden': 'true' });
  private readonly overlay = el('canvas', {
    class: 'heatmap-overlay', tabindex: 0, role: 'application',
    'aria-label': 'Attention heatmap, query rows by key columns. Arrow keys move between cells, Shift moves by ten, plus and minus zoom, 0 fits, Enter shows the key token in the editor, Q opens the q·k breakdown of the cell.',
  });
  private readonly tooltip = el('div', { class: 'tooltip', role: 'tooltip', hidden: true });
  private readonly live = el('div', { class: 'visually-hidden', 'aria-live': 'polite' });
  private readonly image = document.createElement('canvas'); // T × T, one pixel per cell

  private matrix: Float32Array | null = null;
  private T = 0;
  private labels: string[] = [];
  private palette: Palette | null = null;
  private theme: Theme | null = null;
  private imageDirty = true;
  private block = 1;
  private zoom = 1;
  private panRow = 0;
  private panCol = 0;
  private hover: { query: number; key: number } | null = null;
  private cursor = { query: 0, key: 0 };
  private selectedQuery: number | null = null;

  constructor(private readonly events: HeatmapEvents) {
    const stack = el('div', { class: 'heatmap-stack' });
    stack.append(this.canvas, this.overlay, this.tooltip);
    this.root.append(stack, this.live);
    new HeatmapInput(this.overlay, this.control());
    new ResizeObserver(() => this.resize()).observe(this.root);
  }

  setData(matrix: Float32Array, T: number, labels: string[]): void {
    if (matrix === this.matrix && T === this.T && labels === this.labels) return;
    this.matrix = matrix;
    this.T = T;
    this.labels = labels;
    this.imageDirty = true;
    this.cursor = { query: Math.min(this.cursor.query, T - 1), key: Math.min(this.cursor.key, T - 1) };
    this.clampPan();
  }

  setPalette(palette: Palette, theme: Theme): void {
    if (palette === this.palette && theme === this.theme) return;
    this.palette = palette;
    this.theme = theme;
    this.imageDirty = true;
  }

  setView(zoom: number, panRow: number, panCol: number): void {
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, zoom));
    this.panRow = panRow;
    this.panCol = panCol;
    this.clampPan();
  }

  /** Marks a query row as selected (from the editor cursor or a click) and moves the keyboard cursor there. */
  setQuery(query: number | null): void {
    if (query === this.selectedQuery) return;
    this.selectedQuery = query;
    if (query !== null && query < this.T) { this.cursor.query = query; this.ensureVisible(query, this.cursor.key); }
  }

  /** Sizes the canvases to the container (device pixels) and redraws everything. */
  resize(): void {
    const w = Math.max(160, this.root.clientWidth);
    const h = Math.max(160, Math.min(w, Math.round(window.innerHeight * 0.72)));
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.overlay]) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    this.clampPan();
    this.draw();
  }

  private get cssWidth(): number { return this.canvas.width / (window.devicePixelRatio || 1); }
  private get cssHeight(): number { return this.canvas.height / (window.devicePixelRatio || 1); }

  /** Side of one cell in CSS pixels. */
  cellSize(): number {
    const fit = Math.min(this.cssWidth - LEFT, this.cssHeight - TOP) / Math.max(1, this.T);
    return fit * this.zoom;
  }

  private visibleCells(): { rows: number; cols: number } {
    const c = this.cellSize();
    return { rows: (this.cssHeight - TOP) / c, cols: (this.cssWidth - LEFT) / c };
  }

  private clampPan(): void {
    if (!this.T) return;
    const v = this.visibleCells();
    this.panRow = Math.max(0, Math.min(this.panRow, this.T - Math.min(this.T, v.rows)));
    this.panCol = Math.max(0, Math.min(this.panCol, this.T - Math.min(this.T, v.cols)));
  }

  /** Repaints the image (only when data, colours or block size changed). */
  private paintImage(): void {
    paintMatrix(this.image, this.matrix!, this.T, this.palette!, this.block);
    this.imageDirty = false;
  }

  /** Full redraw: matrix, labels, overlay. */
  draw(): void {
    const ctx = this.canvas.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const theme = this.theme;
    if (!theme || !this.palette || !this.matrix || !this.T) { ctx.clearRect(0, 0, this.cssWidth, this.cssHeight); return; }
    const c = this.cellSize();
    const block = c >= 1 ? 1 : Math.ceil(1 / c - 1e-9); // cells per image pixel
    if (block !== this.block) { this.block = block; this.imageDirty = true; }
    if (this.imageDirty) this.paintImage();
    ctx.fillStyle = rgbCss(theme.background);
    ctx.fillRect(0, 0, this.cssWidth, this.cssHeight);
    const v = this.visibleCells();
    const rows = Math.min(this.T - this.panRow, v.rows), cols = Math.min(this.T - this.panCol, v.cols);
    ctx.imageSmoothingEnabled = false; // cells stay sharp; shrinking was done by max-pooling
    ctx.drawImage(this.image, this.panCol / block, this.panRow / block, cols / block, rows / block, LEFT, TOP, cols * c, rows * c);
    drawAxes(ctx, { left: LEFT, top: TOP, cell: c, panRow: this.panRow, panCol: this.panCol, rows, cols, labels: this.labels }, theme);
    this.canvas.dataset.plotX = String(LEFT);
    this.canvas.dataset.plotY = String(TOP);
    this.canvas.dataset.cell = String(c);
    this.canvas.dataset.panRow = String(this.panRow);
    this.canvas.dataset.panCol = String(this.panCol);
    this.drawOverlay();
  }

  /** Redraws only the hover/cursor/selection marks: the cheap path on every pointer move. */
  drawOverlay(): void {
    const ctx = this.overlay.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssWidth, this.cssHeight);
    if (!this.theme || !this.T) return;
    const c = this.cellSize();
    const x = (k: number) => LEFT + (k - this.panCol) * c;
    const y = (q: number) => TOP + (q - this.panRow) * c;
    const plotW = Math.min(this.T - this.panCol, this.visibleCells().cols) * c;
    ctx.lineWidth = Math.max(1, Math.min(2, c / 4));
    if (this.selectedQuery !== null) {
      ctx.strokeStyle = rgbCss(this.theme.foreground, 0.8);
      ctx.strokeRect(LEFT, y(this.selectedQuery), plotW, Math.max(1, c));
    }
    const mark = this.hover ?? (document.activeElement === this.overlay ? this.cursor : null);
    if (mark) {
      ctx.strokeStyle = rgbCss(this.theme.focus);
      ctx.strokeRect(x(mark.key) - 1, y(mark.query) - 1, Math.max(1, c) + 2, Math.max(1, c) + 2);
      ctx.fillStyle = rgbCss(this.theme.focus, 0.25);
      ctx.fillRect(LEFT - 6, y(mark.query), 4, Math.max(1, c)); // row marker
      ctx.fillRect(x(mark.key), TOP - 6, Math.max(1, c), 4); // column marker
    }
  }

  /** The hovered cell changes: tooltip, overlay, event. `fromKeyboard` anchors the tooltip at the cell. */
  setHover(cell: { query: number; key: number } | null, fromKeyboard: boolean, clientX = 0, clientY = 0): void {
    const same = cell && this.hover && cell.query === this.hover.query && cell.key === this.hover.key;
    this.hover = cell;
    if (cell && !same) {
      const w = this.matrix![cell.query * this.T + cell.key]; // [Q, K]
      this.tooltip.textContent = `query ${cell.query} “${this.labels[cell.query]}” → key ${cell.key} “${this.labels[cell.key]}”: weight ${formatWeight(w)}`;
      this.tooltip.hidden = false;
      const rect = this.overlay.getBoundingClientRect();
      const c = this.cellSize();
      const px = fromKeyboard ? LEFT + (cell.key - this.panCol + 1) * c : clientX - rect.left;
      const py = fromKeyboard ? TOP + (cell.query - this.panRow + 1) * c : clientY - rect.top;
      this.tooltip.style.left = `${Math.min(px + 12, rect.width - 220)}px`;
      this.tooltip.style.top = `${py + 12}px`;
      if (fromKeyboard) this.live.textContent = this.tooltip.textContent;
    } else if (!cell) {
      this.tooltip.hidden = true;
    }
    this.drawOverlay();
    if (!same) this.events.onHover(cell);
  }

  /** The cell under a client point, or null outside the matrix. */
  cellAt(clientX: number, clientY: number): { query: number; key: number } | null {
    const rect = this.overlay.getBoundingClientRect();
    const c = this.cellSize();
    const key = Math.floor((clientX - rect.left - LEFT) / c + this.panCol);
    const query = Math.floor((clientY - rect.top - TOP) / c + this.panRow);
    if (clientX - rect.left < LEFT || clientY - rect.top < TOP) return null;
    return query >= 0 && query < this.T && key >= 0 && key < this.T ? { query, key } : null;
  }

  /** Zooms by `factor` keeping the point (px, py) (CSS px in the canvas) over the same cell. */
  zoomAt(factor: number, px: number, py: number): void {
    const before = this.cellSize();
    const col = (px - LEFT) / before + this.panCol, row = (py - TOP) / before + this.panRow;
    this.zoom = Math.min(MAX_ZOOM, Math.max(1, this.zoom * factor));
    const after = this.cellSize();
    this.panCol = col - (px - LEFT) / after;
    this.panRow = row - (py - TOP) / after;
    this.clampPan();
    this.draw();
    this.events.onViewChange(this.zoom, this.panRow, this.panCol);
  }

  private ensureVisible(query: number, key: number): void {
    const v = this.visibleCells();
    if (query < this.panRow) this.panRow = query;
    else if (query + 1 > this.panRow + v.rows) this.panRow = query + 1 - v.rows;
    if (key < this.panCol) this.panCol = key;
    else if (key + 1 > this.panCol + v.cols) this.panCol = key + 1 - v.cols;
    this.clampPan();
  }

  /** What the input handlers may do with this view. */
  private control(): HeatmapControl {
    const view = this;
    return {
      get size() { return view.T; },
      get cursor() { return view.cursor; },
      set cursor(cell) { view.cursor = cell; },
      pan: () => ({ row: view.panRow, col: view.panCol }),
      panTo(row, col) {
        view.panRow = row;
        view.panCol = col;
        view.clampPan();
        view.draw();
      },
      reveal(query, key) {
        const before = [view.panRow, view.panCol];
        view.ensureVisible(query, key);
        const moved = before[0] !== view.panRow || before[1] !== view.panCol;
        if (moved) view.draw();
        return moved;
      },
      resetView() {
        view.zoom = 1;
        view.panRow = 0;
        view.panCol = 0;
        view.draw();
      },
      plotCentre: () => [LEFT + (view.cssWidth - LEFT) / 2, TOP + (view.cssHeight - TOP) / 2] as const,
      cellSize: () => view.cellSize(),
      cellAt: (x, y) => view.cellAt(x, y),
      setHover: (cell, fromKeyboard, x, y) => view.setHover(cell, fromKeyboard, x, y),
      zoomAt: (factor, px, py) => view.zoomAt(factor, px, py),
      activate: (cell) => view.events.onActivate(cell),
      open: (cell) => view.events.onOpen?.(cell),
      viewChanged: () => view.events.onViewChange(view.zoom, view.panRow, view.panCol),
    };
  }

  /** The base canvas (for PNG export). */
  snapshot(): HTMLCanvasElement { return this.canvas; }
}
