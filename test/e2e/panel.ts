// Reading the Attention Lens panel (a webview frame) from end-to-end tests: wait for an analysis,
// compare the heatmap's drawn pixels with reference weights, read the next-token list and the
// token strip.
import type { Frame } from 'playwright-core';
import { readCanvas, waitFor, type VSCodeSession } from './harness';
import { weightIndex, weightIndexTable } from '../../src/common/colour';
import { openingHead, type CliAnalysis } from './cli';

/** Waits until the panel shows an analysis of `nTokens` tokens with its heatmap drawn; returns its frame. */
export async function waitForAnalysis(vs: VSCodeSession, nTokens: number, timeoutMs = 90_000): Promise<Frame> {
  return waitFor(async () => {
    const frame = await vs.webviewFrame('.heatmap-base', timeoutMs);
    const state = await frame.evaluate(() => ({
      tokens: document.querySelectorAll('.strip-token').length,
      drawn: (document.querySelector('.heatmap-base') as HTMLCanvasElement | null)?.dataset.cell !== undefined,
      visible: !(document.querySelector('.heatmap') as HTMLElement | null)?.hidden,
    }));
    return state.tokens === nTokens && state.drawn && state.visible ? frame : undefined;
  }, { message: `the panel to show ${nTokens} tokens with the heatmap drawn`, timeoutMs });
}

export interface PixelCheck { cells: number; mismatches: string[]; distinctColours: number }

/**
 * Compares the centre pixel of every heatmap cell with the colour the panel's own legend gives the
 * reference weight `expected[q * T + k]` ([Q, K]). Allows one palette step of rounding.
 */
export async function checkHeatmapPixels(frame: Frame, expected: Float32Array, T: number, log = false): Promise<PixelCheck> {
  const legend = await readCanvas(frame, '.legend-bar'); // 256 × 1: palette index → colour
  const heat = await readCanvas(frame, '.heatmap-base');
  const geo = await frame.$eval('.heatmap-base', (el) => {
    const c = el as HTMLCanvasElement;
    return { plotX: Number(c.dataset.plotX), plotY: Number(c.dataset.plotY), cell: Number(c.dataset.cell), panRow: Number(c.dataset.panRow), panCol: Number(c.dataset.panCol), scale: c.width / c.clientWidth };
  });
  const table = weightIndexTable(log);
  const colourAt = (img: { width: number; data: Uint8Array }, x: number, y: number) => {
    const i = (Math.floor(y) * img.width + Math.floor(x)) * 4;
    return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
  };
  const mismatches: string[] = [];
  const seen = new Set<string>();
  let cells = 0;
  for (let q = Math.ceil(geo.panRow); q < T; q++) {
    for (let k = Math.ceil(geo.panCol); k < T; k++) {
      const cx = (geo.plotX + (k - geo.panCol + 0.5) * geo.cell) * geo.scale;
      const cy = (geo.plotY + (q - geo.panRow + 0.5) * geo.cell) * geo.scale;
      if (cx >= heat.width || cy >= heat.height) continue;
      cells++;
      const got = colourAt(heat, cx, cy);
      seen.add(got.join(','));
      const idx = weightIndex(expected[q * T + k]!, table); // [Q, K]
      const ok = [idx - 1, idx, idx + 1].some((i) => {
        if (i < 0 || i > 255) return false;
        const want = colourAt(legend, i, 0);
        return want.every((v, c) => Math.abs(v - got[c]!) <= 2);
      });
      if (!ok) mismatches.push(`cell [${q},${k}] weight ${expected[q * T + k]!.toFixed(4)}: drew rgb(${got}), legend[${idx}] is rgb(${colourAt(legend, idx, 0)})`);
    }
  }
  return { cells, mismatches, distinctColours: seen.size };
}

/** The next-token list as shown: token labels and probabilities, best first. */
export async function nextTokens(frame: Frame): Promise<{ token: string; prob: number }[]> {
  return frame.$$eval('.next .next-list li', (items) => items.map((li) => ({
    token: li.querySelector('.next-token')?.textContent ?? '',
    prob: Number(li.querySelector('.next-prob')?.textContent ?? 'NaN'),
  })));
}

/** Index of the token the strip marks as the selected query, or null. */
export async function currentStripToken(frame: Frame): Promise<number | null> {
  return frame.evaluate(() => {
    const el = document.querySelector('.strip-token.strip-current') as HTMLElement | null;
    return el ? Number(el.dataset.index) : null;
  });
}

/** Switches the panel's view as a person would (the View dropdown). */
export async function setPanelView(frame: Frame, view: string): Promise<void> {
  await frame.evaluate((v) => {
    const d = document.getElementById('ctl-view') as HTMLSelectElement;
    d.value = v;
    d.dispatchEvent(new Event('change'));
  }, view);
}

/** Waits until the panel shows the head a first look opens on for `reference` (the CLI's analysis). */
export async function waitForOpeningHead(frame: Frame, reference: CliAnalysis): Promise<{ layer: number; head: number }> {
  const opening = openingHead(reference);
  const value = (id: string) => frame.$eval(id, (e) => (e as HTMLSelectElement).value);
  await waitFor(async () => (await value('#ctl-layer')) === String(opening.layer) && (await value('#ctl-head')) === String(opening.head), {
    message: `the panel to open on L${opening.layer}.H${opening.head}`,
  });
  return opening;
}
