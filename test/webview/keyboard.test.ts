// Every control reachable by keyboard with a name; arrows move between cells and heads; state survives a reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';

let browser: Browser;
let p: PanelPage;
const tokens = ['def', ' f', '(x', '):', '\n\t', 'return', ' x'];
before(async () => {
  browser = await launch();
  p = await openPanel(browser);
  await p.load(patterned(tokens));
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

const state = () => p.page.evaluate(() => (window as any).__fakeHost.state);
const active = () => p.page.evaluate(() => {
  const a = document.activeElement as HTMLElement | null;
  return a ? (a.id || a.className.split(' ')[0] || a.tagName) : '';
});

test('Tab reaches every control, then the heatmap, then the token strip', async () => {
  await p.page.focus('body');
  const seen: string[] = [];
  for (let i = 0; i < 20; i++) {
    await p.page.keyboard.press('Tab');
    seen.push(await active());
    if (seen.at(-1) === 'token-strip') break;
  }
  const want = ['ctl-view', 'ctl-layer', 'ctl-head', 'ctl-weights', 'ctl-scale', 'ctl-log', 'ctl-png', 'ctl-json', 'ctl-csv', 'heatmap-overlay', 'token-strip'];
  assert.deepEqual(seen.filter((s) => want.includes(s)), want, seen.join(' → '));
  const names = await p.page.evaluate((ids) => ids.map((id) => {
    const e = document.getElementById(id)!;
    return e.getAttribute('aria-label') || e.textContent?.trim() || '';
  }), want.slice(0, 9));
  assert.ok(names.every((n) => n.length > 2), names.join(', '));
});

test('arrow keys move the heatmap cell; Enter reveals the key token', async () => {
  await p.page.focus('.heatmap-overlay');
  for (const k of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowRight', 'ArrowRight']) await p.page.keyboard.press(k);
  assert.equal(await p.page.locator('.tooltip').textContent(), 'query 3 “):” → key 2 “(x”: weight 1.0000');
  assert.equal(await p.page.locator('.heatmap .visually-hidden').textContent(), 'query 3 “):” → key 2 “(x”: weight 1.0000');
  await p.page.keyboard.press('Shift+ArrowDown');
  assert.match((await p.page.locator('.tooltip').textContent())!, /^query 6 “␣x” → key 2/);
  await p.page.keyboard.press('Enter');
  const posted = await p.posted();
  assert.deepEqual(posted.filter((m) => m.type === 'revealToken').at(-1), { type: 'revealToken', analysisId: 1, index: 2 });
  await p.page.keyboard.press('+');
  assert.ok((await state()).zoom > 1);
  await p.page.keyboard.press('0');
  assert.equal((await state()).zoom, 1);
});

test('dropdowns change layer and head from the keyboard', async () => {
  await p.page.focus('#ctl-layer');
  await p.page.keyboard.press('ArrowDown');
  await p.page.waitForFunction(() => (window as any).__fakeHost.state.layer === 1);
  await p.page.focus('#ctl-head');
  await p.page.keyboard.press('ArrowDown');
  await p.page.waitForFunction(() => (window as any).__fakeHost.state.head === 1);
  // Layer 1 head 1 is the self head: the diagonal is lit.
  await p.waitHeatmap();
  await p.page.waitForTimeout(50);
  assert.deepEqual(await p.heatmapCell(4, 4), [0x37, 0x94, 0xff]);
});

test('overview: arrows move between heads, Enter opens one', async () => {
  await p.page.evaluate(() => { const d = document.getElementById('ctl-view') as any; d.value = 'overview'; d.dispatchEvent(new Event('change')); });
  await p.page.waitForSelector('button.thumb[tabindex="0"]');
  await p.page.focus('button.thumb[tabindex="0"]');
  assert.equal(await p.page.evaluate(() => document.activeElement!.getAttribute('data-head')), '1');
  await p.page.keyboard.press('ArrowUp');
  await p.page.keyboard.press('ArrowLeft');
  const focused = await p.page.evaluate(() => [document.activeElement!.getAttribute('data-layer'), document.activeElement!.getAttribute('data-head'), document.activeElement!.getAttribute('aria-label')]);
  assert.deepEqual(focused.slice(0, 2), ['0', '0']);
  assert.match(focused[2]!, /^Layer 0, head 0: previous-token; entropy/);
  await p.page.keyboard.press('Enter');
  await p.waitHeatmap();
  const s = await state();
  assert.deepEqual([s.view, s.layer, s.head], ['heatmap', 0, 0]);
});

test('head view: Up/Down move the token, Left/Right step through heads', async () => {
  await p.page.evaluate(() => { const d = document.getElementById('ctl-view') as any; d.value = 'headView'; d.dispatchEvent(new Event('change')); });
  await p.page.waitForSelector('.head-col-left .head-token');
  await p.page.focus('.head-col-left');
  await p.page.keyboard.press('ArrowDown');
  assert.equal(await p.page.locator('.head-col-left .head-token-focus').textContent(), '␣f');
  await p.page.keyboard.press('ArrowRight');
  assert.deepEqual(await p.page.locator('.head-chip').evaluateAll((b) => b.map((x) => x.getAttribute('aria-pressed'))), ['true', 'false']);
  assert.deepEqual((await state()).hiddenHeads, [1]);
  await p.page.keyboard.press('ArrowLeft');
  assert.deepEqual((await state()).hiddenHeads, []);
});

test('view, layer, head and options survive reloading the webview', async () => {
  await p.page.evaluate(() => {
    const set = (id: string, v: string) => { const d = document.getElementById(id) as any; d.value = v; d.dispatchEvent(new Event('change')); };
    set('ctl-view', 'kernel'); set('ctl-layer', '1'); set('ctl-head', 'mean'); set('ctl-scale', 'colorblind'); set('ctl-weights', 'dropSink');
  });
  const before = await state();
  await p.page.reload();
  await p.page.waitForFunction(() => (window as any).__fakeHost?.posted.some((m: { type: string }) => m.type === 'ready'));
  assert.deepEqual(await state(), before, 'the state the webview restored');
  await p.load(patterned(tokens));
  await p.page.waitForSelector('.kernel-token');
  const controls = await p.page.evaluate(() => ['ctl-view', 'ctl-layer', 'ctl-head', 'ctl-scale', 'ctl-weights'].map((id) => (document.getElementById(id) as any).value));
  assert.deepEqual(controls, ['kernel', '1', 'mean', 'colorblind', 'dropSink']);
  const req = (await p.posted()).filter((m) => m.type === 'requestAttention').at(-1) as any;
  assert.deepEqual([req.selector, req.options], [{ kind: 'row', matrix: { kind: 'layerMean', layer: 1 }, query: 6 }, { dropSink: true }]); // the kernel view asks for one row
  assert.deepEqual(p.errors, []);
});
