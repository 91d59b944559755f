// Context reach view: tokens × k, each cell coloured by ln p(token | only the k tokens before it),
// the last column the full context; a ring marks each token's reach (the smallest k within 0.1
// nat of the full context). Hovering a row draws that token's curve. Attention says where a head
// looks; reach says how far back the prediction needs to see.
import { el, clear, fmt } from './dom';
import { rgbCss, type Palette, type Theme } from './theme';
import type { ReachMessage } from '../src/common/protocol';

const ROW = 6; // px per token row
const COL = 8; // px per context column
const GAP = 4; // px between the k columns and the full-context column
/** ln p at or below this gets the faintest colour; 0 the strongest. */
export const MIN_LOGPROB = -10;

type Done = Extract<ReachMessage, { state: 'done' }>;

export interface ReachEvents {
  onHover(index: number | null): void;
  onActivate(index: number): void;
  onCancel(): void;
  onRequest(): void;
}

/** Palette index for a log-probability (NaN → −1: no such context). */
export function logProbIndex(lp: number): number {
  if (!Number.isFinite(lp)) return -1;
  return Math.round(Math.max(0, Math.min(1, 1 - lp / MIN_LOGPROB)) * 255);
}

export class ReachView {
  readonly root = el('div', { class: 'reach-view' });
  private readonly status = el('div', { class: 'reach-status', role: 'status' });
  private readonly caption = el('p', { class: 'reach-caption muted' });
  private readonly body = el('div', { class: 'reach-body' });
  private readonly scroller = el('div', { class: 'reach-scroller' });
  private readonly grid = el('canvas', { class: 'reach-grid', role: 'img' });
  private readonly side = el('div', { class: 'reach-side' });
  private readonly curve = el('canvas', { class: 'reach-curve', width: 260, height: 150, role: 'img' });
  private readonly detail = el('p', { class: 'reach-detail' });
  private data: Done | null = null;
  private labels: string[] = [];
  private palette: Palette | null = null;
  private theme: Theme | null = null;
  private hovered: number | null = null;

  constructor(private readonly events: ReachEvents) {
    this.scroller.append(this.grid);
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

  private rowAt(y: number): number | null {
    const T = this.labels.length;
    const i = Math.floor(y / ROW);
    return i >= 0 && i < T ? i : null;
  }

  private hoverAt(y: number): void {
    const i = this.rowAt(y);
    if (i === this.hovered) return;
    this.hovered = i;
    this.drawCurve();
    this.events.onHover(i);
  }

  private draw(): void {
    const d = this.data, p = this.palette, theme = this.theme;
    if (!d || !p || !theme) return;
    const T = d.full.length, K = d.maxContext;
    const width = K * COL + GAP + COL;
    this.grid.width = width;
    this.grid.height = T * ROW;
    this.grid.setAttribute('aria-label', `Context reach of ${T} tokens for k = 1 to ${K}`);
    const ctx = this.grid.getContext('2d')!;
    const img = ctx.createImageData(width, T * ROW);
    const px = new Uint32Array(img.data.buffer);
    const paint = (x0: number, y0: number, colour: number) => {
      for (let y = y0; y < y0 + ROW - 1; y++) px.fill(colour, y * width + x0, y * width + x0 + COL - 1);
    };
    for (let t = 0; t < T; t++) {
      for (let k = 1; k <= K; k++) {
        const idx = logProbIndex(d.logProbs[t * K + k - 1]!); // [T, K]
        if (idx >= 0) paint((k - 1) * COL, t * ROW, p.pixels[idx]!);
      }
      const full = logProbIndex(d.full[t]!);
      if (full >= 0) paint(K * COL + GAP, t * ROW, p.pixels[full]!);
    }
    ctx.putImageData(img, 0, 0);
    ctx.strokeStyle = rgbCss(theme.foreground);
    ctx.lineWidth = 1;
    for (let t = 0; t < T; t++) {
      const r = d.reach[t]!;
      if (r > 0) ctx.strokeRect((r - 1) * COL + 0.5, t * ROW + 0.5, COL - 2, ROW - 2);
    }
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
