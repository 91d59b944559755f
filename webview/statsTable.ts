// Head statistics for every head in one sortable table, with the automatic labels.
import { el, clear, fmt } from './dom';
import { HEAD_STAT_NAMES, HEAD_STAT_TITLES, headLabels, statsAt, type HeadStatName } from '../src/common/stats';

export interface StatsSort { key: HeadStatName | 'index'; descending: boolean }

export class StatsTable {
  readonly root = el('div', { class: 'stats' });

  constructor(
    private readonly onSort: (sort: StatsSort) => void,
    private readonly onOpen: (layer: number, head: number) => void,
  ) {}

  /** `valueWeighted`: the statistics are of the value-weighted attention (the caption says which weights). */
  render(stats: Float32Array, nLayers: number, nHeads: number, T: number, causal: boolean, sort: StatsSort, valueWeighted = false): void {
    clear(this.root);
    const rows: { layer: number; head: number; values: number[]; labels: string[] }[] = [];
    for (let l = 0; l < nLayers; l++) {
      for (let h = 0; h < nHeads; h++) {
        const s = statsAt(stats, nHeads, l, h);
        rows.push({ layer: l, head: h, values: HEAD_STAT_NAMES.map((n) => s[n]), labels: headLabels(s, T, causal) });
      }
    }
    const col = sort.key === 'index' ? -1 : HEAD_STAT_NAMES.indexOf(sort.key);
    const sign = sort.descending ? -1 : 1;
    rows.sort((a, b) => {
      if (col < 0) return sign * (a.layer - b.layer || a.head - b.head);
      const x = a.values[col], y = b.values[col];
      if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1; // NaN (undefined score) last
      return sign * (x - y) || a.layer - b.layer || a.head - b.head;
    });

    const table = el('table', { class: 'stats-table' });
    const weights = valueWeighted ? 'value-weighted weights: α·‖v W_O‖, each row renormalised' : 'raw weights';
    table.append(el('caption', { 'data-weights': valueWeighted ? 'valueWeighted' : 'raw' }, `Statistics of every head (${weights}). Click a column to sort, a row to open its heatmap.`));
    const head = el('tr');
    const sortable = (key: HeadStatName | 'index', title: string) => {
      const active = sort.key === key;
      const th = el('th', { scope: 'col', 'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : 'none' });
      const button = el('button', { class: 'sort-button', 'data-sort': key }, `${title}${active ? (sort.descending ? ' ▼' : ' ▲') : ''}`);
      button.addEventListener('click', () => this.onSort({ key, descending: active ? !sort.descending : key !== 'index' }));
      th.append(button);
      return th;
    };
    head.append(sortable('index', 'Layer.Head'), el('th', { scope: 'col' }, 'Labels'));
    for (const name of HEAD_STAT_NAMES) head.append(sortable(name, HEAD_STAT_TITLES[name]));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (const r of rows) {
      const tr = el('tr', { 'data-layer': r.layer, 'data-head': r.head });
      const open = el('button', { class: 'open-head', 'aria-label': `Open layer ${r.layer} head ${r.head}` }, `L${r.layer}.H${r.head}`);
      open.addEventListener('click', () => this.onOpen(r.layer, r.head));
      const first = el('th', { scope: 'row' });
      first.append(open);
      tr.append(first, el('td', { class: 'labels' }, r.labels.join(', ')));
      r.values.forEach((v, i) => tr.append(el('td', { class: 'num', 'data-stat': HEAD_STAT_NAMES[i] }, fmt(v, HEAD_STAT_NAMES[i] === 'meanDistance' || HEAD_STAT_NAMES[i] === 'bandwidth' ? 2 : 3))));
      body.append(tr);
    }
    table.append(body);
    this.root.append(table);
  }
}
