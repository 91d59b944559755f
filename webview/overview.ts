// Model overview: every layer × head as a thumbnail, plus each layer's mean over heads, in one
// grid of buttons. Arrow keys move between thumbnails (roving tabindex); Enter or click opens one.
import { el, clear, fmt } from './dom';
import type { Palette } from './theme';
import { headLabels, statsAt, type HeadLabel } from '../src/common/stats';
import { isHeadOff, wireHeadToggle, type HeadsOffList } from './headToggle';

/** Labels too wide for a thumbnail, shortened under it (the tooltip and aria-label keep the full name). */
const THUMB_LABEL: Partial<Record<HeadLabel, string>> = { 'previous-token': 'prev-token' };

export interface OverviewData {
  nLayers: number;
  nHeads: number;
  size: number;
  /** [L, H + 1, size, size] bytes; index H is the layer mean. */
  data: Uint8Array;
  stats: Float32Array | null;
  T: number;
  causal: boolean;
  /** Heads switched off for this analysis (marked, and Alt+click or X switches one back on). */
  headsOff?: HeadsOffList;
}

export class Overview {
  readonly root = el('div', { class: 'overview', role: 'grid', 'aria-label': 'Every layer and head; arrow keys move, Enter opens the heatmap' });
  private buttons: HTMLButtonElement[][] = [];
  private focusAt = { layer: 0, col: 0 };

  constructor(private readonly onOpen: (layer: number, head: number | 'mean') => void, private readonly onToggle: (layer: number, head: number) => void = () => undefined) {
    this.root.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Builds the grid and paints every thumbnail. */
  render(d: OverviewData, palette: Palette, current: { layer: number; head: number | 'mean' }): void {
    clear(this.root);
    this.buttons = [];
    const H = d.nHeads, s = d.size;
    const header = el('div', { class: 'overview-row', role: 'row' });
    header.append(el('span', { class: 'overview-corner', role: 'columnheader' }, ''));
    for (let h = 0; h < H; h++) header.append(el('span', { class: 'overview-colhead', role: 'columnheader' }, `H${h}`));
    header.append(el('span', { class: 'overview-colhead', role: 'columnheader' }, 'mean'));
    this.root.append(header);
    const img = new ImageData(s, s);
    const px = new Uint32Array(img.data.buffer);
    for (let l = 0; l < d.nLayers; l++) {
      const row = el('div', { class: 'overview-row', role: 'row' });
      row.append(el('span', { class: 'overview-rowhead', role: 'rowheader' }, `L${l}`));
      const buttons: HTMLButtonElement[] = [];
      for (let h = 0; h <= H; h++) {
        const isMean = h === H;
        const base = (l * (H + 1) + h) * s * s; // [L, H + 1, s, s]
        for (let x = 0; x < s * s; x++) px[x] = palette.pixels[d.data[base + x]];
        const canvas = el('canvas', { width: s, height: s, class: 'thumb-canvas', 'aria-hidden': 'true' });
        canvas.getContext('2d')!.putImageData(img, 0, 0);
        let labels: HeadLabel[] = [];
        let description = isMean ? `Layer ${l}, mean over heads` : `Layer ${l}, head ${h}`;
        if (!isMean && d.stats) {
          const st = statsAt(d.stats, H, l, h);
          labels = headLabels(st, d.T, d.causal);
          description += `${labels.length ? `: ${labels.join(', ')}` : ''}; entropy ${fmt(st.entropy, 2)} nats, mean distance ${fmt(st.meanDistance, 1)}`;
        }
        const active = current.layer === l && (isMean ? current.head === 'mean' : current.head === h);
        const button = el('button', {
          class: `thumb${isMean ? ' thumb-mean' : ''}${active ? ' thumb-current' : ''}`,
          tabindex: -1, 'aria-label': description, title: description, 'data-layer': l, 'data-head': isMean ? 'mean' : h,
        });
        const label = labels[0] ? THUMB_LABEL[labels[0]] ?? labels[0] : isMean ? 'mean' : '';
        button.append(canvas, el('span', { class: 'thumb-label' }, !isMean && isHeadOff(d.headsOff, l, h) ? 'off' : label));
        if (!isMean) wireHeadToggle(button, l, h, d.headsOff, this.onToggle);
        button.addEventListener('click', () => { this.focusAt = { layer: l, col: h }; this.onOpen(l, isMean ? 'mean' : h); });
        button.addEventListener('focus', () => { this.focusAt = { layer: l, col: h }; this.updateTabStops(); });
        buttons.push(button);
        const cell = el('div', { class: 'thumb-cell', role: 'gridcell' });
        cell.append(button);
        row.append(cell);
      }
      this.buttons.push(buttons);
      this.root.append(row);
    }
    this.focusAt = { layer: Math.min(current.layer, d.nLayers - 1), col: current.head === 'mean' ? H : Math.min(current.head, H - 1) };
    this.updateTabStops();
  }

  private updateTabStops(): void {
    this.buttons.forEach((row, l) => row.forEach((b, c) => { b.tabIndex = l === this.focusAt.layer && c === this.focusAt.col ? 0 : -1; }));
  }

  private onKey(e: KeyboardEvent): void {
    if (!this.buttons.length) return;
    let { layer, col } = this.focusAt;
    const lastCol = this.buttons[0].length - 1, lastLayer = this.buttons.length - 1;
    switch (e.key) {
      case 'ArrowLeft': col = Math.max(0, col - 1); break;
      case 'ArrowRight': col = Math.min(lastCol, col + 1); break;
      case 'ArrowUp': layer = Math.max(0, layer - 1); break;
      case 'ArrowDown': layer = Math.min(lastLayer, layer + 1); break;
      case 'Home': col = 0; break;
      case 'End': col = lastCol; break;
      default: return;
    }
    e.preventDefault();
    this.focusAt = { layer, col };
    this.updateTabStops();
    this.buttons[layer][col].focus();
  }

  /** All thumbnails composed into one canvas (for PNG export). */
  snapshot(): HTMLCanvasElement {
    const rows = this.buttons.length, cols = rows ? this.buttons[0].length : 0;
    const cell = 64, gap = 4;
    const out = el('canvas', { width: Math.max(1, cols * (cell + gap)), height: Math.max(1, rows * (cell + gap)) });
    const ctx = out.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    this.buttons.forEach((row, l) => row.forEach((b, c) => {
      const canvas = b.querySelector('canvas');
      if (canvas) ctx.drawImage(canvas, c * (cell + gap), l * (cell + gap), cell, cell);
    }));
    return out;
  }
}
