// Long selections (2,048 tokens) in every view: known patterns are drawn where they must be after
// zoom, pan and scrolling, and the head view is sent lines, not the layer's [H, Q, K] tensor.
// Timings live in the benchmark (bench/section-render.ts), not here.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, type PanelPage } from './harness';

let browser: Browser;
const opened: PanelPage[] = [];
before(async () => { browser = await launch(); });
afterEach(async () => { for (const x of opened.splice(0)) await x.page.context().close(); });
after(async () => { await browser?.close(); });

const T = 2048;
const BLUE = [0x37, 0x94, 0xff]; // --vscode-charts-blue: weight 1
const BACKGROUND = [0x1e, 0x1e, 0x1e]; // weight 0

/** A panel on a 2,048-token analysis, one layer: head 0 previous-token, head 1 sink (built in the page). */
async function long(): Promise<PanelPage> {
  const p = await openPanel(browser, { width: 1100 });
  opened.push(p);
  await p.page.evaluate((n) => {
    const att = new Float32Array(2 * n * n); // [L, H, Q, K]
    for (let q = 0; q < n; q++) {
      att[q * n + Math.max(0, q - 1)] = 1; // head 0: previous token
      att[n * n + q * n] = 1; // head 1: sink
    }
    const lens = { k: 1, ids: Array.from({ length: n }, (_, t) => t % 7), probs: new Array<number>(n).fill(0.5) }; // [L, T, k]
    (window as any).__fakeHost.load({ tokens: Array.from({ length: n }, (_, i) => ` t${i}`), nLayers: 1, nHeads: 2, attention: att, logitLens: lens });
  }, T);
  await p.setControl('ctl-head', '0'); // the person picks head 0 (no waiting for the most distinctive)
  await p.waitHeatmap();
  return p;
}

async function setView(p: PanelPage, view: string): Promise<void> { await p.setControl('ctl-view', view); }

test('heatmap at 2,048 tokens: the diagonal at fit zoom, under the pointer while zooming in, and after a drag', async () => {
  const p = await long(), { page } = p;
  // A square plot (the plot is 96 px wider than tall at 672 × 648 with its 96/72 px axes): with a wider one, the
  // columns fit the width until zoomed far enough, and the pan stays at column 0 (the zoom keeps only the row).
  await page.evaluate(() => { (document.querySelector('.heatmap') as HTMLElement).style.width = '672px'; });
  await page.waitForFunction(() => (document.querySelector('canvas.heatmap-base') as HTMLCanvasElement).clientWidth === 672);
  const geo = () => page.evaluate(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, cell: Number(c.dataset.cell), plotX: Number(c.dataset.plotX), plotY: Number(c.dataset.plotY), panRow: Number(c.dataset.panRow), panCol: Number(c.dataset.panCol) };
  });
  const g0 = await geo();
  assert.ok(g0.cell < 0.5, `below half a pixel per cell at fit (${g0.cell})`);
  await p.expectCell(1500, 1499, BLUE); // max-pooled: the one-cell diagonal stays visible
  // Zoom in with the wheel on cell (1500, 1499): that cell stays under the pointer.
  const at = (g: typeof g0, q: number, k: number) => [g.x + g.plotX + (k - g.panCol + 0.5) * g.cell, g.y + g.plotY + (q - g.panRow + 0.5) * g.cell] as const;
  const [mx, my] = at(g0, 1500, 1499);
  await page.mouse.move(mx, my);
  for (let i = 0; i < 16; i++) await page.mouse.wheel(0, -100); // 1.25¹⁶ ≈ 35×: cells of ~10 px
  await page.waitForFunction((c0) => Number((document.querySelector('canvas.heatmap-base') as HTMLCanvasElement).dataset.cell) > c0 * 30, g0.cell);
  const g1 = await geo();
  assert.ok(g1.cell >= 8, `cells of ${g1.cell} px after zooming`);
  const under = [(my - g1.y - g1.plotY) / g1.cell + g1.panRow, (mx - g1.x - g1.plotX) / g1.cell + g1.panCol].map(Math.floor);
  const slack = Math.ceil(1 / g0.cell); // the pointer sits on a whole pixel, which covers this many cells at fit
  assert.ok(Math.abs(under[0]! - 1500) <= slack && Math.abs(under[1]! - 1499) <= slack, `cell under the pointer: ${under}`);
  await p.expectCell(1500, 1499, BLUE);
  await p.expectCell(1500, 1500, BACKGROUND);
  await p.expectCell(1502, 1498, BACKGROUND);
  const [hx, hy] = at(g1, 1500, 1499);
  await page.mouse.move(hx, hy);
  assert.match(await page.locator('.tooltip').textContent() ?? '', /query 1500 “␣t1500” → key 1499 “␣t1499”: weight 1\.0000/);
  // Drag up and left by 120 px: the view moves down and right by 120 / cell cells; the diagonal follows.
  await page.mouse.down();
  await page.mouse.move(hx - 120, hy - 120, { steps: 6 });
  await page.mouse.up();
  const g2 = await geo();
  assert.ok(Math.abs(g2.panRow - g1.panRow - 120 / g1.cell) < 0.5 && Math.abs(g2.panCol - g1.panCol - 120 / g1.cell) < 0.5, `${g1.panRow},${g1.panCol} → ${g2.panRow},${g2.panCol}`);
  const q = Math.ceil(g2.panRow) + 3;
  await p.expectCell(q, q - 1, BLUE);
  await p.expectCell(q, q + 1, BACKGROUND);
  assert.deepEqual(p.errors, []);
});

test('head view at 2,048 tokens: built rows follow the scroll, lines are drawn for the rows on screen, and lines (not [H, Q, K]) are sent', async () => {
  const p = await long(), { page } = p;
  await setView(p, 'headView');
  await page.waitForSelector('.head-col-left .head-token');
  await page.mouse.move(1, 1);
  const rows = () => page.locator('.head-col-left .head-token').evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.index)));
  const first = await rows();
  assert.equal(first[0], 0);
  assert.ok(first.length < 100, `only the rows on screen are built (${first.length})`);
  // Scroll to row 1,800: the rows there are built, and the lines canvas draws the previous-token lines there.
  await page.evaluate(() => { const b = document.querySelector('.head-body') as HTMLElement; b.scrollTop = 1800 * 18; });
  await page.waitForFunction(() => !!document.querySelector('.head-col-left .head-token[data-index="1800"]'));
  assert.ok((await rows()).length < 100);
  assert.equal(await page.locator('.head-col-left .head-token[data-index="1800"]').textContent(), '␣t1800');
  const alpha = await page.evaluate(() => {
    const body = document.querySelector('.head-body') as HTMLElement, c = document.querySelector('canvas.head-lines') as HTMLCanvasElement;
    const ctx = c.getContext('2d')!, top = body.scrollTop;
    const at = (y: number) => ctx.getImageData(90, Math.round(y - top), 1, 1).data[3]!;
    // Query q's line to key q − 1 passes x = 90 (mid-gap) at y = q·18; half a row lower there is none.
    return { on: [1805, 1810, 1815].map((q) => at(q * 18)), off: [1805, 1810, 1815].map((q) => at(q * 18 + 9)), height: c.height, lines: Number(c.dataset.lines) };
  });
  assert.ok(alpha.on.every((a) => a > 0), `lines at mid-gap: ${alpha.on}`);
  assert.deepEqual(alpha.off, [0, 0, 0], 'nothing between them');
  assert.ok(alpha.height < 2000, `the canvas is one screen tall (${alpha.height} px)`);
  assert.ok(alpha.lines > 20 && alpha.lines < 400, `lines of the rows on screen (${alpha.lines})`);
  // The host sent the layer's lines: about 2 per query (sink + previous token), not 2 × 2,048² floats.
  const sent = (await p.sent()).filter((m) => m.type === 'attention').at(-1)!;
  assert.ok(sent.bytes <= (2 * T + 1) * 4 + 2 * T * 8, `${sent.bytes} bytes`);
  const req = (await p.posted()).filter((m) => m.type === 'requestAttention').at(-1) as any;
  assert.deepEqual(req.selector, { kind: 'layerLines', layer: 0 });
  // Hovering a token shows only its lines: two (one per head).
  await page.locator('.head-col-left .head-token[data-index="1810"]').hover();
  await page.waitForFunction(() => (document.querySelector('canvas.head-lines') as HTMLCanvasElement).dataset.lines === '2');
  // As a key, token 1,810 receives one line: from query 1,811 (previous-token head); the sink head sends it none.
  await page.locator('.head-col-right .head-token[data-index="1810"]').hover();
  await page.waitForFunction(() => (document.querySelector('canvas.head-lines') as HTMLCanvasElement).dataset.lines === '1');
  // Scrolled to the top, the first token receives the sink head's line from every query, most of them from off screen.
  await page.mouse.move(1, 1);
  await page.evaluate(() => { (document.querySelector('.head-body') as HTMLElement).scrollTop = 0; });
  await page.waitForFunction((n) => Number((document.querySelector('canvas.head-lines') as HTMLCanvasElement).dataset.lines) >= n, T);
  assert.deepEqual(p.errors, []);
});

test('overview, kernel, statistics, token strip and lens at 2,048 tokens', async () => {
  const p = await long(), { page } = p;
  await setView(p, 'overview');
  await page.waitForSelector('.thumb canvas');
  assert.deepEqual(await page.locator('.thumb canvas').evaluateAll((cs) => cs.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height])), [[48, 48], [48, 48], [48, 48]]);
  const thumbs = await p.sent();
  assert.equal(thumbs.filter((m) => m.type === 'overview').at(-1)!.bytes, 3 * 48 * 48, 'thumbnails, not matrices');
  // The kernel of query 2,000 (chosen from the editor) lights key 1,999 only.
  await page.evaluate(() => (window as any).__fakeHost.send({ type: 'selectQuery', analysisId: 1, query: 2000 }));
  await setView(p, 'kernel');
  await page.waitForFunction(() => /^Query 2000/.test(document.querySelector('.kernel-caption')?.textContent ?? ''));
  const bg = await page.evaluate(() => [1998, 1999, 2000].map((i) => (document.querySelector(`.kernel-token[data-index="${i}"]`) as HTMLElement).style.backgroundColor));
  assert.deepEqual(bg, ['', 'rgb(55, 148, 255)', '']);
  assert.equal(await page.locator('.strip-token').count(), T);
  await setView(p, 'stats');
  await page.waitForSelector('tr[data-layer="0"][data-head="0"] td[data-stat="previousToken"]');
  assert.equal(await page.locator('tr[data-layer="0"][data-head="0"] td[data-stat="previousToken"]').textContent(), '1.000');
  // The lens shows a page of positions around the chosen one, and pages on.
  await setView(p, 'lens');
  await page.waitForSelector('.lens-pager');
  assert.match(await page.locator('.lens-pager').textContent() ?? '', /Positions 1968–2031 of 2048/);
  assert.equal(await page.locator('td.lens-cell').count(), 64);
  assert.equal(await page.locator('td.lens-cell.lens-chosen').getAttribute('data-position'), '2000');
  await page.locator('.lens-page', { hasText: 'later' }).click();
  assert.match(await page.locator('.lens-pager').textContent() ?? '', /Positions 1984–2047 of 2048/);
  assert.equal(await page.locator('td.lens-cell[data-position="2047"]').count(), 1);
  assert.match(await page.locator('.lens-detail h3').textContent() ?? '', /position 2000/, 'paging keeps the chosen position');
  assert.deepEqual(p.errors, []);
});

test('reach view at 2,048 tokens: the rows on screen are drawn where they belong as it scrolls, and hovering names the row', async () => {
  const p = await long(), { page } = p;
  await setView(p, 'reach');
  // Token t's strongest context is k = t mod 64 + 1 (ln p 0; every other k −10), which is also its reach.
  await page.evaluate((n) => {
    const K = 64, logProbs = new Float32Array(n * K).fill(-10), reach = new Int32Array(n);
    for (let t = 0; t < n; t++) { logProbs[t * K + (t % K)] = 0; reach[t] = (t % K) + 1; } // [T, K]
    (window as any).__fakeHost.send({ type: 'reach', analysisId: 1, state: 'done', maxContext: K, prefix: 0, logProbs, full: new Float32Array(n), reach, ms: 1 });
  }, T);
  await page.waitForSelector('canvas.reach-grid');
  await page.evaluate(() => { (document.querySelector('.reach-scroller') as HTMLElement).scrollTop = 1800 * 6; });
  await page.waitForFunction(() => (document.querySelector('.reach-scroller') as HTMLElement).scrollTop === 1800 * 6);
  const cells = await page.evaluate(() => new Promise<number[][]>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
    const c = document.querySelector('canvas.reach-grid') as HTMLCanvasElement, top = 1800 * 6;
    const at = (t: number, col: number) => [...c.getContext('2d')!.getImageData(col * 8 + 3, t * 6 - top + 3, 1, 1).data];
    resolve([at(1805, 1805 % 64), at(1805, (1805 % 64) + 1), at(1830, 1830 % 64), [c.height]]);
  }))));
  assert.deepEqual(cells[0]!.slice(0, 3), BLUE, 'the strongest colour at k = t mod 64 + 1');
  assert.deepEqual(cells[1]!.slice(0, 3), BACKGROUND, 'ln p −10 beside it');
  assert.deepEqual(cells[2]!.slice(0, 3), BLUE);
  assert.ok(cells[3]![0]! < 2000, `the grid canvas is one screen tall (${cells[3]![0]} px)`);
  const box = (await page.locator('canvas.reach-grid').boundingBox())!;
  await page.mouse.move(box.x + 4, box.y + 10 * 6 + 3);
  await page.waitForFunction(() => /token 1810\)/.test(document.querySelector('.reach-detail')?.textContent ?? ''));
  assert.match(await page.locator('.reach-detail').textContent() ?? '', /reach k = 19/); // 1810 mod 64 + 1
  assert.deepEqual(p.errors, []);
});

test('q·k view at 2,048 tokens: the query\'s row lists every visible key (laid out only when scrolled into view)', async () => {
  const p = await openPanel(browser, { width: 1100 });
  opened.push(p);
  const { page } = p;
  await page.evaluate((n) => {
    const D = 2, att = new Float32Array(n * n), q = new Float32Array(n * D).fill(1), k = new Float32Array(n * D).fill(1); // [L, H, T, D] with L = H = 1
    const scores = new Float32Array(n * n).fill(-1e9); // [L, H, Q, K]: causal, every visible key scored q·k / 2 = 1
    for (let i = 0; i < n; i++) { att[i * n + Math.max(0, i - 1)] = 1; for (let j = 0; j <= i; j++) scores[i * n + j] = 1; }
    (window as any).__fakeHost.load({ tokens: Array.from({ length: n }, (_, i) => ` t${i}`), nLayers: 1, nHeads: 1, attention: att, qk: { D, q, k, scale: [0.5], scores } });
  }, T);
  await p.setControl('ctl-head', '0');
  await page.evaluate(() => (window as any).__fakeHost.send({ type: 'selectQuery', analysisId: 1, query: 2000 }));
  await p.setControl('ctl-view', 'qk');
  await page.waitForSelector('.qk .qk-key');
  assert.match(await page.locator('.qk-title').textContent() ?? '', /query 2000 “␣t2000”/);
  assert.equal(await page.locator('.qk-key').count(), 2001, 'keys 0…2000 are visible to query 2000'); // each weighs 1 / 2,001
  assert.match(await page.locator('.qk-key[data-key="2000"]').textContent() ?? '', /^2000 “␣t2000” {2}1\.00 → 5\.0e-4$/);
  // Another key chosen far down the row: the list scrolls it into view (items laid out lazily).
  await page.locator('.qk-key[data-key="1500"]').evaluate((b) => (b as HTMLElement).click());
  await page.waitForFunction(() => /key 1500 /.test(document.querySelector('.qk-title')?.textContent ?? ''));
  await page.waitForFunction(() => {
    const list = document.querySelector('.qk-keys')!.getBoundingClientRect(), chosen = document.querySelector('.qk-chosen')!.getBoundingClientRect();
    return chosen.top >= list.top && chosen.bottom <= list.bottom;
  });
  assert.equal(await page.locator('.qk-chosen').getAttribute('data-key'), '1500');
  assert.deepEqual(p.errors, []);
});
