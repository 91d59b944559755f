// The token strip (each token coloured by how surprised the model was), the top-k next tokens
// after the last or hovered token, the live probe, and the colour legend.
import { el, clear, fmt } from './dom';
import { rgbCss, type Palette } from './theme';
import { contrast, unitToWeight, type Rgb } from '../src/common/colour';
import type { AnalysisHeader, HostToWebview, PanelToken } from '../src/common/protocol';
import { withoutInvisible } from '../src/common/tokenText';

/** Surprisal (nats) that gets the strongest colour. */
const MAX_SURPRISAL = 12;

export interface StripEvents {
  onHover(index: number | null): void;
  onActivate(index: number): void;
}

export class TokenStrip {
  readonly root = el('div', {
    class: 'token-strip', tabindex: 0, role: 'application',
    'aria-label': 'Tokens coloured by surprisal. Left and Right move between tokens and show what the model expected next; Enter shows the token in the editor.',
  });
  private spans: HTMLSpanElement[] = [];
  private cursor = -1;

  constructor(private readonly events: StripEvents) {
    this.root.addEventListener('keydown', (e) => this.onKey(e));
  }

  render(header: AnalysisHeader, labels: string[], palette: Palette): void {
    clear(this.root);
    this.cursor = -1;
    this.spans = header.tokens.map((t, i) => {
      // A character split over tokens is drawn once; its other tokens are thin markers.
      const span = el('span', { class: `strip-token${t.special ? ' special' : ''}${t.continuation ? ' continuation' : ''}`, 'data-index': i }, t.continuation ? '' : labels[i]);
      if (t.continuation) span.setAttribute('aria-label', `continues the character before: ${t.partial ?? ''}`);
      if (t.logprob !== null) {
        const surprisal = -t.logprob;
        const bg = palette.colours[Math.round(Math.min(1, surprisal / MAX_SURPRISAL) * 255)];
        span.style.backgroundColor = rgbCss(bg);
        span.style.color = textOn(bg);
        span.title = `${tokenName(t, labels[i])}: surprisal ${fmt(surprisal, 2)} nats, p = ${fmt(Math.exp(t.logprob), 4)}${t.rank !== null ? `, rank ${t.rank}` : ''}`;
      } else {
        span.title = `${tokenName(t, labels[i])}: no prediction (first token or encoder model)`;
      }
      span.addEventListener('pointerenter', () => this.events.onHover(i));
      span.addEventListener('pointerleave', () => this.events.onHover(null));
      span.addEventListener('click', () => this.events.onActivate(i));
      this.root.append(span);
      return span;
    });
  }

  /**
   * The reach strip: under each token a bar whose length shows its reach (the context its
   * prediction needs, of K); a dotted full bar where no k ≤ K is enough. Null removes it.
   */
  setReach(reach: Int32Array | null, full: Float32Array | null, K: number): void {
    this.spans.forEach((span, i) => {
      const r = reach?.[i] ?? 0;
      const predicted = reach !== null && Number.isFinite(full?.[i] ?? NaN); // from real tokens before it
      span.classList.toggle('reach-none', predicted && r === 0);
      span.style.setProperty('--reach', reach && r > 0 ? String(Math.max(0.08, r / K)) : '0');
      const note = reach === null || !predicted ? '' : r > 0 ? `; reach ${r} token${r === 1 ? '' : 's'}` : `; needs more than ${K} tokens of context`;
      span.title = span.title.replace(/; (reach \d+ tokens?|needs more than \d+ tokens of context)$/, '') + note;
    });
  }

  /** Marks one token (the selected query). */
  mark(index: number | null): void {
    this.spans.forEach((s, i) => s.classList.toggle('strip-current', i === index));
  }

  private onKey(e: KeyboardEvent): void {
    const n = this.spans.length;
    if (!n) return;
    let i = this.cursor < 0 ? n - 1 : this.cursor;
    switch (e.key) {
      case 'ArrowLeft': i = Math.max(0, i - 1); break;
      case 'ArrowRight': i = Math.min(n - 1, i + 1); break;
      case 'Home': i = 0; break;
      case 'End': i = n - 1; break;
      case 'Enter': case ' ': this.events.onActivate(i); e.preventDefault(); return;
      default: return;
    }
    e.preventDefault();
    this.cursor = i;
    this.mark(i);
    this.events.onHover(i);
  }
}

/** How a tooltip names a token: its characters, with the bytes it holds when it holds part of one. */
export function tokenName(t: PanelToken, label: string): string {
  if (t.continuation) return `continuation of the character before, bytes ${t.partial ?? ''}`;
  return t.partial ? `“${label}” (this token: bytes ${t.partial})` : `“${label}”`;
}

export function textOn(bg: Rgb): string {
  return contrast(bg, [0, 0, 0]) >= contrast(bg, [255, 255, 255]) ? '#000' : '#fff';
}

/** A ranked list of next tokens with probability bars. */
export function nextList(items: { token: string; prob: number }[]): HTMLElement {
  const list = el('ol', { class: 'next-list' });
  for (const it of items) {
    const li = el('li');
    const bar = el('span', { class: 'next-bar', 'aria-hidden': 'true' });
    bar.style.width = `${Math.max(1, Math.round(it.prob * 100))}%`;
    li.append(el('span', { class: 'next-token' }, withoutInvisible(it.token)), el('span', { class: 'next-prob' }, fmt(it.prob, 3)), bar);
    list.append(li);
  }
  return list;
}

/** Top-k after a position: ids/probs [nTokens, k]. */
export function renderNext(target: HTMLElement, header: AnalysisHeader, labels: string[], position: number): void {
  clear(target);
  const k = header.topK.k;
  if (!k) {
    target.append(el('p', { class: 'muted' }, 'This model does not predict next tokens (encoder).'));
    return;
  }
  const items = [];
  for (let r = 0; r < k; r++) {
    const id = header.topK.ids[position * k + r]; // [T, k]
    items.push({ token: header.topK.vocab[id] ?? `#${id}`, prob: header.topK.probs[position * k + r] });
  }
  const last = position === header.tokens.length - 1;
  // The token in the editor's font, not bold: glyphs such as ⏎ are missing from some bold UI fonts.
  const heading = el('h3', {}, `Next after ${last ? 'the last token' : `token ${position}`} `);
  heading.append(el('span', { class: 'heading-token' }, `“${labels[position]}”`));
  target.append(heading, nextList(items));
}

export function renderProbe(target: HTMLElement, p: Extract<HostToWebview, { type: 'probe' }>): void {
  clear(target);
  target.append(
    el('h3', {}, 'Live probe at the cursor'),
    el('p', { class: 'muted' }, `${p.nTokens} tokens of context${p.cached ? ' (cached)' : ''}; entropy ${fmt(p.entropy, 2)} nats; temperature ${fmt(p.temperature, 2)}`),
    nextList(p.next),
  );
}

/** A horizontal colour bar with weight ticks. */
export function renderLegend(target: HTMLElement, palette: Palette, log: boolean): void {
  clear(target);
  const canvas = el('canvas', { width: 256, height: 1, class: 'legend-bar', 'aria-hidden': 'true' });
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(256, 1);
  new Uint32Array(img.data.buffer).set(palette.pixels);
  ctx.putImageData(img, 0, 0);
  const ticks = el('div', { class: 'legend-ticks' });
  for (const u of [0, 0.25, 0.5, 0.75, 1]) {
    const w = unitToWeight(u, log);
    ticks.append(el('span', {}, !log ? String(u) : u === 0 ? '≤0.0001' : String(Number(w.toPrecision(1)))));
  }
  target.append(el('span', { class: 'legend-title' }, log ? 'weight (log)' : 'weight'), canvas, ticks);
  target.setAttribute('aria-label', `Colour legend: ${log ? 'log-scaled weights from 0.0001 to 1' : 'weights from 0 to 1'}`);
}
