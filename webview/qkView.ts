// The q·k breakdown of one cell (query i, key j) of one head: the two vectors, their elementwise
// product as bars (which dimensions make the key match: positive up, negative down), the sum, the
// scale, the mask, and where the score sits in the query's row (whose softmax is the heatmap's row).
import { el, clear, fmt } from './dom';
import { qkBreakdown } from '../src/common/internals';
import type { HostToWebview } from '../src/common/protocol';

export type QkData = Extract<HostToWebview, { type: 'qk' }>;

/** A hidden key's mask (−1e4 in BERT's exports, −1e9, the float minimum or −∞ elsewhere) is far below what a product adds. */
const HIDDEN = -1e3;

export class QkView {
  readonly root = el('div', { class: 'qk' });

  constructor(private readonly onKey: (key: number) => void) {}

  render(d: QkData, labels: string[], query: number, key: number): void {
    clear(this.root);
    const T = labels.length;
    const i = Math.min(query, T - 1), j = Math.min(key, T - 1);
    const c = qkBreakdown(d.q, d.k, d.D, d.scale, d.scores, i, j);
    const hidden = c.mask < HIDDEN;
    this.root.append(el('h3', { class: 'qk-title' }, `L${d.layer}.H${d.head}: query ${i} “${labels[i]}” → key ${j} “${labels[j]}”`));
    const sum = el('p', { class: 'qk-sum', 'data-dot': c.dot, 'data-scale': d.scale, 'data-score': c.score, 'data-weight': c.weight });
    const mask = hidden ? ' — the mask hides this key' : Math.abs(c.mask) > 1e-4 * Math.max(1, Math.abs(c.scaled)) ? ` + mask ${fmt(c.mask, 3)}` : '';
    sum.textContent = `q·k = Σ q_d k_d = ${fmt(c.dot, 3)} × scale ${fmt(d.scale, 4)} = ${fmt(c.scaled, 3)}${mask}; softmax input ${hidden ? 'hidden' : fmt(c.score, 3)} → weight ${fmt(c.weight, 4)} (rank ${c.rank} of ${T} in the query’s row).`;
    this.root.append(sum);
    this.root.append(this.bars(c.products, d.q.subarray(i * d.D, (i + 1) * d.D), d.k.subarray(j * d.D, (j + 1) * d.D)));
    this.root.append(this.vectors(c.products, d.q.subarray(i * d.D, (i + 1) * d.D), d.k.subarray(j * d.D, (j + 1) * d.D)));
    this.root.append(this.row(d, c.rowWeights, labels, i, j));
  }

  /** One bar per dimension: q_d k_d, up (positive) or down (negative), scaled to the largest. */
  private bars(products: Float32Array, q: Float32Array, k: Float32Array): HTMLElement {
    const max = Math.max(1e-12, ...Array.from(products, Math.abs));
    const plus = Array.from(products).filter((x) => x > 0).reduce((a, x) => a + x, 0);
    const box = el('div', { class: 'qk-bars', role: 'img', 'aria-label': `Products q_d·k_d of ${products.length} dimensions: positive ones sum to ${fmt(plus, 3)}, negative ones to ${fmt(plus - products.reduce((a, x) => a + x, 0), 3)} below zero.` });
    products.forEach((p, dim) => {
      const col = el('div', { class: 'qk-bar-col', title: `dimension ${dim}: q ${fmt(q[dim]!, 3)} × k ${fmt(k[dim]!, 3)} = ${fmt(p, 3)}` });
      const bar = el('div', { class: `qk-bar ${p >= 0 ? 'qk-pos' : 'qk-neg'}`, 'data-dim': dim, 'data-product': p });
      bar.style.height = `${((Math.abs(p) / max) * 50).toFixed(2)}%`;
      col.append(bar);
      box.append(col);
    });
    return box;
  }

  /** The two vectors and their product, one column per dimension. */
  private vectors(products: Float32Array, q: Float32Array, k: Float32Array): HTMLElement {
    const scroll = el('div', { class: 'lens-scroll' });
    const table = el('table', { class: 'qk-vectors' });
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, 'd'));
    for (let d = 0; d < q.length; d++) head.append(el('th', { scope: 'col' }, String(d)));
    table.append(head);
    for (const [name, values] of [['q', q], ['k', k], ['q∘k', products]] as const) {
      const tr = el('tr');
      tr.append(el('th', { scope: 'row' }, name));
      values.forEach((x) => tr.append(el('td', { class: name === 'q∘k' ? (x >= 0 ? 'qk-pos-text' : 'qk-neg-text') : '' }, fmt(x, 2))));
      table.append(tr);
    }
    scroll.append(table);
    return scroll;
  }

  /** The query's row: every key's softmax input and weight; click one to break it down. */
  private row(d: QkData, weights: Float32Array, labels: string[], i: number, j: number): HTMLElement {
    const T = labels.length;
    const scores = d.scores.subarray(i * T, (i + 1) * T); // [K]
    const box = el('div', { class: 'qk-row' });
    box.append(el('p', { class: 'muted' }, `The query’s row: softmax input and weight of every visible key (softmax of these is the heatmap’s row ${i}). Click a key to break it down.`));
    const list = el('ol', { class: 'qk-keys', start: 0 });
    scores.forEach((s, key) => {
      let dot = 0;
      for (let x = 0; x < d.D; x++) dot += d.q[i * d.D + x]! * d.k[key * d.D + x]!; // [T, D]
      if (s - d.scale * dot < HIDDEN) return;
      const item = el('li', {});
      const button = el('button', { class: `qk-key${key === j ? ' qk-chosen' : ''}`, 'data-key': key, 'aria-pressed': key === j }, `${key} “${labels[key]}”  ${fmt(s, 2)} → ${fmt(weights[key]!, 3)}`);
      button.addEventListener('click', () => this.onKey(key));
      item.append(button);
      list.append(item);
    });
    box.append(list);
    // A long row: bring the chosen key into the list's view once it is laid out. Rectangles, not
    // offsetTop: each item's content-visibility (panel.css) makes it its button's offsetParent.
    requestAnimationFrame(() => {
      const chosen = list.querySelector<HTMLElement>('.qk-chosen');
      if (chosen) list.scrollTop += chosen.getBoundingClientRect().top - list.getBoundingClientRect().top - list.clientHeight / 2;
    });
    return box;
  }
}
