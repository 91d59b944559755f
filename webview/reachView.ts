// Context reach view: tokens × k, each cell coloured by ln p(token | only the k tokens before it),
// the last column the full context; a ring marks each token's reach (the smallest k within 0.1
// nat of the full context). Hovering a row draws that token's curve. Attention says where a head
// looks; reach says how far back the prediction needs to see.
import { el, clear, fmt } from './dom';
import { rgbCss, type Palette, type Theme } from './theme';
import type { ReachMessage } from '../src/common/protocol';
import { MIN_LOGPROB, ROW, gridWidth, paintReachRows } from './reachGridPaint';

export { logProbIndex, MIN_LOGPROB } from './reachGridPaint';

type Done = Extract<ReachMessage, { state: 'done' }>;

export interface ReachEvents {
  onHover(index: number | null): void;
  onActivate(index: number): void;
  onCancel(): void;
  onRequest(): void;
}

export class ReachView {
  readonly root = el('div', { class: 'reach-view' });
  private readonly status = el('div', { class: 'reach-status', role: 'status' });
  private readonly caption = el('p', { class: 'reach-caption muted' });
  private readonly body = el('div', { class: 'reach-body' });
  private readonly scroller = el('div', { class: 'reach-scroller' });
  /** As tall as the grid; the grid canvas is one screen tall and stays on screen (sticky) as it scrolls. */
  private readonly sizer = el('div', { class: 'reach-sizer' });
  private readonly grid = el('canvas', { class: 'reach-grid', role: 'img' });
  /** The rows on screen at one pixel per cell, before scaling. */
  private readonly cells = document.createElement('canvas');
  private frame = 0;
  private readonly side = el('div', { class: 'reach-side' });
  private readonly curve = el('canvas', { class: 'reach-curve', width: 260, height: 150, role: 'img' });
  private readonly detail = el('p', { class: 'reach-detail' });
  private data: Done | null = null;
  private labels: string[] = [];
  private palette: Palette | null = null;
  private theme: Theme | null = null;
  private hovered: number | null = null;

  constructor(private readonly events: ReachEvents) {
    this.sizer.append(this.grid);
    this.scroller.append(this.sizer);
    this.scroller.addEventListener('scroll', () => {
      if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
    });
    this.side.append(this.curve, this.detail);
    this.body.append(this.scroller, this.side);
    this.root.append(this.status, this.caption, this.body);
    this.grid.addEventListener('pointermove', (e) => this.hoverAt(e.offsetY));
    this.grid.addEventListener('pointerleave', () => { this.hovered = null; this.drawCurve(); this.events.onHover(null); });
    this.grid.addEventListener('click', (e) => { const i = this.rowAt(e.offsetY); if (i !== null) this.events.onActivate(i); });
  }

  /** Shows reach's state for the current analysis (null: not started yet). */
  set(m: ReachMessage | null, labels: string[], palette: Palette, theme: Theme): void {
    this.labels = labels;
    this.palette = palette;
    this.theme = theme;
    clear(this.status);
    this.body.hidden = true;
    if (!m || m.state === 'running') {
      const progress = el('progress', { max: m?.total ?? 1, value: m?.done ?? 0, 'aria-label': 'Context reach progress' });
      const cancel = el('button', { class: 'reach-button' }, 'Cancel');
      cancel.addEventListener('click', () => this.events.onCancel());
      this.status.append(el('span', {}, m ? `Computing context reach: ${m.done} of ${m.total} windows ` : 'Context reach starts when the attention is on screen… '), progress, cancel);
      this.caption.textContent = '';
      return;
    }
    if (m.state === 'unavailable') {
      this.status.append(el('span', {}, m.message));
      if (!/causal models only/.test(m.message)) {
        const again = el('button', { class: 'reach-button' }, 'Compute reach');
        again.addEventListener('click', () => this.events.onRequest());
        this.status.append(' ', again);
      }
      this.caption.textContent = '';
      return;
    }
    this.data = m;
    this.body.hidden = false;
    const none = Array.from(m.reach).filter((r, i) => r === 0 && Number.isFinite(m.full[i]!)).length;
    this.status.append(el('span', {}, `Context reach, k = 1…${m.maxContext} (${fmt(m.ms / 1000, 1)} s). ${none} token${none === 1 ? '' : 's'} need more than ${m.maxContext} tokens of context.`));
    this.caption.textContent = `Rows: tokens. Columns: ln p of the token given only the k tokens before it, k = 1…${m.maxContext}, then (after the gap) the full context. ` +
      `Colour: ln p from ${MIN_LOGPROB} (faint) to 0 (strong). A ring marks each token's reach, the smallest k within 0.1 nat of the full context.` +
      (m.prefix > 0 ? ` The tokenizer puts ${m.prefix} token${m.prefix === 1 ? '' : 's'} (e.g. a BOS) before every text: every window keeps ${m.prefix === 1 ? 'it' : 'them'}, and k does not count ${m.prefix === 1 ? 'it' : 'them'}.` : '');
    this.draw();
    this.drawCurve();
  }

  /** Redraws with new colours (theme or scale change). */
  repaint(palette: Palette, theme: Theme): void {
    this.palette = palette;
    this.theme = theme;
    this.draw();
    this.drawCurve();
  }

  /** Shows the curve of token `index` (hovered elsewhere). */
  showToken(index: number | null): void {
    if (index === this.hovered) return;
    this.hovered = index;
    this.drawCurve();
  }

  /** The token at y px from the grid canvas's top (which sits at the scroller's top). */
  private rowAt(y: number): number | null {
    const T = this.labels.length;
    const i = Math.floor((y + this.screen().top) / ROW);
    return i >= 0 && i < T ? i : null;
  }

  private hoverAt(y: number): void {
    const i = this.rowAt(y);
    if (i === this.hovered) return;
    this.hovered = i;
    this.drawCurve();
    this.events.onHover(i);
  }

  /** The grid's content on screen: top (px) and height. */
  private screen(): { top: number; height: number } {
    const full = (this.data?.full.length ?? 0) * ROW;
    const height = Math.min(full, this.scroller.clientHeight || Math.round(window.innerHeight * 0.7));
    return { top: Math.max(0, Math.min(this.scroller.scrollTop, full - height)), height };
  }

  private draw(): void {
    const d = this.data, p = this.palette, theme = this.theme;
    if (!d || !p || !theme) return;
    const T = d.full.length, K = d.maxContext;
    this.sizer.style.height = `${T * ROW}px`;
    const { top, height } = this.screen();
    if (this.grid.width !== gridWidth(K)) this.grid.width = gridWidth(K);
    if (this.grid.height !== Math.max(1, height)) this.grid.height = Math.max(1, height);
    this.grid.setAttribute('aria-label', `Context reach of ${T} tokens for k = 1 to ${K}`);
    paintReachRows(this.grid.getContext('2d')!, this.cells, d, p, theme, Math.floor(top / ROW), Math.min(T, Math.ceil((top + height) / ROW)), top);
  }

  private drawCurve(): void {
    const d = this.data, theme = this.theme, i = this.hovered;
    const ctx = this.curve.getContext('2d')!;
    const W = this.curve.width, H = this.curve.height, pad = 24;
    ctx.clearRect(0, 0, W, H);
    if (!d || !theme || i === null || i >= d.full.length) {
      this.detail.textContent = d ? 'Hover a row (or a token anywhere in the panel) to see its curve.' : '';
      return;
    }
    const K = d.maxContext;
    const values = Array.from(d.logProbs.subarray(i * K, (i + 1) * K)); // [K]
    const finite = [...values, d.full[i]!].filter(Number.isFinite);
    const label = `“${this.labels[i]}” (token ${i})`;
    if (finite.length === 0) {
      this.detail.textContent = `${label}: no prediction (nothing before it).`;
      return;
    }
    const lo = Math.min(...finite, -1), hi = 0;
    const x = (k: number) => pad + ((k - 1) / Math.max(1, K - 1)) * (W - 2 * pad);
    const y = (v: number) => 8 + ((hi - v) / (hi - lo)) * (H - 8 - pad);
    ctx.strokeStyle = rgbCss(theme.foreground, 0.4);
    ctx.strokeRect(pad, 8, W - 2 * pad, H - 8 - pad);
    ctx.fillStyle = rgbCss(theme.foreground, 0.8);
    ctx.font = '10px sans-serif';
    ctx.fillText('k = 1', pad, H - 8);
    ctx.fillText(String(K), W - pad - 12, H - 8);
    ctx.fillText(fmt(lo, 1), 0, H - pad);
    ctx.fillText('0', 4, 14);
    if (Number.isFinite(d.full[i]!)) {
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = rgbCss(theme.foreground, 0.7);
      ctx.beginPath(); ctx.moveTo(pad, y(d.full[i]!)); ctx.lineTo(W - pad, y(d.full[i]!)); ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.strokeStyle = rgbCss(theme.accent);
    ctx.lineWidth = 2;
    ctx.beginPath();
    let started = false;
    values.forEach((v, k) => {
      if (!Number.isFinite(v)) return;
      if (started) ctx.lineTo(x(k + 1), y(v)); else { ctx.moveTo(x(k + 1), y(v)); started = true; }
    });
    ctx.stroke();
    ctx.lineWidth = 1;
    const r = d.reach[i]!;
    if (r > 0) {
      ctx.strokeStyle = rgbCss(theme.focus);
      ctx.beginPath(); ctx.moveTo(x(r), 8); ctx.lineTo(x(r), H - pad); ctx.stroke();
    }
    this.curve.setAttribute('aria-label', `ln p of ${label} by context length`);
    const full = d.full[i]!;
    this.detail.textContent = !Number.isFinite(full) ? `${label}: no prediction from real tokens.`
      : `${label}: full context ln p = ${fmt(full, 2)}; ${r > 0 ? `reach k = ${r} (ln p = ${fmt(values[r - 1]!, 2)}).` : `no k ≤ ${K} comes within 0.1 nat: it needs more context.`} Dashed: full context; vertical line: reach.`;
  }
}
