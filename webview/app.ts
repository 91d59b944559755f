// The panel's brain: keeps the view state and the data the host sent (the slices each view draws
// come through RequestCache), and routes hover/click between views, host and editor.
import { el, clear, setPart } from './dom';
import { loadState, post, saveState, type ViewState } from './state';
import { makePalette, readTheme, watchTheme, type Palette, type Theme } from './theme';
import { Controls } from './controls';
import { Heatmap } from './heatmap';
import { Overview } from './overview';
import { HeadView } from './headView';
import { KernelView } from './kernelView';
import { StatsTable } from './statsTable';
import { TokenStrip, renderLegend, renderNext, renderProbe } from './tokens';
import { MaskedBox } from './masked';
import { InternalsViews } from './internalsViews';
import { exportMessage, matrixSelector, requestOptions } from './viewRequests';
import { ReachPanel } from './reachPanel';
import { assertNever, type AnalysisHeader, type AttentionRequestOptions, type HostToWebview, type MatrixSelector } from '../src/common/protocol';
import { withoutInvisible } from '../src/common/tokenText';
import { thumbnailSize } from '../src/common/downsample';
import { mostDistinctiveHead } from '../src/common/stats';
import { RequestCache } from './requestCache';

const THUMBNAIL = 48;

export class App {
  private state: ViewState = loadState();
  private header: AnalysisHeader | null = null;
  private labels: string[] = [];
  private stats: Float32Array | null = null;
  /** Open the most distinctive head once this analysis's statistics arrive. */
  private pickHead = false;
  private theme: Theme = readTheme();
  private palette: Palette = makePalette(this.state.scale, this.theme, this.state.log);
  private readonly cache = new RequestCache(post);
  private hoverIndex: number | null = null;

  private readonly controls = new Controls({ onChange: (p) => this.change(p), onExport: (f) => this.export(f) });
  private readonly notice = el('div', { class: 'notice', role: 'status' });
  private readonly error = el('div', { class: 'error', role: 'alert', hidden: true });
  private readonly viewArea = el('main', { class: 'view-area' });
  private readonly placeholder = el('p', { class: 'placeholder muted' });
  private readonly legend = el('div', { class: 'legend', role: 'img' });
  private readonly next = el('section', { class: 'next', 'aria-label': 'Next-token predictions' });
  private readonly probeBox = el('section', { class: 'probe', 'aria-label': 'Live probe', hidden: true });
  private readonly masked = new MaskedBox(post);
  /** Restricted mode (untrusted workspace): which settings are ignored, that nothing is downloaded. */
  private readonly restricted = el('div', { class: 'restricted', role: 'note', hidden: true });
  private readonly heatmap = new Heatmap({
    onHover: (c) => this.hover(c ? c.key : null),
    onActivate: (c) => { this.change({ query: c.query, key: c.key }); this.reveal(c.key); }, onOpen: (c) => this.change({ query: c.query, key: c.key, view: 'qk' }),
    onViewChange: (zoom, panRow, panCol) => this.change({ zoom, panRow, panCol }, false),
  });
  private readonly overviewView = new Overview((layer, head) => this.change({ layer, head, view: 'heatmap' }), (layer, head) => post({ type: 'headsOff', action: 'toggle', layer, head }));
  private readonly headView = new HeadView({
    onHover: (i) => this.hover(i),
    onActivate: (i) => { this.change({ query: i }, false); this.reveal(i); },
    onHeadsChange: (hidden) => this.change({ hiddenHeads: hidden }, false),
  });
  private readonly kernel = new KernelView({
    onHover: (i) => this.hover(i),
    onActivate: (i) => this.reveal(i),
    onQueryChange: (q) => this.change({ query: q }),
  });
  private readonly statsTable = new StatsTable(
    (sort) => this.change({ sortKey: sort.key, sortDescending: sort.descending }),
    (layer, head) => this.change({ layer, head, view: 'heatmap' }),
  );
  private readonly internals = new InternalsViews(post, { onChoose: (t) => this.change({ query: t }), onOpen: (layer, head) => this.change({ layer, head, view: 'heatmap' }), onKey: (key) => this.change({ key }) });
  private readonly strip = new TokenStrip({ onHover: (i) => this.hover(i), onActivate: (i) => { this.change({ query: i }); this.reveal(i); } });
  private readonly extras = new ReachPanel({ onHover: (i) => this.hover(i), onActivate: (i) => { this.change({ query: i }, false); this.reveal(i); } }, this.strip, this.kernel, this.headView);
  private readonly views = [this.heatmap.root, this.overviewView.root, this.headView.root, this.kernel.root, this.statsTable.root, this.internals.lens.root, this.internals.ablation.root, this.internals.qk.root, this.extras.reachView.root, this.extras.compression.root, this.placeholder];

  mount(root: HTMLElement): void {
    clear(root);
    const side = el('aside', { class: 'side' });
    side.append(this.legend, this.next, this.masked.root, this.probeBox);
    const content = el('div', { class: 'content' });
    content.append(this.viewArea, side);
    const stripSection = el('section', { class: 'strip-section', 'aria-label': 'Tokens' });
    stripSection.append(el('h3', {}, 'Tokens (colour = surprisal)'), this.strip.root);
    for (const v of this.views) {
      v.hidden = true;
      this.viewArea.append(v);
    }
    root.append(this.controls.root, this.restricted, this.internals.headsOff, this.notice, this.error, content, stripSection);
    watchTheme(() => this.themeChanged());
    this.placeholder.textContent = 'Waiting for an analysis…';
    this.render();
  }

  /** Handles one host message. Anything malformed is ignored. */
  receive(m: HostToWebview): void {
    switch (m.type) {
      case 'analysis': return this.setAnalysis(m.header);
      case 'attention':
      case 'overview':
        if (this.header && this.cache.receive(m)) this.render(); // else stale
        return;
      case 'headStats':
        if (m.weights) return void (this.internals.receive(m) && this.render()); // value-weighted: the stats view's
        if (!this.header || m.analysisId !== this.header.analysisId) return;
        this.stats = m.data;
        if (this.pickHead) this.openMostDistinctive();
        return this.render();
      case 'status':
        if (m.state === 'loading') this.error.hidden = true; // a new attempt replaces the old failure
        this.notice.textContent = m.message;
        this.notice.classList.toggle('busy', m.state !== 'idle');
        return;
      case 'error':
        this.error.textContent = m.message;
        this.error.hidden = false;
        this.notice.classList.remove('busy');
        if (!this.header) this.notice.textContent = '';
        return;
      case 'empty':
        this.notice.textContent = m.message;
        this.notice.classList.remove('busy');
        return;
      case 'selectQuery':
        if (!this.header || m.analysisId !== this.header.analysisId) return;
        if (!Number.isInteger(m.query) || m.query < 0 || m.query >= this.header.shape.nTokens) return;
        return this.change({ query: m.query });
      case 'probe':
        this.probeBox.hidden = false;
        return renderProbe(this.probeBox, m);
      case 'masked':
        return this.masked.receive(m);
      case 'rollout': case 'logitLens': case 'ablation': case 'qk': case 'internalsError':
        return void (this.internals.receive(m) && this.render());
      case 'reach': case 'baselines': // context reach and the compression table come after the header
        return void (this.extras.receive(m) && ['reach', 'kernel', 'compression', 'headView'].includes(this.state.view) && this.render());
      case 'restricted':
        [this.restricted.textContent, this.restricted.hidden] = [m.message ?? '', m.message === null];
        return;
      case 'recomputed': // a view waited for dropped layers: said after the analysis's own notice
        return void (m.analysisId === this.header?.analysisId && setPart(this.notice, 'recomputed', m.message));
      default:
        assertNever(m);
    }
  }

  private setAnalysis(h: AnalysisHeader): void {
    if (h.shape.nTokens === 0 || h.tokens.length !== h.shape.nTokens) {
      this.error.textContent = h.shape.nTokens === 0 ? 'The analysis has no tokens: select some text and try again.' : 'The analysis is inconsistent (token count and attention shape differ).';
      this.error.hidden = false;
      return;
    }
    this.header = h;
    // A continuation of a split character is labelled by its bytes where a view needs a name (axes, captions).
    this.labels = h.tokens.map((t) => withoutInvisible(t.continuation ? t.partial ?? '·' : t.display));
    this.stats = null;
    this.cache.reset(h.analysisId);
    this.hoverIndex = null;
    this.internals.reset(h.analysisId);
    this.extras.reset(h.analysisId);
    this.error.hidden = true;
    this.notice.classList.remove('busy');
    const s = this.state;
    const T = h.shape.nTokens;
    const patch: Partial<ViewState> = {};
    if (s.layer >= h.shape.nLayers) patch.layer = 0;
    if (typeof s.head === 'number' && s.head >= h.shape.nHeads) patch.head = 0;
    if (s.query !== null && s.query >= T) patch.query = null;
    Object.assign(this.state, patch);
    // Until the person picks a head, wait for the statistics and open on the most distinctive one.
    this.pickHead = !s.headChosen;
    const shown = h.truncated ? ` Showing the first ${h.truncated.shownTokens} of ${h.truncated.totalIsLowerBound ? 'more than ' : ''}${h.truncated.totalTokens} tokens (${h.truncated.reason === 'context' ? 'the model’s context length' : 'the maxTokens setting'}).` : '';
    this.notice.textContent = `${h.source.fileName}: ${T} tokens, ${h.model.name} (${h.model.nLayers} layers × ${h.model.nHeads} heads).${shown}${h.attentionNote ? ` ${h.attentionNote}` : ''}`;
    this.internals.setHeadsOff(h.headsOff);
    if (this.header) this.extras.renderStrip(this.header, this.labels, this.palette);
    renderNext(this.next, h, this.labels, T - 1);
    this.masked.setAnalysis(h, this.labels, this.state.query);
    saveState(this.state);
    this.render();
  }

  /** Switches to the head the statistics single out (the person has not picked one yet). */
  private openMostDistinctive(): void {
    const h = this.header!;
    this.pickHead = false;
    Object.assign(this.state, mostDistinctiveHead(this.stats!, h.shape.nLayers, h.shape.nHeads, h.shape.nTokens, h.model.kind === 'decoder') ?? {});
    saveState(this.state);
  }

  /** Applies a state change, saves it and redraws what it affects. */
  private change(patch: Partial<ViewState>, rerender = true): void {
    this.state = { ...this.state, ...patch };
    // A head the person picks is kept: no more opening on the most distinctive one.
    if (patch.layer !== undefined || patch.head !== undefined) [this.state.headChosen, this.pickHead] = [true, false];
    saveState(this.state);
    if (patch.scale !== undefined || patch.log !== undefined) {
      this.palette = makePalette(this.state.scale, this.theme, this.state.log);
      if (this.header) this.extras.renderStrip(this.header, this.labels, this.palette);
    }
    if (patch.query !== undefined) {
      this.heatmap.setQuery(this.state.query);
      this.strip.mark(this.state.query);
      if (this.state.query !== null) this.masked.choose(this.state.query);
    }
    if (rerender) this.render();
    else this.controls.update(this.state, this.header?.shape ?? null);
  }

  private themeChanged(): void {
    this.theme = readTheme();
    this.palette = makePalette(this.state.scale, this.theme, this.state.log);
    this.headView.setTheme(this.theme);
    if (this.header) this.extras.renderStrip(this.header, this.labels, this.palette);
    this.render();
  }

  private selector(): MatrixSelector { return matrixSelector(this.state); }
  private options(): AttentionRequestOptions { return requestOptions(this.state); }
  /** The matrix the heatmap and kernel view draw: the chosen head or mean, or the rollout. */
  private shownMatrix(): Float32Array | null { return this.state.head === 'rollout' ? this.internals.rollout() : this.cache.matrix(this.selector(), this.options()); }

  /** Shows the current view, drawing it if its data is here. */
  private render(): void {
    const s = this.state, h = this.header;
    this.controls.update(s, h?.shape ?? null);
    renderLegend(this.legend, this.palette, s.log);
    const show = (node: HTMLElement | null) => { for (const v of this.views) v.hidden = v !== node; };
    if (!h) { show(this.placeholder); return; }
    const T = h.shape.nTokens, causal = h.model.kind === 'decoder';
    const waiting = (what: string) => { this.placeholder.textContent = `Loading ${what}…`; show(this.placeholder); };
    const problem = this.internals.problem(s, !!this.options().valueWeighted); // a view this model cannot give says why
    if (problem) { this.placeholder.textContent = problem; show(this.placeholder); return; }
    if (this.pickHead && s.view !== 'overview' && s.view !== 'stats' && s.view !== 'reach' && s.view !== 'compression') return waiting('head statistics to open the most distinctive head');
    switch (s.view) {
      case 'heatmap': {
        const m = this.shownMatrix();
        if (!m) return waiting('attention');
        show(this.heatmap.root);
        this.heatmap.setPalette(this.palette, this.theme);
        this.heatmap.setData(m, T, this.labels);
        this.heatmap.setView(s.zoom, s.panRow, s.panCol);
        this.heatmap.setQuery(s.query);
        this.heatmap.resize();
        return;
      }
      case 'overview': {
        const o = this.cache.overviewData(thumbnailSize(THUMBNAIL, T), this.options(), s.log ? 'log' : 'linear');
        if (!o) return waiting('every head');
        show(this.overviewView.root);
        this.overviewView.render({ nLayers: h.shape.nLayers, nHeads: h.shape.nHeads, size: o.size, data: o.data, stats: this.stats, T, causal, headsOff: h.headsOff }, this.palette, { layer: s.layer, head: s.head === 'rollout' ? 'mean' : s.head });
        return;
      }
      case 'headView': {
        const m = this.cache.matrix({ kind: 'layerLines', layer: s.layer }, this.options()); // packed lines, not [H, Q, K]
        if (!m) return waiting('the layer’s heads');
        show(this.headView.root);
        this.headView.setData(m, h.shape.nHeads, T, this.labels, s.hiddenHeads, this.theme);
        return;
      }
      case 'kernel': {
        // One row is all this view draws; reuse the whole matrix when the heatmap already fetched it.
        const q = s.query ?? T - 1;
        const full = s.head === 'rollout' ? this.shownMatrix() : this.cache.peek(this.selector(), this.options());
        const row = full ? full.subarray(q * T, (q + 1) * T) : s.head === 'rollout' ? null : this.cache.matrix({ kind: 'row', matrix: this.selector(), query: q }, this.options()); // [K]
        if (!row) return waiting('attention');
        show(this.kernel.root);
        this.kernel.setRow(row, q, T, this.labels, this.palette, this.theme, h.tokens);
        return;
      }
      case 'lens': case 'ablation': case 'qk': {
        const wait = this.internals.draw({ ...s, view: s.view }, h, this.labels, this.palette);
        if (wait) return waiting(wait);
        show(this.internals.rootOf(s.view));
        return;
      }
      case 'reach': case 'compression': return show(this.extras.render(s.view, this.labels, this.palette, this.theme, causal));
      case 'stats': {
        const stats = this.options().valueWeighted ? this.internals.weightedStats() : this.stats;
        if (!stats) return waiting('head statistics');
        show(this.statsTable.root);
        this.statsTable.render(stats, h.shape.nLayers, h.shape.nHeads, T, causal, { key: s.sortKey, descending: s.sortDescending }, !!this.options().valueWeighted);
        return;
      }
      default:
        assertNever(s.view);
    }
  }

  private hover(index: number | null): void {
    if (!this.header || index === this.hoverIndex) return;
    this.hoverIndex = index;
    post({ type: 'hoverToken', analysisId: this.header.analysisId, index });
    renderNext(this.next, this.header, this.labels, index ?? this.header.tokens.length - 1);
    if (this.state.view === 'reach') this.extras.reachView.showToken(index);
  }

  private reveal(index: number): void { if (this.header) post({ type: 'revealToken', analysisId: this.header.analysisId, index }); }

  private export(format: 'png' | 'json' | 'csv'): void {
    const s = this.state;
    const canvas = format !== 'png' ? null : s.view === 'heatmap' ? this.heatmap.snapshot() : s.view === 'overview' ? this.overviewView.snapshot() : s.view === 'headView' ? this.headView.snapshot() : null;
    const m = this.header ? exportMessage(format, this.header.analysisId, s, canvas) : null; if (m) post(m);
  }
}
