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

export class LensView {
  readonly root = el('div', { class: 'lens' });

  constructor(private readonly onChoose: (position: number) => void) {}

  render(d: LensData, labels: string[], position: number, palette: Palette): void {
    clear(this.root);
    const name = (id: number) => withoutInvisible(d.vocab[id] ?? `#${id}`);
    const table = el('table', { class: 'lens-grid' });
    table.append(el('caption', {}, 'Logit lens: the top-1 next token of each layer’s residual stream (colour = its probability). The last row is the model’s own prediction. Click a column to list its top tokens.'));
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, 'Layer'));
    for (let t = 0; t < d.T; t++) head.append(el('th', { scope: 'col', class: t === position ? 'lens-chosen' : undefined }, labels[t] ?? String(t)));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    const dark: [number, number, number] = [0, 0, 0], light: [number, number, number] = [255, 255, 255];
    for (let l = 0; l < d.nLayers; l++) {
      const tr = el('tr', { 'data-layer': l });
      tr.append(el('th', { scope: 'row' }, l === d.nLayers - 1 ? `L${l} (output)` : `L${l}`));
      for (let t = 0; t < d.T; t++) {
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
}
