// Loads the panel's real HTML (same CSP) and the real webview bundle into headless Chromium,
// with a stand-in VS Code host (fakeHost.ts). Served from a fake origin through request routing.
import * as esbuild from 'esbuild';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml, newNonce } from '../../src/panel/html';
import type { FakeAnalysis } from './fakeHost';
import type { ThemeName } from './themes';

const root = path.resolve(__dirname, '../..');
const ORIGIN = 'http://attention-lens.test';

async function bundle(entry: string): Promise<string> {
  const r = await esbuild.build({ entryPoints: [path.join(root, entry)], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  return r.outputFiles[0].text;
}

const bundles = new Map<string, Promise<string>>();
/** A bundle built from source once per run (so tests never run a stale dist/). */
function bundleOnce(entry: string): Promise<string> {
  if (!bundles.has(entry)) bundles.set(entry, bundle(entry));
  return bundles.get(entry)!;
}

/**
 * One browser with the panel open for a whole test file (its before/after hooks): `ready` gets the
 * panel once it is open (and may load an analysis into it).
 */
export function panelForFile(ready: (p: PanelPage, browser: Browser) => Promise<void> | void): void {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
    await ready(await openPanel(browser), browser);
  });
  after(async () => { await browser?.close(); });
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface PanelPage {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  dialogs: string[];
  load(a: FakeAnalysis): Promise<number>;
  posted(): Promise<{ type: string; [k: string]: unknown }[]>;
  sent(): Promise<{ type: string; bytes: number }[]>;
  /** RGB at the centre of heatmap cell (query, key). */
  heatmapCell(query: number, key: number): Promise<[number, number, number]>;
  /** Waits until heatmap cell (query, key) shows `rgb` (within `tol` per channel): the view redraws after a change on its own time. Fails with the colour it shows. */
  expectCell(query: number, key: number, rgb: readonly number[], tol?: number): Promise<void>;
  waitHeatmap(): Promise<void>;
  /** Clicks heatmap cell (query, key) with the pointer, `count` times in a row (2: a double-click). */
  clickCell(query: number, key: number, count?: number): Promise<void>;
  /** Sets a control (a select or input by id) as a person would: its value, then a change event. */
  setControl(id: string, value: string): Promise<void>;
}

/** `bench`: the benchmark's bundle (the product's webview plus its timing hooks) instead of the product's. */
export async function openPanel(browser: Browser, opts: { theme?: ThemeName; width?: number; scale?: number; bench?: boolean } = {}): Promise<PanelPage> {
  const [webviewJs, fakeHostJs] = await Promise.all([bundleOnce(opts.bench ? 'bench/webview/entry.ts' : 'webview/main.ts'), bundleOnce('test/webview/fakeHost.ts')]);
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1100, height: 900 }, deviceScaleFactor: opts.scale ?? 1 });
  const page = await context.newPage();
  const errors: string[] = [], dialogs: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  if (opts.theme) await page.addInitScript((t) => sessionStorage.setItem('fakeHostTheme', t), opts.theme);
  // tsx compiles test files with esbuild's keepNames, so functions passed to page.evaluate may call __name.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.addInitScript(fakeHostJs);
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/index.html') {
      const html = panelHtml({ cspSource: ORIGIN, nonce: newNonce(), scriptUri: `${ORIGIN}/dist/webview.js`, styleUri: `${ORIGIN}/media/panel.css` });
      return route.fulfill({ contentType: 'text/html', body: html });
    }
    if (url.pathname === '/dist/webview.js') return route.fulfill({ contentType: 'text/javascript', body: webviewJs });
    if (url.pathname === '/media/panel.css') return route.fulfill({ contentType: 'text/css', body: readFileSync(path.join(root, 'media/panel.css'), 'utf8') });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() => (window as any).__fakeHost.posted.some((m: { type: string }) => m.type === 'ready'));
  const pp: PanelPage = {
    page, errors, dialogs,
    load: (a) => page.evaluate((x) => (window as any).__fakeHost.load(x), a),
    setControl: (id, value) => page.evaluate(([i, v]) => {
      const d = document.getElementById(i!) as HTMLInputElement;
      d.value = v!;
      d.dispatchEvent(new Event('change'));
    }, [id, value]),
    posted: () => page.evaluate(() => (window as any).__fakeHost.posted),
    sent: () => page.evaluate(() => (window as any).__fakeHost.sent),
    async waitHeatmap() {
      await page.waitForFunction(() => {
        const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement | null;
        return !!c && !c.closest('[hidden]') && !!c.dataset.cell;
      });
    },
    async expectCell(query, key, rgb, tol = 2) {
      const shows = async () => { const got = await pp.heatmapCell(query, key); return { got, ok: got.every((x, i) => Math.abs(x - rgb[i]!) <= tol) }; };
      const deadline = Date.now() + 5000;
      for (;;) {
        const { got, ok } = await shows();
        if (ok) return;
        if (Date.now() > deadline) assert.fail(`cell (${query}, ${key}) shows ${got}, expected ${rgb.map((x) => Math.round(x))}`);
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null)))); // one frame, then look again
      }
    },
    async clickCell(query, key, count = 1) {
      const [x, y] = await page.evaluate(([q, k]) => {
        const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
        const r = c.getBoundingClientRect(), cell = Number(c.dataset.cell);
        return [r.left + Number(c.dataset.plotX) + (k - Number(c.dataset.panCol) + 0.5) * cell, r.top + Number(c.dataset.plotY) + (q - Number(c.dataset.panRow) + 0.5) * cell];
      }, [query, key]);
      await page.mouse.click(x!, y!, { clickCount: count });
    },
    heatmapCell: (query, key) => page.evaluate(([q, k]) => {
      const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
      const cell = Number(c.dataset.cell), x0 = Number(c.dataset.plotX), y0 = Number(c.dataset.plotY);
      const pr = Number(c.dataset.panRow), pc = Number(c.dataset.panCol);
      const dpr = c.width / c.clientWidth; // device pixels per CSS pixel
      const x = Math.floor((x0 + (k - pc + 0.5) * cell) * dpr), y = Math.floor((y0 + (q - pr + 0.5) * cell) * dpr);
      const d = c.getContext('2d')!.getImageData(x, y, 1, 1).data;
      return [d[0], d[1], d[2]] as [number, number, number];
    }, [query, key]),
  };
  return pp;
}

/** A decoder analysis whose heads have known, simple patterns. Head h of layer l:
 *  (0,0) previous-token, (0,1) sink, (1,0) uniform causal, (1,1) self (diagonal). */
export function patterned(tokens: string[]): FakeAnalysis {
  const T = tokens.length, n = T * T;
  const att = new Array<number>(4 * n).fill(0);
  for (let q = 0; q < T; q++) {
    att[0 * n + q * T + Math.max(0, q - 1)] = 1; // [L, H, Q, K] with (l, h) = (0, 0)
    att[1 * n + q * T + 0] = 1;
    for (let k = 0; k <= q; k++) att[2 * n + q * T + k] = 1 / (q + 1);
    att[3 * n + q * T + q] = 1;
  }
  return { tokens, nLayers: 2, nHeads: 2, attention: att };
}
