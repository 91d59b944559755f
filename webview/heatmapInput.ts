// The heatmap's pointer, wheel and keyboard handling: hover, click, drag to pan, wheel and +/- to
// zoom, arrows to move the cursor. It changes the view only through HeatmapControl.

export interface Cell {
  query: number;
  key: number;
}

/** What the input handlers may do with a heatmap (see Heatmap.control). */
export interface HeatmapControl {
  /** Tokens on each axis (T). */
  readonly size: number;
  /** The keyboard cursor. */
  cursor: Cell;
  pan(): { row: number; col: number };
  /** Pans to (row, col) (clamped) and redraws. */
  panTo(row: number, col: number): void;
  /** Pans so that the cell is visible; true when the view moved (it is redrawn). */
  reveal(query: number, key: number): boolean;
  /** Zoom 1, no pan, redrawn. */
  resetView(): void;
  /** The plot's centre in CSS px of the canvas. */
  plotCentre(): readonly [number, number];
  cellSize(): number;
  cellAt(clientX: number, clientY: number): Cell | null;
  setHover(cell: Cell | null, fromKeyboard: boolean, clientX?: number, clientY?: number): void;
  zoomAt(factor: number, px: number, py: number): void;
  activate(cell: Cell): void;
  /** Double-click or Q on a cell: its q·k breakdown. */
  open(cell: Cell): void;
  /** Tells the listener the zoom or pan changed (to persist). */
  viewChanged(): void;
}

export class HeatmapInput {
  private drag: { x: number; y: number; panRow: number; panCol: number; moved: boolean } | null = null;

  constructor(private readonly overlay: HTMLCanvasElement, private readonly view: HeatmapControl) {
    overlay.addEventListener('pointermove', (e) => this.onPointerMove(e));
    overlay.addEventListener('pointerleave', () => { if (!this.drag) view.setHover(null, false); });
    overlay.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    overlay.addEventListener('pointerup', (e) => this.onPointerUp(e));
    overlay.addEventListener('dblclick', (e) => { const cell = view.cellAt(e.clientX, e.clientY); if (cell) view.open(cell); });
    overlay.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    overlay.addEventListener('keydown', (e) => this.onKey(e));
  }

  private onPointerMove(e: PointerEvent): void {
    if (this.drag) {
      const c = this.view.cellSize();
      const dx = e.clientX - this.drag.x, dy = e.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) this.drag.moved = true;
      if (this.drag.moved) {
        this.view.panTo(this.drag.panRow - dy / c, this.drag.panCol - dx / c);
        return;
      }
    }
    this.view.setHover(this.view.cellAt(e.clientX, e.clientY), false, e.clientX, e.clientY);
  }

  private onPointerDown(e: PointerEvent): void {
    this.overlay.setPointerCapture?.(e.pointerId);
    const pan = this.view.pan();
    this.drag = { x: e.clientX, y: e.clientY, panRow: pan.row, panCol: pan.col, moved: false };
  }

  private onPointerUp(e: PointerEvent): void {
    const drag = this.drag;
    this.drag = null;
    if (drag?.moved) { this.view.viewChanged(); return; }
    const cell = this.view.cellAt(e.clientX, e.clientY);
    if (cell) { this.view.cursor = { ...cell }; this.view.activate(cell); }
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const rect = this.overlay.getBoundingClientRect();
    this.view.zoomAt(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - rect.left, e.clientY - rect.top);
  }

  private onKey(e: KeyboardEvent): void {
    const view = this.view;
    if (!view.size) return;
    const step = e.shiftKey ? 10 : 1;
    let { query, key } = view.cursor;
    const last = view.size - 1;
    switch (e.key) {
      case 'ArrowUp': query = Math.max(0, query - step); break;
      case 'ArrowDown': query = Math.min(last, query + step); break;
      case 'ArrowLeft': key = Math.max(0, key - step); break;
      case 'ArrowRight': key = Math.min(last, key + step); break;
      case 'Home': key = 0; break;
      case 'End': key = last; break;
      case 'PageUp': query = Math.max(0, query - 10); break;
      case 'PageDown': query = Math.min(last, query + 10); break;
      case '+': case '=': view.zoomAt(1.5, ...view.plotCentre()); e.preventDefault(); return;
      case '-': view.zoomAt(1 / 1.5, ...view.plotCentre()); e.preventDefault(); return;
      case '0': view.resetView(); view.viewChanged(); e.preventDefault(); return;
      case 'Enter': case ' ': view.activate({ ...view.cursor }); e.preventDefault(); return;
      case 'q': case 'Q': view.open({ ...view.cursor }); e.preventDefault(); return;
      case 'Escape': view.setHover(null, true); return;
      default: return;
    }
    e.preventDefault();
    view.cursor = { query, key };
    if (view.reveal(query, key)) view.viewChanged();
    view.setHover({ query, key }, true);
  }
}
