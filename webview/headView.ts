// Head view: tokens in two columns (queries left, keys right) with a line from each query to
// every key it attends to, one colour per head, opacity = weight. Hover or focus a token to see
// only its lines. Up/Down move between tokens; Left/Right step through heads (all → one → …).
// "Fit to height" shrinks the rows so the whole text fits the view: a copy over hundreds of tokens
// (an induction head's band of parallel lines, the LZ77 arc beside it) is then seen at once.
import { el, clear } from './dom';
import { headColour, rgbCss, type Theme } from './theme';
import { LzArcs } from './lzArcs';

const ROW = 18; // px per token row
const MIN_FIT_ROW = 1; // px per token row at most compressed
const READABLE_ROW = 10; // below this, token labels are too small to read (hover still names them)
const GAP = 180; // px between the columns, where lines go
const MIN_WEIGHT = 0.01; // lines below this are not drawn
const MIN_FIT_WEIGHT = 0.1; // when fitted: a few hundred rows of faint lines would cover everything
const ALPHA_BINS = 8;

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
  private readonly canvas = el('canvas', { class: 'head-lines', 'aria-hidden': 'true' });
  private readonly left = el('div', { class: 'head-col head-col-left', role: 'listbox', 'aria-label': 'Query tokens: Up and Down move, Left and Right step through heads, Enter shows the token in the editor' });
  private readonly right = el('div', { class: 'head-col head-col-right', 'aria-hidden': 'true' });
  private data: Float32Array | null = null; // [H, Q, K]
  private H = 0;
  private T = 0;
  private hidden = new Set<number>();
  private focus: number | null = null;
  private focusSide: 'query' | 'key' = 'query';
  private cursor = 0;
  private theme: Theme | null = null;
  /** LZ77 copies beside the key column. */
  private readonly arcs = new LzArcs();
  private lz: Int32Array | null = null;
  private readonly fitButton = el('button', { class: 'head-fit', 'aria-pressed': 'false', title: 'Shrink the rows so the whole text fits the view' }, 'Fit to height');
  private fit = false;
  private row = ROW; // px per token row now
  private labels: string[] = [];

  constructor(private readonly events: HeadViewEvents) {
    this.body.append(this.left, this.canvas, this.right, this.arcs.canvas);
    this.root.append(this.chips, this.body);
    this.left.tabIndex = 0;
    this.left.addEventListener('keydown', (e) => this.onKey(e));
    this.left.addEventListener('focus', () => this.setFocus(this.cursor, 'query'));
    this.left.addEventListener('blur', () => this.setFocus(null, 'query'));
    this.fitButton.addEventListener('click', () => {
      this.fit = !this.fit;
      this.fitButton.setAttribute('aria-pressed', String(this.fit));
      this.layout();
    });
  }

  setData(layerHeads: Float32Array, nHeads: number, T: number, labels: string[], hidden: number[], theme: Theme): void {
    this.data = layerHeads;
    this.H = nHeads;
    this.T = T;
    this.hidden = new Set(hidden.filter((h) => h < nHeads));
    this.theme = theme;
    this.cursor = Math.min(this.cursor, T - 1);
    this.labels = labels;
    this.buildChips();
    for (const [col, side] of [[this.left, 'query'], [this.right, 'key']] as const) {
      clear(col);
      labels.forEach((text, i) => {
        const item = el('div', { class: 'head-token', role: side === 'query' ? 'option' : undefined, id: side === 'query' ? `hv-q-${i}` : undefined }, text);
        item.addEventListener('pointerenter', () => this.setFocus(i, side));
        item.addEventListener('pointerleave', () => this.setFocus(null, side));
        item.addEventListener('click', () => this.events.onActivate(i));
        col.append(item);
      });
    }
    this.layout();
  }

  /** Row height (18 px, or what fits the view's height when fitting), applied to both columns and the canvases. */
  private layout(): void {
    const T = this.T;
    const room = window.innerHeight * 0.72 - 4; // .head-body is at most 72vh tall (media/panel.css)
    this.row = this.fit && T > 0 ? Math.max(MIN_FIT_ROW, Math.min(ROW, room / T)) : ROW;
    const small = this.row < READABLE_ROW;
    for (const col of [this.left, this.right]) {
      [...col.children].forEach((node, i) => {
        const item = node as HTMLElement;
        item.style.height = item.style.lineHeight = `${this.row}px`;
        item.style.fontSize = small ? `${Math.max(1, this.row - 1)}px` : '';
        if (small) item.title = this.labels[i] ?? ''; else item.removeAttribute('title');
      });
    }
    this.canvas.width = GAP;
    this.canvas.height = Math.max(1, Math.ceil(T * this.row));
    this.arcs.set(this.lz, T, this.row);
    this.draw();
  }

  /** The analysis's LZ77 matches, [M, 3] (start, source, length); null until they arrive. */
  setCopies(lz: Int32Array | null): void {
    this.lz = lz;
    this.arcs.set(lz, this.T, this.row);
    this.arcs.draw(this.theme, this.focus);
  }

  setTheme(theme: Theme): void { this.theme = theme; this.buildChips(); this.draw(); }

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
    for (const node of this.left.querySelectorAll('.head-token-focus')) node.classList.remove('head-token-focus');
    for (const node of this.right.querySelectorAll('.head-token-focus')) node.classList.remove('head-token-focus');
    if (index !== null) {
      (side === 'query' ? this.left : this.right).children[index]?.classList.add('head-token-focus');
      if (side === 'query') this.left.setAttribute('aria-activedescendant', `hv-q-${index}`);
    }
    this.draw();
    this.events.onHover(index);
  }

  draw(): void {
    this.arcs.draw(this.theme, this.focus);
    const ctx = this.canvas.getContext('2d')!;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.data || !this.theme) return;
    const T = this.T, n = T * T;
    const fitted = this.fit && this.row < READABLE_ROW;
    const minWeight = fitted ? MIN_FIT_WEIGHT : MIN_WEIGHT;
    for (let h = 0; h < this.H; h++) {
      if (this.hidden.has(h)) continue;
      // Bucket lines by opacity so each head needs only ALPHA_BINS strokes.
      const paths = Array.from({ length: ALPHA_BINS }, () => new Path2D());
      const counts = new Int32Array(ALPHA_BINS);
      const qFrom = this.focus !== null && this.focusSide === 'query' ? this.focus : 0;
      const qTo = this.focus !== null && this.focusSide === 'query' ? this.focus + 1 : T;
      for (let q = qFrom; q < qTo; q++) {
        const row = h * n + q * T; // [H, Q, K]
        const kFrom = this.focus !== null && this.focusSide === 'key' ? this.focus : 0;
        const kTo = this.focus !== null && this.focusSide === 'key' ? this.focus + 1 : T;
        for (let k = kFrom; k < kTo; k++) {
          const w = this.data[row + k];
          if (w < minWeight) continue;
          const bin = Math.min(ALPHA_BINS - 1, Math.floor(w * ALPHA_BINS));
          paths[bin].moveTo(0, (q + 0.5) * this.row);
          paths[bin].lineTo(GAP, (k + 0.5) * this.row);
          counts[bin]++;
        }
      }
      ctx.strokeStyle = headColour(h, this.H, this.theme);
      ctx.lineWidth = Math.min(1.5, Math.max(0.75, this.row / 4));
      for (let b = 0; b < ALPHA_BINS; b++) {
        if (!counts[b]) continue;
        const opacity = (b + 1) / ALPHA_BINS;
        ctx.globalAlpha = fitted ? opacity * opacity : Math.max(0.08, opacity); // fitted: strong lines stand out of the crowd
        ctx.stroke(paths[b]);
      }
    }
    ctx.globalAlpha = 1;
    if (this.focus !== null) {
      ctx.fillStyle = rgbCss(this.theme.focus, 0.3);
      ctx.fillRect(this.focusSide === 'query' ? 0 : GAP - 4, this.focus * this.row, 4, Math.max(2, this.row));
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
    this.setFocus(this.cursor, 'query');
    this.left.children[this.cursor]?.scrollIntoView({ block: 'nearest' });
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

  snapshot(): HTMLCanvasElement { return this.canvas; }
}
