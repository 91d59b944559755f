// Encoders do not predict a next token; instead the panel asks what the model would put at a
// chosen position if that token were masked. One request in flight at a time; answers for another
// analysis or another position are dropped.
import { clear, el, fmt } from './dom';
import { nextList } from './tokens';
import { withoutInvisible } from '../src/common/tokenText';
import type { AnalysisHeader, HostToWebview, WebviewToHost } from '../src/common/protocol';

type MaskedMessage = Extract<HostToWebview, { type: 'masked' }>;

export class MaskedBox {
  readonly root = el('section', { class: 'masked', 'aria-label': 'Masked-token predictions', hidden: true });
  private readonly select = el('select', { 'aria-label': 'Token to mask' });
  private readonly result = el('div', { class: 'masked-result', 'aria-live': 'polite' });
  private analysisId = -1;
  private labels: string[] = [];
  private asked: number | null = null;

  constructor(private readonly post: (m: WebviewToHost) => void) {
    this.select.addEventListener('change', () => this.choose(Number(this.select.value)));
    const label = el('label', { class: 'masked-choice' }, 'Mask token ');
    label.append(this.select);
    this.root.append(
      el('h3', {}, 'Masked-token prediction'),
      el('p', { class: 'muted' }, 'This encoder reads the whole text both ways. Pick a token (or click one) to see what the model would put there if it were hidden.'),
      label,
      this.result,
    );
  }

  /** A new analysis: shown only for encoders; asks for `initial` (a word token) right away. */
  setAnalysis(h: AnalysisHeader, labels: string[], initial: number | null): void {
    this.analysisId = h.analysisId;
    this.labels = labels;
    this.asked = null;
    clear(this.select);
    clear(this.result);
    this.root.hidden = h.model.kind !== 'encoder';
    if (this.root.hidden) return;
    const words = h.tokens.map((t, i) => ({ t, i })).filter(({ t }) => !t.special);
    for (const { i } of words) this.select.append(el('option', { value: i }, `${i}: ${labels[i]}`));
    const start = initial !== null && !h.tokens[initial]?.special ? initial : words[0]?.i;
    if (start !== undefined) this.choose(start);
    else this.result.append(el('p', { class: 'muted' }, 'Only special tokens: nothing to mask.'));
  }

  /** The person chose token `index` (from the list, the strip or a view). */
  choose(index: number): void {
    if (this.root.hidden || !Number.isInteger(index) || index === this.asked) return;
    if (![...this.select.options].some((o) => Number(o.value) === index)) return; // special tokens are not masked
    this.select.value = String(index);
    this.asked = index;
    clear(this.result);
    this.result.append(el('p', { class: 'muted busy' }, `Predicting token ${index} “${this.labels[index] ?? ''}”…`));
    this.post({ type: 'requestMasked', analysisId: this.analysisId, index });
  }

  receive(m: MaskedMessage): void {
    if (m.analysisId !== this.analysisId || m.index !== this.asked) return; // stale
    clear(this.result);
    if (m.error !== undefined) {
      this.result.append(el('p', { class: 'error' }, m.error));
      return;
    }
    this.result.append(
      el('p', {}, `If “${withoutInvisible(m.original)}” (token ${m.index}) were masked — entropy ${fmt(m.entropy, 2)} nats:`),
      nextList(m.next),
    );
  }
}
