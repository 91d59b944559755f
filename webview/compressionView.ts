// The selection as a compression problem: bits per byte under the model, deflate and brotli
// (LZ77 family), adaptive order-k Markov chains on the tokens and (when the model folder ships them)
// order-k chains fitted on its training corpus, and a strip of the text coloured by where the
// transformer beats the best chain (and where the chain beats it).
import { el, clear, fmt } from './dom';
import { rgbCss, type Theme } from './theme';
import type { BaselinesMessage } from '../src/common/protocol';

const ROWS: [string, string][] = [
  ['model', 'The model (ln p of each token, first token uniform)'],
  ['deflate', 'deflate, level 9 (raw stream)'],
  ['brotli', 'brotli, quality 11'],
  ['markov1', 'Markov order 1, adaptive'],
  ['markov2', 'Markov order 2, adaptive'],
  ['markov3', 'Markov order 3, adaptive'],
  ['markov4', 'Markov order 4, adaptive'],
];
/** "order-2 adaptive chain" for markov2, "order-3 corpus chain" for corpusMarkov3. */
function chainName(key: string): string {
  const m = /^(corpusMarkov|markov)(\d+)$/.exec(key);
  return m ? `order-${m[2]} ${m[1] === 'markov' ? 'adaptive' : 'corpus'} chain` : key;
}

/** Bits of difference that get the strongest colour in the strip. */
const MAX_DIFF_BITS = 8;

export interface CompressionEvents {
  onHover(index: number | null): void;
  onActivate(index: number): void;
}

export class CompressionView {
  readonly root = el('div', { class: 'compression-view' });

  constructor(private readonly events: CompressionEvents) {}

  render(m: BaselinesMessage | null, labels: string[], causal: boolean, theme: Theme): void {
    clear(this.root);
    if (!m) { this.root.append(el('p', { class: 'muted' }, 'Computing the compression table…')); return; }
    const table = el('table', { class: 'stats-table compression-table' });
    table.append(el('caption', {}, `The ${m.bytes} UTF-8 bytes of the analysed text, coded by each model. Fewer bits per byte = a better predictor of this text.`));
    const head = el('tr');
    for (const h of ['Coder', 'Bits per byte', 'Bytes']) head.append(el('th', { scope: 'col' }, h));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    const names = [...ROWS.map(([k]) => k), ...Object.keys(m.bitsPerByte).filter((k) => !ROWS.some(([r]) => r === k))];
    for (const key of names) {
      const title = ROWS.find(([k]) => k === key)?.[1] ?? key.replace(/^corpusMarkov(\d+)$/, 'Markov order $1, fitted on the training corpus');
      const bpb = m.bitsPerByte[key];
      const tr = el('tr', { 'data-coder': key });
      const best = key === m.bestMarkov;
      tr.append(el('th', { scope: 'row' }, `${title}${best ? ' (best chain)' : ''}`));
      if (bpb === undefined) {
        tr.append(el('td', { class: 'num' }, '–'), el('td', { class: 'muted' }, 'causal models only'));
      } else {
        tr.append(el('td', { class: 'num' }, fmt(bpb, 3)), el('td', { class: 'num' }, fmt((bpb * m.bytes) / 8, 0)));
      }
      body.append(tr);
    }
    table.append(body);
    this.root.append(table);
    if (m.note) this.root.append(el('p', { class: 'muted compression-note' }, m.note));

    this.root.append(el('h3', {}, `Model vs the ${chainName(m.bestMarkov)} (the best), token by token`));
    if (!causal || !m.modelMinusMarkov) {
      this.root.append(el('p', { class: 'muted' }, 'Causal models only: an encoder does not predict each token from the ones before it.'));
      return;
    }
    this.root.append(el('p', { class: 'muted' }, `log₂ p(model) − log₂ p(chain) per token, up to ±${MAX_DIFF_BITS} bits: accent colour where the transformer predicts better, warning colour where the chain does.`));
    const strip = el('div', { class: 'compression-strip' });
    const diff = m.modelMinusMarkov;
    labels.forEach((label, i) => {
      const span = el('span', { class: 'compression-token', 'data-index': i }, label);
      const d = diff[i]!;
      if (Number.isFinite(d)) {
        const a = Math.min(1, Math.abs(d) / MAX_DIFF_BITS);
        span.style.backgroundColor = d >= 0 ? rgbCss(theme.accent, a) : `color-mix(in srgb, var(--vscode-editorWarning-foreground, var(--vscode-errorForeground)) ${Math.round(a * 100)}%, transparent)`;
        span.title = `“${label}”: ${d >= 0 ? 'model better by' : 'chain better by'} ${fmt(Math.abs(d), 2)} bits`;
      } else {
        span.title = `“${label}”: no model prediction`;
      }
      span.addEventListener('pointerenter', () => this.events.onHover(i));
      span.addEventListener('pointerleave', () => this.events.onHover(null));
      span.addEventListener('click', () => this.events.onActivate(i));
      strip.append(span);
    });
    this.root.append(strip);
  }
}
