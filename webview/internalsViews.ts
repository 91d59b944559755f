// The internals views' side of the panel: the logit-lens and ablation views, the rollout the
// heatmap and kernel view draw, and why a view cannot be drawn for this model.
import { el } from './dom';
import { InternalsCache, type InternalsMessage } from './internalsCache';
import { LensView } from './lensView';
import { AblationView } from './ablationView';
import { QkView } from './qkView';
import type { ViewState } from './state';
import type { Palette } from './theme';
import type { AnalysisHeader, WebviewToHost } from '../src/common/protocol';

export class InternalsViews {
  private readonly cache: InternalsCache;
  readonly lens: LensView;
  readonly ablation: AblationView;
  readonly qk: QkView;
  /** Heads switched off change every number shown: said above the views, where it cannot be missed. */
  readonly headsOff = el('div', { class: 'heads-off internals-active', role: 'alert', hidden: true });
  private readonly headsOffText = el('span', { class: 'heads-off-text' });

  constructor(post: (m: WebviewToHost) => void, events: { onChoose(position: number): void; onOpen(layer: number, head: number): void; onKey(key: number): void }) {
    this.cache = new InternalsCache(post);
    this.lens = new LensView(events.onChoose);
    this.ablation = new AblationView(events.onOpen, (layer, head) => post({ type: 'headsOff', action: 'toggle', layer, head }));
    const allOn = el('button', { class: 'heads-off-all-on' }, 'Switch all on');
    allOn.addEventListener('click', () => post({ type: 'headsOff', action: 'allOn' }));
    this.headsOff.append(this.headsOffText, allOn);
    this.qk = new QkView(events.onKey);
  }

  /** The element of an internals view. */
  rootOf(view: 'lens' | 'ablation' | 'qk'): HTMLElement {
    return this[view].root;
  }

  setHeadsOff(heads: AnalysisHeader['headsOff']): void {
    this.headsOff.hidden = !heads?.length;
    this.headsOffText.textContent = heads?.length ? `Heads switched off: ${heads.map((x) => `L${x.layer}.H${x.head}`).join(', ')}. The analysis, probe and ghost text run without them; the internals views (value norms, rollout, lens, ablation, q·k) are of the model with every head on. ` : '';
  }

  reset(analysisId: number): void {
    this.cache.reset(analysisId);
  }

  receive(m: InternalsMessage): boolean {
    return this.cache.receive(m);
  }

  /** The rolled-out attention [T, T], or null after asking for it. */
  rollout(): Float32Array | null {
    this.cache.request('rollout');
    return this.cache.rollout;
  }

  /** Head statistics on value-weighted attention [L, H, S], or null after asking for them. */
  weightedStats(): Float32Array | null {
    this.cache.request('valueNorms');
    return this.cache.weightedStats;
  }

  /** Why the current view cannot be drawn for this model, if the host said so. */
  problem(s: ViewState, valueWeighted: boolean): string | undefined {
    const p = this.cache.problems;
    if (s.view === 'lens') return p.logitLens;
    if (s.view === 'ablation') return p.ablation;
    if (s.view === 'qk') return typeof s.head === 'number' ? p.qk : 'The q·k breakdown is of one head: choose a head (not the layer mean or the rollout).';
    if ((s.view === 'heatmap' || s.view === 'kernel') && s.head === 'rollout') return p.rollout;
    if (valueWeighted) return p.valueNorms;
    return undefined;
  }

  /** Draws the lens, ablation or q·k view; returns what it is waiting for when its data is not here yet. */
  draw(s: ViewState & { view: 'lens' | 'ablation' | 'qk' }, h: AnalysisHeader, labels: string[], palette: Palette): string | null {
    const T = h.shape.nTokens, view = s.view, query = s.query ?? T - 1;
    if (view === 'qk') {
      const head = typeof s.head === 'number' ? s.head : 0;
      this.cache.requestQk(s.layer, head);
      const d = this.cache.qkOf(s.layer, head);
      if (!d) return 'the q·k breakdown (one extra run of the model)';
      this.qk.render(d, labels, query, s.key ?? query);
      return null;
    }
    if (view === 'lens') {
      this.cache.request('logitLens');
      const d = this.cache.lens;
      if (!d) return 'the logit lens (one extra run of the model)';
      this.lens.render({ nLayers: h.shape.nLayers, T, k: d.k, ids: d.ids, probs: d.probs, vocab: d.vocab }, labels, query, palette);
      return null;
    }
    this.cache.request('ablation');
    const d = this.cache.ablation;
    if (!d) return `head ablation (${h.shape.nLayers * h.shape.nHeads} runs of the model, one per head)`;
    this.ablation.render({ nLayers: h.shape.nLayers, nHeads: h.shape.nHeads, T, ...d }, labels, query, h.headsOff);
    return null;
  }
}
