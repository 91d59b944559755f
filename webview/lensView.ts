// Logit lens: what each layer's residual stream would predict if the model stopped there (through
// its final norm and unembedding). A layers × positions grid of each top-1 token coloured by its
// probability (the last row is the model's own prediction), and the chosen position's top-k per layer.
import { el, clear, fmt } from './dom';
import { rgbCss, type Palette } from './theme';
import { contrast, weightIndex } from '../src/common/colour';
import { lensTop } from '../src/common/internals';
import { withoutInvisible } from '../src/common/tokenText';

export interface LensData {
  nLayers: number;
  T: number;
  k: number;
  ids: Int32Array; // [L, T, k]
  probs: Float32Array; // [L, T, k]
  vocab: Record<number, string>;
}

/** Positions shown at once: a long selection is paged (L × 2,048 cells took ~0.5 s to build). */
export const LENS_COLUMNS = 64;

export class LensView {
  readonly root = el('div', { class: 'lens' });
  /** First position shown; -1: place the window around the chosen position. */
  private start = -1;
  private last: { d: LensData; labels: string[]; position: number; palette: Palette } | null = null;

  constructor(private readonly onChoose: (position: number) => void) {}

  /** `paged`: the person moved the window; keep it even where the chosen position is off it. */
  render(d: LensData, labels: string[], position: number, palette: Palette, paged = false): void {
    if (d.ids !== this.last?.d.ids) this.start = -1; // another analysis
    this.last = { d, labels, position, palette };
    const maxStart = Math.max(0, d.T - LENS_COLUMNS);
    if (this.start < 0 || (!paged && (position < this.start || position >= this.start + LENS_COLUMNS))) this.start = Math.min(maxStart, Math.max(0, position - LENS_COLUMNS / 2));
    const from = this.start, to = Math.min(d.T, from + LENS_COLUMNS);
    clear(this.root);
    const name = (id: number) => withoutInvisible(d.vocab[id] ?? `#${id}`);
    const table = el('table', { class: 'lens-grid' });
    table.append(el('caption', {}, 'Logit lens: the top-1 next token of each layer’s residual stream (colour = its probability). The last row is the model’s own prediction. Click a column to list its top tokens.'));
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, 'Layer'));
    for (let t = from; t < to; t++) head.append(el('th', { scope: 'col', class: t === position ? 'lens-chosen' : undefined }, labels[t] ?? String(t)));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    const dark: [number, number, number] = [0, 0, 0], light: [number, number, number] = [255, 255, 255];
    for (let l = 0; l < d.nLayers; l++) {
      const tr = el('tr', { 'data-layer': l });
      tr.append(el('th', { scope: 'row' }, l === d.nLayers - 1 ? `L${l} (output)` : `L${l}`));
      for (let t = from; t < to; t++) {
        const { id, prob } = lensTop(d.ids, d.probs, d.k, d.T, l, t);
        const bg = palette.colours[weightIndex(prob, palette.index)];
        const cell = el('td', { class: `lens-cell${t === position ? ' lens-chosen' : ''}`, 'data-layer': l, 'data-position': t, title: `layer ${l}, after “${labels[t]}”: ${name(id)} ${fmt(prob)}` }, name(id));
        cell.style.backgroundColor = rgbCss(bg);
        cell.style.color = rgbCss(contrast(bg, dark) >= contrast(bg, light) ? dark : light);
        cell.addEventListener('click', () => this.onChoose(t));
        tr.append(cell);
      }
      body.append(tr);
    }
    table.append(body);
    const scroller = el('div', { class: 'lens-scroll' });
    scroller.append(table);
    if (d.T > LENS_COLUMNS) this.root.append(this.pager(from, to, d.T, maxStart));
    // The chosen position's top-k at every layer.
    const detail = el('section', { class: 'lens-detail', 'aria-label': 'Top tokens per layer at the chosen position' });
    detail.append(el('h3', {}, `After “${labels[position] ?? ''}” (position ${position}): top ${d.k} per layer`));
    const list = el('ol', { class: 'lens-layers' });
    for (let l = 0; l < d.nLayers; l++) {
      const item = el('li', { 'data-layer': l });
      const tops = Array.from({ length: d.k }, (_, r) => lensTop(d.ids, d.probs, d.k, d.T, l, position, r));
      item.append(el('span', { class: 'lens-layer-name' }, `L${l}`), el('span', { class: 'lens-tops' }, tops.map((x) => `${name(x.id)} ${fmt(x.prob)}`).join('  ·  ')));
      list.append(item);
    }
    detail.append(list);
    this.root.append(scroller, detail);
  }

  /** Positions shown of T, and buttons that page the window (the chosen position stays). */
  private pager(from: number, to: number, T: number, maxStart: number): HTMLElement {
    const nav = el('p', { class: 'lens-pager' });
    const page = (label: string, start: number, disabled: boolean) => {
      const b = el('button', { class: 'lens-page', disabled }, label);
      b.addEventListener('click', () => { const l = this.last!; this.start = start; this.render(l.d, l.labels, l.position, l.palette, true); });
      return b;
    };
    nav.append(page('◀ earlier', Math.max(0, from - LENS_COLUMNS), from === 0), ` Positions ${from}–${to - 1} of ${T} `, page('later ▶', Math.min(maxStart, from + LENS_COLUMNS), to === T));
    return nav;
  }
}
