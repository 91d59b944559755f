// Kernel view of one query: the weights that query puts on every key, drawn over the text itself
// (each token's background is the weight's colour). Attention as a kernel smoother, read in place.
import { el, clear } from './dom';
import { rgbCss, type Palette, type Theme } from './theme';
import { contrast, weightIndex } from '../src/common/colour';
import { formatWeight } from './heatmap';
import { tokenName } from './tokens';
import type { PanelToken } from '../src/common/protocol';

export interface KernelEvents {
  onHover(index: number | null): void;
  /** Click/Enter on a token: it becomes the query and is shown in the editor. */
  onActivate(index: number): void;
  onQueryChange(query: number): void;
}

export class KernelView {
  readonly root = el('div', { class: 'kernel' });
  private readonly caption = el('p', { class: 'kernel-caption' });
  private readonly text = el('div', {
    class: 'kernel-text', tabindex: 0, role: 'application',
    'aria-label': 'Text coloured by the selected query’s attention weights. Left and Right choose the query, Enter shows it in the editor.',
  });
  private spans: HTMLSpanElement[] = [];
  private row: Float32Array | null = null; // [K]
  private T = 0;
  private labels: string[] = [];
  private query = 0;
  private tokens: PanelToken[] = [];
  /** Reach of every token [T] (0: none within K) and K; null until computed. */
  private reach: { reach: Int32Array; K: number } | null = null;

  constructor(private readonly events: KernelEvents) {
    this.root.append(this.caption, this.text);
    this.text.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Shows query `query`'s row of weights [K] over the tokens. */
  setRow(row: Float32Array, query: number, T: number, labels: string[], palette: Palette, theme: Theme, tokens: PanelToken[] = []): void {
    this.row = row;
    this.T = T;
    this.query = Math.min(query, T - 1);
    this.tokens = tokens;
    if (labels !== this.labels || this.spans.length !== T) this.buildSpans(labels);
    this.paint(palette, theme);
  }

  private buildSpans(labels: string[]): void {
    this.labels = labels;
    clear(this.text);
    this.spans = labels.map((label, i) => {
      // Spaces and tabs as themselves so the text reads like the source; ⏎ stays visible (it has a weight too).
      // A character split over tokens is drawn once, on its first token; the rest are thin markers.
      const cont = this.tokens[i]?.continuation === true;
      const span = el('span', { class: `kernel-token${cont ? ' continuation' : ''}`, 'data-index': i }, cont ? '' : label.replace(/␣/g, ' ').replace(/⇥/g, '\t'));
      span.addEventListener('pointerenter', () => this.events.onHover(i));
      span.addEventListener('pointerleave', () => this.events.onHover(null));
      span.addEventListener('click', () => { this.events.onQueryChange(i); this.events.onActivate(i); });
      this.text.append(span);
      // Keep the text's own line breaks so the view reads like the code.
      if (label.includes('⏎')) this.text.append(el('br'));
      return span;
    });
  }

  /** Context reach, to underline the tokens the prediction after the query needs; null removes it. */
  setReach(reach: Int32Array | null, K: number): void {
    this.reach = reach ? { reach, K } : null;
  }

  /** Colours every token by the query row's weights. */
  paint(palette: Palette, theme: Theme): void {
    if (!this.row) return;
    const T = this.T, q = this.query;
    const dark: [number, number, number] = [0, 0, 0], light: [number, number, number] = [255, 255, 255];
    for (let k = 0; k < T; k++) {
      const w = this.row[k]; // [K]
      const span = this.spans[k];
      const idx = weightIndex(w, palette.index);
      const bg = palette.colours[idx];
      span.style.backgroundColor = idx > 0 ? rgbCss(bg) : '';
      span.style.color = idx > 0 ? rgbCss(contrast(bg, dark) >= contrast(bg, light) ? dark : light) : '';
      span.title = `key ${k}${this.tokens[k] ? ` ${tokenName(this.tokens[k]!, this.labels[k]!)}` : ''}: weight ${formatWeight(w)}`;
      span.classList.toggle('kernel-query', k === q);
    }
    // The prediction made at q (of token q + 1) needs its reach: the last r tokens, q − r + 1 … q.
    const r = this.reach && q + 1 < T ? this.reach.reach[q + 1]! : -1;
    for (let k = 0; k < T; k++) this.spans[k]!.classList.toggle('kernel-reach', r > 0 && k > q - r && k <= q);
    const reachText = !this.reach ? '' : q + 1 >= T ? ' The last token predicts beyond the text: no reach.'
      : r > 0 ? ` Underlined: the ${r} token${r === 1 ? '' : 's'} the next token's prediction needs (its reach).`
      : ` The next token's prediction needs more than ${this.reach.K} tokens (or has none).`;
    this.caption.textContent = `Query ${q} “${this.labels[q]}”: its weights over every token (colour = weight).${reachText} ${theme.kind.startsWith('high') ? '' : 'Click a token to make it the query.'}`;
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.T) return;
    let q = this.query;
    switch (e.key) {
      case 'ArrowLeft': case 'ArrowUp': q = Math.max(0, q - 1); break;
      case 'ArrowRight': case 'ArrowDown': q = Math.min(this.T - 1, q + 1); break;
      case 'Home': q = 0; break;
      case 'End': q = this.T - 1; break;
      case 'Enter': case ' ': this.events.onActivate(q); e.preventDefault(); return;
      default: return;
    }
    e.preventDefault();
    this.events.onQueryChange(q);
    this.events.onHover(q);
  }
}
