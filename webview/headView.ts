// Head view: tokens in two columns (queries left, keys right) with a line from each query to
// every key it attends to (weight ≥ 0.01), one colour per head, opacity = weight. Hover or focus a
// token to see only its lines. Up/Down move between tokens; Left/Right step through heads (all → one → …).
// Long selections: the columns hold only the rows on screen, and the line and arc canvases are one
// screen tall, redrawn for the rows in view as the body scrolls (headLinesPaint.ts).
// "Fit to height" shrinks the rows so the whole text fits the view: a copy over hundreds of tokens
// (an induction head's band of parallel lines, the LZ77 arc beside it) is then seen at once.
import { el, clear } from './dom';
import { headColour, rgbCss, type Theme } from './theme';
import { LzArcs } from './lzArcs';
import { paintHeadLines } from './headLinesPaint';
import { unpackHeadLines, type HeadLines } from '../src/common/headLines';

const ROW = 18; // px per token row
const MIN_FIT_ROW = 1; // px per token row at most compressed
const READABLE_ROW = 10; // below this, token labels are too small to read (hover still names them)
const GAP = 180; // px between the columns, where lines go
const OVERSCAN = 8; // rows built beyond each edge of the screen

export interface HeadViewEvents {
  onHover(index: number | null): void;
  onActivate(index: number): void;
  /** Head shown alone (null = all visible heads), to keep in state. */
  onHeadsChange(hidden: number[]): void;
}

export class HeadView {
  readonly root = el('div', { class: 'head-view' });
  private readonly chips = el('div', { class: 'head-chips', role: 'group', 'aria-label': 'Heads shown' });
  private readonly body = el('div', { class: 'head-body' });
  private readonly note = el('p', { class: 'head-note muted', hidden: true });
  private readonly sizer = el('div', { class: 'head-sizer' });
  private readonly canvas = el('canvas', { class: 'head-lines', 'aria-hidden': 'true' });
  private readonly left = el('div', { class: 'head-col head-col-left', role: 'listbox', 'aria-label': 'Query tokens: Up and Down move, Left and Right step through heads, Enter shows the token in the editor' });
  private readonly right = el('div', { class: 'head-col head-col-right', 'aria-hidden': 'true' });
  private packed: Float32Array | null = null;
  private data: HeadLines | null = null;
  private H = 0;
  private T = 0;
  private labels: string[] = [];
  private hidden = new Set<number>();
  private focus: number | null = null;
  private focusSide: 'query' | 'key' = 'query';
  private cursor = 0;
  private theme: Theme | null = null;
  /** Rows [first, last) built in the columns. */
  private built = { first: 0, last: 0 };
  private frame = 0;
  /** LZ77 copies beside the key column. */
  private readonly arcs = new LzArcs();
  private lz: Int32Array | null = null;
  private readonly fitButton = el('button', { class: 'head-fit', 'aria-pressed': 'false', title: 'Shrink the rows so the whole text fits the view' }, 'Fit to height');
  private fit = false;
  private row = ROW; // px per token row now

  constructor(private readonly events: HeadViewEvents) {
    const lines = el('div', { class: 'head-track' }), arcs = el('div', { class: 'head-track' });
    lines.append(this.canvas);
    arcs.append(this.arcs.canvas);
    this.sizer.append(this.left, lines, this.right, arcs);
    this.body.append(this.sizer);
    this.root.append(this.chips, this.note, this.body);
    this.left.tabIndex = 0;
    this.left.addEventListener('keydown', (e) => this.onKey(e));
    this.left.addEventListener('focus', () => this.setFocus(this.cursor, 'query'));
    this.left.addEventListener('blur', () => this.setFocus(null, 'query'));
    for (const [col, side] of [[this.left, 'query'], [this.right, 'key']] as const) {
      col.addEventListener('pointerover', (e) => { const i = this.indexOf(e.target); if (i !== null) this.setFocus(i, side); });
      col.addEventListener('pointerleave', () => this.setFocus(null, side));
      col.addEventListener('click', (e) => { const i = this.indexOf(e.target); if (i !== null) this.events.onActivate(i); });
    }
    this.body.addEventListener('scroll', () => {
      if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
    });
    this.fitButton.addEventListener('click', () => {
      this.fit = !this.fit;
      this.fitButton.setAttribute('aria-pressed', String(this.fit));
      this.layout();
    });
  }

  /** `lines`: the layer's packed lines (selector layerLines) for nHeads heads of T tokens. */
  setData(lines: Float32Array, nHeads: number, T: number, labels: string[], hidden: number[], theme: Theme): void {
    const same = lines === this.packed && labels === this.labels && theme === this.theme && hidden.length === this.hidden.size && hidden.every((h) => this.hidden.has(h));
    if (same) return;
    if (lines !== this.packed) this.data = unpackHeadLines(lines, nHeads, T);
    this.packed = lines;
    this.H = nHeads;
    this.T = T;
    this.labels = labels;
    this.hidden = new Set(hidden.filter((h) => h < nHeads));
    this.theme = theme;
    this.cursor = Math.min(this.cursor, T - 1);
    this.buildChips();
    this.layout();
  }

  /** Row height (18 px, or what fits the view's height when fitting); the rows are rebuilt at it. */
  private layout(): void {
    const T = this.T;
    const room = window.innerHeight * 0.72 - 4; // .head-body is at most 72vh tall (media/panel.css)
    this.row = this.fit && T > 0 ? Math.max(MIN_FIT_ROW, Math.min(ROW, room / T)) : ROW;
    this.sizer.style.height = `${T * this.row}px`;
    this.arcs.set(this.lz, T, this.row);
    this.built = { first: 0, last: 0 };
    this.draw();
  }

  /** The analysis's LZ77 matches, [M, 3] (start, source, length); null until they arrive. */
  setCopies(lz: Int32Array | null): void {
    this.lz = lz;
    this.arcs.set(lz, this.T, this.row);
    this.arcs.draw(this.theme, this.focus, this.window());
  }

  setTheme(theme: Theme): void { this.theme = theme; this.buildChips(); this.draw(); }

  private indexOf(target: EventTarget | null): number | null {
    const item = (target as HTMLElement | null)?.closest?.('.head-token') as HTMLElement | null;
    return item ? Number(item.dataset.index) : null;
  }

  private buildChips(): void {
    clear(this.chips);
    for (let h = 0; h < this.H; h++) {
      const chip = el('button', { class: 'head-chip', 'aria-pressed': String(!this.hidden.has(h)), title: `Show or hide head ${h}` }, `H${h}`);
      chip.style.borderColor = this.theme ? headColour(h, this.H, this.theme) : '';
      chip.addEventListener('click', () => {
        if (this.hidden.has(h)) this.hidden.delete(h); else this.hidden.add(h);
        this.buildChips();
        this.draw();
        this.events.onHeadsChange([...this.hidden]);
      });
      this.chips.append(chip);
    }
    this.chips.append(this.fitButton);
  }

  /** Shows only the lines of token `index` (as query on the left, as key on the right); null shows all. */
  setFocus(index: number | null, side: 'query' | 'key'): void {
    if (index === this.focus && side === this.focusSide) return;
    this.focus = index;
    this.focusSide = side;
    this.markFocus();
    if (index !== null && side === 'query') this.left.setAttribute('aria-activedescendant', `hv-q-${index}`);
    this.drawLines();
    this.events.onHover(index);
  }

  private markFocus(): void {
    for (const col of [this.left, this.right]) {
      const side = col === this.left ? 'query' : 'key';
      for (const node of col.children) node.classList.toggle('head-token-focus', side === this.focusSide && Number((node as HTMLElement).dataset.index) === this.focus);
    }
  }

  /** The screen's window of content: its top (px) and height; reading it lays the page out, so once per frame. */
  private window(): { top: number; height: number } {
    const full = Math.ceil(this.T * this.row);
    const height = Math.min(full, this.body.clientHeight || Math.round(window.innerHeight * 0.72));
    return { top: Math.max(0, Math.min(this.body.scrollTop, full - height)), height };
  }

  /** Rows [first, last) of a window, `overscan` rows beyond each edge. */
  private rows(w: { top: number; height: number }, overscan: number): { first: number; last: number } {
    const R = this.row;
    return { first: Math.max(0, Math.floor(w.top / R) - overscan), last: Math.min(this.T, Math.ceil((w.top + w.height) / R) + overscan) };
  }

  /** Builds the rows on screen (when the window moved), then the lines and arcs. */
  draw(): void {
    const w = this.window(), { first, last } = this.rows(w, OVERSCAN);
    if (first !== this.built.first || last !== this.built.last) {
      const R = this.row, small = R < READABLE_ROW;
      for (const [col, side] of [[this.left, 'query'], [this.right, 'key']] as const) {
        clear(col);
        for (let i = first; i < last; i++) {
          const item = el('div', { class: 'head-token', role: side === 'query' ? 'option' : undefined, id: side === 'query' ? `hv-q-${i}` : undefined, 'data-index': i }, this.labels[i]);
          item.style.top = `${i * R}px`;
          if (R !== ROW) item.style.height = item.style.lineHeight = `${R}px`;
          if (small) {
            item.style.fontSize = `${Math.max(1, R - 1)}px`;
            item.title = this.labels[i] ?? ''; // too small to read: named on hover
          }
          col.append(item);
        }
      }
      this.built = { first, last };
      this.markFocus();
    }
    this.drawLines(w);
  }

  private drawLines(w = this.window()): void {
    if (this.canvas.width !== GAP || this.canvas.height !== Math.max(1, w.height)) {
      this.canvas.width = GAP;
      this.canvas.height = Math.max(1, w.height);
    }
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const theme = this.theme;
    this.arcs.draw(theme, this.focus, w);
    if (!this.data || !theme) return;
    const { drawn, omitted } = paintHeadLines(ctx, this.data, this.hidden, (h) => headColour(h, this.H, theme), { ...w, ...this.rows(w, 0), row: this.row, width: GAP, focus: this.focus, focusSide: this.focusSide, small: this.row < READABLE_ROW });
    this.canvas.dataset.lines = String(drawn);
    this.note.hidden = omitted === 0;
    this.note.textContent = omitted ? `${omitted} of ${drawn + omitted} lines on screen are faint and left out; hover a token to see all of its lines.` : '';
    if (this.focus !== null) {
      ctx.fillStyle = rgbCss(theme.focus, 0.3);
      ctx.fillRect(this.focusSide === 'query' ? 0 : GAP - 4, this.focus * this.row - w.top, 4, Math.max(2, this.row));
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.T) return;
    switch (e.key) {
      case 'ArrowUp': this.cursor = Math.max(0, this.cursor - 1); break;
      case 'ArrowDown': this.cursor = Math.min(this.T - 1, this.cursor + 1); break;
      case 'ArrowLeft': case 'ArrowRight': this.stepHead(e.key === 'ArrowRight' ? 1 : -1); e.preventDefault(); return;
      case 'Enter': case ' ': this.events.onActivate(this.cursor); e.preventDefault(); return;
      default: return;
    }
    e.preventDefault();
    // Scroll the cursor's row into view, build the rows there, then mark it.
    const { top, height } = this.window(), R = this.row, y = this.cursor * R;
    if (y < top) this.body.scrollTop = y;
    else if (y + R > top + height) this.body.scrollTop = y + R - height;
    this.draw();
    this.setFocus(this.cursor, 'query');
  }

  /** Cycles: all heads → only head 0 → only head 1 → … → all heads. */
  private stepHead(dir: number): void {
    const visible = [...Array(this.H).keys()].filter((h) => !this.hidden.has(h));
    const alone = visible.length === 1 ? visible[0] : -1;
    let next = alone + dir;
    if (next >= this.H) next = -1;
    if (next < -1) next = this.H - 1;
    this.hidden = new Set(next === -1 ? [] : [...Array(this.H).keys()].filter((h) => h !== next));
    this.buildChips();
    this.draw();
    this.events.onHeadsChange([...this.hidden]);
  }

  /** The lines of the rows on screen (for PNG export). */
  snapshot(): HTMLCanvasElement { return this.canvas; }
}
