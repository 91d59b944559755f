// Head importance by ablation: for the chosen prediction (made at position p, of token p + 1), how
// much zeroing each head's output changes that token's log-probability, as a layers × heads grid
// (blue: the head helped, zeroing it lowers the probability; red: it hurt), ● where the top-1 changes.
import { el, clear, fmt } from './dom';
import { ablationAt } from '../src/common/internals';
import { withoutInvisible } from '../src/common/tokenText';
import { wireHeadToggle, type HeadsOffList } from './headToggle';

export interface AblationData {
  nLayers: number;
  nHeads: number;
  T: number;
  delta: Float32Array; // [L, H, T]
  top1Changed: Uint8Array; // [L, H, T]
  top1: Int32Array; // [T]
  vocab: Record<number, string>;
}

/** Colour of a change in log-probability: diverging around 0, saturating at ±2 nats. */
export function deltaColour(delta: number): string {
  if (!Number.isFinite(delta)) return 'transparent';
  const t = Math.min(1, Math.abs(delta) / 2);
  // Zeroing a helpful head lowers the probability (negative): blue; a harmful one raises it: red.
  return delta < 0 ? `rgba(55, 148, 255, ${t.toFixed(3)})` : `rgba(240, 80, 60, ${t.toFixed(3)})`;
}

export class AblationView {
  readonly root = el('div', { class: 'ablation' });

  constructor(private readonly onOpen: (layer: number, head: number) => void, private readonly onToggle: (layer: number, head: number) => void = () => undefined) {}

  /** `headsOff`: the heads switched off for the panel, marked in the grid. */
  render(d: AblationData, labels: string[], position: number, headsOff?: HeadsOffList): void {
    clear(this.root);
    const p = Math.min(position, d.T - 1);
    const hasTarget = p + 1 < d.T;
    const top = withoutInvisible(d.vocab[d.top1[p]!] ?? `#${d.top1[p]}`);
    const table = el('table', { class: 'ablation-grid' });
    table.append(el('caption', {}, (hasTarget
      ? `Zeroing one head at a time: change in ln p(“${labels[p + 1]}” | …“${labels[p]}”). Blue: the head helped; red: it hurt; ● the top-1 prediction (now “${top}”) changes. Click a cell to open its heatmap.`
      : `After the last token there is no actual next token: ● marks heads whose removal changes the top-1 prediction (now “${top}”).`)
      + ' Alt+click (or X) switches a head off for the whole panel, or back on.'));
    const head = el('tr');
    head.append(el('th', { scope: 'col' }, 'Layer'));
    for (let h = 0; h < d.nHeads; h++) head.append(el('th', { scope: 'col' }, `H${h}`));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (let l = 0; l < d.nLayers; l++) {
      const tr = el('tr');
      tr.append(el('th', { scope: 'row' }, `L${l}`));
      for (let h = 0; h < d.nHeads; h++) {
        const { delta, changed } = ablationAt(d.delta, d.top1Changed, { nLayers: d.nLayers, nHeads: d.nHeads, nTokens: d.T }, l, h, p);
        const text = `${hasTarget ? (delta >= 0 ? '+' : '') + fmt(delta, 2) : ''}${changed ? ' ●' : ''}`;
        const cell = el('td', { class: 'ablation-cell', 'data-layer': l, 'data-head': h, 'data-delta': hasTarget ? delta : '', 'data-changed': changed ? 1 : 0 });
        const button = el('button', { class: 'ablation-open', 'aria-label': `Layer ${l} head ${h}: ${hasTarget ? `change ${fmt(delta, 3)} nats` : ''}${changed ? ', top-1 changes' : ''}. Open its heatmap.` }, text || '·');
        wireHeadToggle(button, l, h, headsOff, this.onToggle);
        button.addEventListener('click', () => this.onOpen(l, h));
        cell.style.backgroundColor = deltaColour(delta);
        cell.append(button);
        tr.append(cell);
      }
      body.append(tr);
    }
    table.append(body);
    this.root.append(table);
  }
}
