// Overview thumbnails, head statistics table, kernel view, head view, token strip and top-k.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';

let browser: Browser;
let p: PanelPage;
const tokens = ['A', ' B', ' C', ' A', ' B', ' C'];
before(async () => {
  browser = await launch();
  p = await openPanel(browser);
  const a = patterned(tokens);
  a.ids = [1, 2, 3, 1, 2, 3];
  a.logprobs = [null, -1, -12, -0.1, -3, -6];
  a.topK = tokens.map((_, i) => [[`n${i}a`, 0.7], [`n${i}b`, 0.2]]);
  await p.load(a);
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

const setView = (view: string) => p.setControl('ctl-view', view);

test('overview: one thumbnail per head plus a mean per layer, pixels from max-pooled bytes', async () => {
  await setView('overview');
  await p.page.waitForSelector('.overview button.thumb');
  assert.equal(await p.page.locator('.overview button.thumb').count(), 2 * 3);
  // Thumbnail size is min(48, T) = 6: one pixel per cell. L0 H1 is the sink head: column 0 lit, column 3 dark.
  const px = await p.page.evaluate(() => {
    const c = document.querySelector('button.thumb[data-layer="0"][data-head="1"] canvas') as HTMLCanvasElement;
    const g = c.getContext('2d')!;
    return [c.width, [...g.getImageData(0, 4, 1, 1).data.slice(0, 3)], [...g.getImageData(3, 4, 1, 1).data.slice(0, 3)]];
  });
  assert.deepEqual(px, [6, [0x37, 0x94, 0xff], [0x1e, 0x1e, 0x1e]]);
  const labels = await p.page.locator('.overview .thumb-label').allTextContents();
  assert.deepEqual(labels, ['prev-token', 'sink', 'mean', 'broad', 'local', 'mean']);
  const cut = await p.page.locator('.overview .thumb-label').evaluateAll((spans) => spans.filter((s) => s.scrollWidth > s.clientWidth).map((s) => s.textContent));
  assert.deepEqual(cut, [], 'every label fits under its thumbnail');
  assert.match(await p.page.locator('button.thumb[data-layer="0"][data-head="0"]').getAttribute('title') ?? '', /^Layer 0, head 0: previous-token;/, 'the tooltip names it in full');
  const overview = (await p.sent()).find((m) => m.type === 'overview')!;
  assert.equal(overview.bytes, 2 * 3 * 6 * 6);
});

test('statistics table shows hand-computed values and sorts', async () => {
  await setView('stats');
  await p.page.waitForSelector('.stats-table tbody tr');
  const cell = (l: number, h: number, stat: string) => p.page.locator(`tr[data-layer="${l}"][data-head="${h}"] td[data-stat="${stat}"]`).textContent();
  // L0 H0 previous-token over rows 1..5: a[i][i-1] = 1, distance 1, entropy 0.
  assert.equal(await cell(0, 0, 'previousToken'), '1.000');
  assert.equal(await cell(0, 0, 'meanDistance'), '1.00');
  assert.equal(await cell(0, 0, 'entropy'), '0.000');
  // L1 H0 uniform causal: entropy = mean of ln 2 … ln 6 = ln(720) / 5 = 1.3158.
  assert.equal(await cell(1, 0, 'entropy'), (Math.log(720) / 5).toFixed(3));
  // Induction on A B C A B C: query 3 (A) → key 1, query 4 (B) → key 2, query 5 (C) → key 3. L0 H0 gives 0 there (it looks at i-1).
  assert.equal(await cell(0, 0, 'induction'), '0.000');
  assert.equal(await p.page.locator('tr[data-layer="0"][data-head="1"] td.labels').textContent(), 'sink');
  await p.page.locator('button.sort-button[data-sort="entropy"]').click();
  const firstRow = async () => `${await p.page.locator('.stats-table tbody tr').first().getAttribute('data-layer')}.${await p.page.locator('.stats-table tbody tr').first().getAttribute('data-head')}`;
  assert.equal(await firstRow(), '1.0', 'highest entropy first (uniform head)');
  assert.equal(await p.page.locator('th[aria-sort="descending"] button').getAttribute('data-sort'), 'entropy');
  await p.page.locator('button.sort-button[data-sort="entropy"]').click();
  assert.equal(await p.page.locator('th[aria-sort="ascending"] button').getAttribute('data-sort'), 'entropy');
  // A row opens its heatmap.
  await p.page.locator('tr[data-layer="1"][data-head="1"] button.open-head').click();
  await p.waitHeatmap();
  assert.equal(await p.page.evaluate(() => (window as any).__fakeHost.state.view), 'heatmap');
});

test('kernel view colours the text by the query row', async () => {
  await p.page.evaluate(() => {
    const set = (id: string, v: string) => { const d = document.getElementById(id) as any; d.value = v; d.dispatchEvent(new Event('change')); };
    set('ctl-layer', '0'); set('ctl-head', '0'); set('ctl-view', 'kernel');
  });
  await p.page.waitForSelector('.kernel-token');
  await p.page.locator('.kernel-token[data-index="4"]').click(); // query 4 attends to token 3 only
  const colours = await p.page.evaluate(() => [...document.querySelectorAll('.kernel-token')].map((s) => (s as HTMLElement).style.backgroundColor));
  assert.deepEqual(colours, ['', '', '', 'rgb(55, 148, 255)', '', '']);
  assert.equal(await p.page.locator('.kernel-token.kernel-query').getAttribute('data-index'), '4');
  assert.match((await p.page.locator('.kernel-caption').textContent())!, /^Query 4 “␣B”/);
});

test('head view draws one colour per head and isolates a hovered token', async () => {
  await setView('headView');
  await p.page.waitForSelector('.head-col-left .head-token');
  await p.page.mouse.move(1, 1); // the pointer must not rest on a token
  const count = () => p.page.evaluate(() => {
    const c = document.querySelector('canvas.head-lines') as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  await p.page.waitForTimeout(50);
  const all = await count();
  assert.ok(all > 500, `lines drawn (${all} px)`);
  await p.page.locator('.head-col-left .head-token').nth(5).hover();
  const one = await count();
  assert.ok(one > 0 && one < all / 2, `only token 5's lines (${one} of ${all} px)`);
  assert.equal(await p.page.locator('.head-chip').count(), 2);
});

test('token strip: surprisal colours, top-k after the last and the hovered token', async () => {
  const next = () => p.page.locator('.next h3').textContent();
  await p.page.mouse.move(0, 0);
  await p.page.waitForFunction(() => document.querySelector('.next h3')?.textContent?.includes('last token'));
  assert.deepEqual(await p.page.locator('.next .next-token').allTextContents(), ['n5a', 'n5b']);
  await p.page.locator('.strip-token[data-index="2"]').hover();
  assert.equal(await next(), 'Next after token 2 “␣C”');
  assert.deepEqual(await p.page.locator('.next .next-token').allTextContents(), ['n2a', 'n2b']);
  const bg = await p.page.evaluate(() => [...document.querySelectorAll('.strip-token')].map((s) => (s as HTMLElement).style.backgroundColor));
  assert.equal(bg[0], '', 'no surprisal for the first token');
  assert.equal(bg[2], 'rgb(55, 148, 255)', '12 nats or more: the strongest colour');
  assert.match((await p.page.locator('.strip-token[data-index="1"]').getAttribute('title'))!, /surprisal 1\.00 nats/);
});

test('probe, status and error messages are shown', async () => {
  await p.page.evaluate(() => (window as any).__fakeHost.send({ type: 'probe', nTokens: 12, entropy: 1.5, temperature: 1, next: [{ token: ' foo', prob: 0.5 }], cached: true }));
  await p.page.waitForSelector('.probe:not([hidden]) .next-token');
  assert.equal(await p.page.locator('.probe .next-token').textContent(), ' foo');
  await p.page.evaluate(() => (window as any).__fakeHost.send({ type: 'error', message: 'The model folder is missing config.json.' }));
  await p.page.waitForSelector('.error:not([hidden])');
  assert.equal(await p.page.locator('.error').textContent(), 'The model folder is missing config.json.');
  assert.equal(await p.page.locator('.strip-token').count(), 6, 'the analysis stays visible');
  assert.deepEqual(p.errors, []);
});

test('export buttons post a PNG of the current view, and JSON/CSV requests naming the analysis', async () => {
  await setView('heatmap');
  await p.waitHeatmap();
  await p.page.click('#ctl-png');
  await p.page.click('#ctl-json');
  await p.page.click('#ctl-csv');
  const exports = (await p.posted()).filter((m) => m.type === 'export') as any[];
  assert.equal(exports.length, 3);
  assert.match(exports[0].dataUrl, /^data:image\/png;base64,/);
  assert.equal(exports[0].suggestedName, 'attention-L0-H0.png');
  assert.deepEqual(exports[1], { type: 'export', format: 'json', analysisId: 1, selector: null });
  assert.deepEqual(exports[2], { type: 'export', format: 'csv', analysisId: 1, selector: { kind: 'head', layer: 0, head: 0 } });
  // Views without a canvas cannot be exported as PNG: the button says so and is disabled.
  await setView('stats');
  assert.equal(await p.page.locator('#ctl-png').getAttribute('disabled'), '');
});

test('loading status is announced', async () => {
  await p.page.evaluate(() => (window as any).__fakeHost.send({ type: 'status', state: 'loading', message: 'Loading model “bundled”… 40%' }));
  await p.page.waitForFunction(() => document.querySelector('.notice')?.textContent === 'Loading model “bundled”… 40%');
  assert.equal(await p.page.locator('.notice').getAttribute('role'), 'status');
});

test('only the chosen view is visible', async () => {
  for (const view of ['overview', 'heatmap', 'headView', 'kernel', 'stats']) {
    await setView(view);
    await p.page.waitForTimeout(30);
    const visible = await p.page.evaluate(() => ['.heatmap', '.overview', '.head-view', '.kernel', '.stats'].filter((s) => {
      const e = document.querySelector(s) as HTMLElement;
      return e.getClientRects().length > 0;
    }));
    assert.deepEqual(visible, [{ overview: '.overview', heatmap: '.heatmap', headView: '.head-view', kernel: '.kernel', stats: '.stats' }[view]]);
  }
});

test('the kernel view alone asks for one row, not the whole matrix', async () => {
  await p.page.evaluate(() => {
    const set = (id: string, v: string) => { const d = document.getElementById(id) as any; d.value = v; d.dispatchEvent(new Event('change')); };
    set('ctl-view', 'kernel'); set('ctl-layer', '1'); set('ctl-head', '0');
  });
  await p.page.waitForFunction(() => (window as any).__fakeHost.posted.some((m: any) => m.type === 'requestAttention' && m.selector.kind === 'row'));
  await p.page.waitForSelector('.kernel:not([hidden]) .kernel-token');
  const req = (await p.posted()).filter((m) => m.type === 'requestAttention').at(-1) as any;
  assert.deepEqual(req.selector, { kind: 'row', matrix: { kind: 'head', layer: 1, head: 0 }, query: 4 });
  assert.equal((await p.sent()).filter((m) => m.type === 'attention').at(-1)!.bytes, 6 * 4);
  // Uniform causal head, query 4: five keys at 0.2 each, the last key none.
  const colours = await p.page.evaluate(() => [...document.querySelectorAll('.kernel-token')].map((s) => (s as HTMLElement).style.backgroundColor));
  assert.equal(new Set(colours.slice(0, 5)).size, 1);
  assert.equal(colours[5], '');
});

test('a view that waited for recomputed layers says so after the analysis\'s notice; a stale note is ignored, a new analysis clears it', async () => {
  const id = await p.load(patterned(tokens));
  await p.page.waitForFunction(() => /6 tokens/.test(document.querySelector('.notice')?.textContent ?? ''));
  const notice = () => p.page.locator('.notice').textContent();
  const before = await notice();
  const note = (analysisId: number, message: string) => p.page.evaluate((m) => (window as any).__fakeHost.send({ type: 'recomputed', ...m }), { analysisId, message });
  await note(id - 1, 'Layer 9 recomputed in 9.9 s (stale).');
  await note(id, 'Layer 1 recomputed in 1.4 s (not kept: over attentionLens.attentionMemoryMB).');
  await p.page.waitForFunction(() => /Layer 1 recomputed/.test(document.querySelector('.notice')?.textContent ?? ''));
  assert.equal(await notice(), `${before} Layer 1 recomputed in 1.4 s (not kept: over attentionLens.attentionMemoryMB).`, 'after the notice, once; the stale one not at all');
  await note(id, 'Layers 0–1 recomputed in 2.0 s (not kept: over attentionLens.attentionMemoryMB).');
  await p.page.waitForFunction(() => /Layers 0–1/.test(document.querySelector('.notice')?.textContent ?? ''));
  assert.equal(await notice(), `${before} Layers 0–1 recomputed in 2.0 s (not kept: over attentionLens.attentionMemoryMB).`, 'the latest replaces the one before');
  await p.load(patterned(tokens));
  await p.page.waitForFunction(() => !/recomputed/.test(document.querySelector('.notice')?.textContent ?? ''));
});
