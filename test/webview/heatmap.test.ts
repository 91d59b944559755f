// Drawn pixels at known cells for known data, the tooltip, hover/click messages, bytes per view.
// Each test opens its own panel and sets up what it looks at.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';
import { COLORBLIND_STOPS, interpolateStops } from '../../src/common/colour';

let browser: Browser;
const opened: PanelPage[] = [];
before(async () => { browser = await launch(); });
afterEach(async () => { for (const x of opened.splice(0)) await x.page.context().close(); });
after(async () => { await browser?.close(); });

const near = (a: number[], b: number[], tol = 2) => assert.ok(a.every((x, i) => Math.abs(x - b[i]) <= tol), `${a} ≠ ${b}`);
const BLUE = [0x37, 0x94, 0xff]; // --vscode-charts-blue
const BACKGROUND = [0x1e, 0x1e, 0x1e]; // --vscode-editor-background

/** A fresh panel showing the patterned six-token analysis (opens on layer 0 head 0, previous-token). */
async function sixTokens(opts: { width?: number } = {}): Promise<PanelPage> {
  const p = await openPanel(browser, opts);
  opened.push(p);
  await p.load(patterned(['The', ' cat', ' sat', ' on', ' the', ' mat']));
  await p.waitHeatmap();
  return p;
}

/** Sets controls by id, as the person would. */
async function setControls(p: PanelPage, values: Record<string, string | boolean>): Promise<void> {
  await p.page.evaluate((v) => {
    for (const [id, value] of Object.entries(v)) {
      const d = document.getElementById(id) as any;
      if (typeof value === 'boolean') d.checked = value; else d.value = value;
      d.dispatchEvent(new Event('change'));
    }
  }, values);
}

/** The colour-blind scale on layer 1's mean: (uniform causal + self) / 2, drawn once its data came. */
async function layerMean(p: PanelPage): Promise<void> {
  await setControls(p, { 'ctl-scale': 'colorblind', 'ctl-layer': '1', 'ctl-head': 'mean' });
  await p.page.waitForFunction(() => (window as any).__fakeHost.posted.some((m: any) => m.type === 'requestAttention' && m.selector.kind === 'layerMean'));
  await p.waitHeatmap();
  await p.expectCell(1, 1, interpolateStops(COLORBLIND_STOPS, Math.round(0.75 * 255) / 255));
}

/** A fresh panel on a 900-token previous-token head, shrunk below a pixel per cell. */
async function longDiagonal(): Promise<PanelPage> {
  const p = await openPanel(browser);
  opened.push(p);
  const T = 900;
  await p.page.evaluate((n) => {
    const att = new Array<number>(n * n).fill(0);
    for (let q = 0; q < n; q++) att[q * n + Math.max(0, q - 1)] = 1; // previous-token head
    (window as any).__fakeHost.load({ tokens: Array.from({ length: n }, (_, i) => `t${i}`), nLayers: 1, nHeads: 1, attention: att });
  }, T);
  await setControls(p, { 'ctl-scale': 'theme', 'ctl-layer': '0', 'ctl-head': '0' });
  await p.page.waitForFunction(() => Number((document.querySelector('canvas.heatmap-base') as HTMLCanvasElement | null)?.dataset.cell) < 1);
  return p;
}

test('one head is drawn cell by cell in the theme scale, from background to accent', async () => {
  const p = await sixTokens();
  await p.expectCell(3, 2, BLUE);
  // Layer 0 head 0 is previous-token: a[q][q-1] = 1, everything else 0 (a[0][0] = 1).
  near(await p.heatmapCell(3, 2), [0x37, 0x94, 0xff]); // --vscode-charts-blue
  near(await p.heatmapCell(3, 3), [0x1e, 0x1e, 0x1e]); // --vscode-editor-background
  near(await p.heatmapCell(0, 0), [0x37, 0x94, 0xff]);
  near(await p.heatmapCell(5, 4), [0x37, 0x94, 0xff]);
  near(await p.heatmapCell(5, 0), [0x1e, 0x1e, 0x1e]);
});

test('the colour-blind scale and a layer mean draw the exact interpolated colours', async () => {
  const p = await sixTokens();
  await layerMean(p);
  // Layer 1 mean = (uniform causal + self) / 2: a[1][0] = 0.25, a[1][1] = 0.75, a[3][3] = (0.25 + 1) / 2 = 0.625.
  const expect = (w: number) => interpolateStops(COLORBLIND_STOPS, Math.round(w * 255) / 255);
  near(await p.heatmapCell(1, 0), expect(0.25));
  near(await p.heatmapCell(1, 1), expect(0.75));
  near(await p.heatmapCell(3, 3), expect(0.625));
  near(await p.heatmapCell(2, 4), COLORBLIND_STOPS[0]); // above the diagonal: 0
});

test('log scale maps 0.01 halfway along the colour scale', async () => {
  const p = await sixTokens();
  await layerMean(p);
  await setControls(p, { 'ctl-log': true });
  // Layer 1 mean row 1: 0.25 → log10(0.25) = -0.602 → unit (4 - 0.602) / 4 = 0.849.
  const u = (Math.log10(0.25) + 4) / 4;
  await p.expectCell(1, 0, interpolateStops(COLORBLIND_STOPS, Math.round(u * 255) / 255));
});

test('hover shows query, key and weight; hover and click post token indices', async () => {
  const p = await sixTokens();
  await layerMean(p);
  const { page } = p;
  const box = await page.evaluate(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, cell: Number(c.dataset.cell), x0: Number(c.dataset.plotX), y0: Number(c.dataset.plotY) };
  });
  const at = (q: number, k: number) => [box.x + box.x0 + (k + 0.5) * box.cell, box.y + box.y0 + (q + 0.5) * box.cell] as const;
  await page.mouse.move(...at(3, 1));
  const tip = await page.locator('.tooltip').textContent();
  assert.equal(tip, 'query 3 “␣on” → key 1 “␣cat”: weight 0.1250'); // layer 1 mean: (1/4 + 0) / 2
  await page.mouse.click(...at(4, 2));
  const posted = await p.posted();
  assert.ok(posted.some((m) => m.type === 'hoverToken' && m.index === 1));
  assert.ok(posted.some((m) => m.type === 'revealToken' && m.index === 2));
  // The click selected query row 4: the token strip marks it.
  assert.equal(await page.locator('.strip-token.strip-current').getAttribute('data-index'), '4');
});

test('bytes sent per view are what the view draws, never the whole tensor', async () => {
  const p = await sixTokens();
  await layerMean(p);
  const sent = await p.sent();
  const T = 6;
  const attention = sent.filter((m) => m.type === 'attention');
  assert.ok(attention.length >= 2);
  for (const m of attention) assert.equal(m.bytes, T * T * 4, 'one [Q, K] float32 matrix');
  assert.ok(sent.every((m) => m.bytes < 2 * 2 * T * T * 4), 'nothing as large as [L, H, Q, K]');
});

test('host selectQuery marks that row', async () => {
  const p = await sixTokens();
  const id = await p.page.evaluate(() => (window as any).__fakeHost.posted.find((m: any) => m.type === 'requestAttention').analysisId);
  await p.page.evaluate((analysisId) => (window as any).__fakeHost.send({ type: 'selectQuery', analysisId, query: 2 }), id);
  await p.page.waitForFunction(() => document.querySelector('.strip-token.strip-current')?.getAttribute('data-index') === '2');
  const state = await p.page.evaluate(() => (window as any).__fakeHost.state);
  assert.equal(state.query, 2);
});

test('no console errors and no CSP violations', async () => {
  const p = await sixTokens();
  await layerMean(p);
  await setControls(p, { 'ctl-log': true });
  assert.deepEqual(await p.page.evaluate(() => (window as any).__fakeHost.cspViolations), []);
  assert.deepEqual(p.errors, []);
});

test('a long sequence shrinks by max-pooling: a one-cell diagonal stays lit', async () => {
  const p = await longDiagonal();
  await p.expectCell(10, 9, BLUE);
  for (const q of [10, 300, 451, 899]) {
    near(await p.heatmapCell(q, q - 1), BLUE);
    near(await p.heatmapCell(q, Math.floor(q / 3)), BACKGROUND);
  }
});

test('in a narrow panel the views stack and the heatmap takes the full width', async () => {
  const narrow = await openPanel(browser, { width: 520 }); // narrow from the start, as a panel beside the editor
  opened.push(narrow);
  await narrow.load(patterned(['a', ' b', ' c', ' d']));
  await narrow.waitHeatmap();
  const box = await narrow.page.evaluate(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    return { w: c.clientWidth, h: c.clientHeight, body: document.body.clientWidth };
  });
  assert.ok(box.w >= box.body - 30 && box.h >= 300, JSON.stringify(box));
});

test('zoom with the wheel and pan by dragging keep every cell where its pixels are', async () => {
  const p = await longDiagonal();
  await p.expectCell(10, 9, BLUE);
  const { page } = p;
  const geo = () => page.evaluate(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height, cell: Number(c.dataset.cell), panRow: Number(c.dataset.panRow), panCol: Number(c.dataset.panCol) };
  });
  const g0 = await geo();
  await page.mouse.move(g0.x + g0.w / 2, g0.y + g0.h / 2);
  for (let i = 0; i < 8; i++) await page.mouse.wheel(0, -100);
  await page.waitForFunction((c0) => Number((document.querySelector('canvas.heatmap-base') as HTMLCanvasElement).dataset.cell) > c0 * 5, g0.cell);
  const g1 = await geo();
  assert.ok(g1.cell >= 1, `cells at least a pixel after zooming (${g1.cell})`);
  assert.ok(g1.panRow > 0 && g1.panCol > 0, 'zoomed around the pointer, not the corner');
  const q = Math.ceil(g1.panRow) + 20;
  near(await p.heatmapCell(q, q - 1), [0x37, 0x94, 0xff]);
  near(await p.heatmapCell(q, q), [0x1e, 0x1e, 0x1e]);
  // Drag left/up by 200 px: the view moves right/down by 200 / cell cells.
  await page.mouse.move(g1.x + g1.w / 2, g1.y + g1.h / 2);
  await page.mouse.down();
  await page.mouse.move(g1.x + g1.w / 2 - 200, g1.y + g1.h / 2 - 200, { steps: 5 });
  await page.mouse.up();
  const g2 = await geo();
  assert.ok(Math.abs(g2.panCol - g1.panCol - 200 / g1.cell) < 0.5, `${g2.panCol} vs ${g1.panCol}`);
  assert.ok(Math.abs(g2.panRow - g1.panRow - 200 / g1.cell) < 0.5);
  const q2 = Math.ceil(g2.panRow) + 30;
  near(await p.heatmapCell(q2, q2 - 1), [0x37, 0x94, 0xff]);
  near(await p.heatmapCell(q2, q2 + 1), [0x1e, 0x1e, 0x1e]);
  const s = await page.evaluate(() => (window as any).__fakeHost.state);
  assert.ok(s.zoom > 5 && Math.abs(s.panCol - g2.panCol) < 1e-6, 'zoom and pan saved in the webview state');
});
