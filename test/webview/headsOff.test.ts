// Switching heads off from the panel, in the real webview: the banner names the heads and switches
// them all on, a head that is off is marked in the overview and the ablation grid, and Alt+click,
// X or the context menu's data on a head ask the host to switch it (without opening it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelForFile, patterned, type PanelPage } from './harness';

let p: PanelPage;
const tokens = ['A', ' B', ' C', ' D'];
const T = tokens.length, L = 2, H = 2;

panelForFile((page) => { p = page; });

/** The heads-off messages the webview posted since `from`. */
async function headsOffPosted(from: number): Promise<unknown[]> {
  return (await p.posted()).slice(from).filter((m) => m.type === 'headsOff');
}

/** An analysis of the four tokens with `off` switched off, and an ablation grid to draw. */
async function load(off: { layer: number; head: number }[]): Promise<void> {
  const a = patterned(tokens);
  if (off.length) a.headsOff = off;
  const delta = new Array<number>(L * H * T).fill(-0.25);
  for (let lh = 0; lh < L * H; lh++) delta[lh * T] = NaN;
  a.ablation = { delta, top1Changed: new Array<number>(L * H * T).fill(0), top1: [1, 2, 3, 0] };
  await p.load(a);
}

test('the banner names the heads that are off and its button switches them all on', async () => {
  await load([{ layer: 1, head: 0 }, { layer: 0, head: 1 }]);
  await p.page.waitForFunction(() => !(document.querySelector('.heads-off') as HTMLElement).hidden);
  assert.match(await p.page.locator('.heads-off-text').textContent() ?? '', /^Heads switched off: L1\.H0, L0\.H1\. The analysis, probe and ghost text run without them;/);
  const from = (await p.posted()).length;
  await p.page.locator('.heads-off .heads-off-all-on').click();
  assert.deepEqual(await headsOffPosted(from), [{ type: 'headsOff', action: 'allOn' }]);
  await load([]);
  await p.page.waitForFunction(() => (document.querySelector('.heads-off') as HTMLElement).hidden);
  assert.deepEqual(p.errors, []);
});

test('overview: a head that is off is marked; Alt+click or X toggles a head, a plain click still opens it', async () => {
  await load([{ layer: 1, head: 0 }]);
  await p.setControl('ctl-view', 'overview');
  await p.page.waitForSelector('.overview button.thumb');
  const thumb = (l: number, h: number) => p.page.locator(`.overview button.thumb[data-layer="${l}"][data-head="${h}"]`);
  assert.deepEqual(await p.page.locator('.overview button.thumb.head-off').evaluateAll((bs) => bs.map((b) => [b.getAttribute('data-layer'), b.getAttribute('data-head'), b.querySelector('.thumb-label')?.textContent])), [['1', '0', 'off']]);
  assert.match(await thumb(1, 0).getAttribute('aria-label') ?? '', /Switched off; Alt\+click or X switches it back on\.$/);
  assert.deepEqual(JSON.parse(await thumb(0, 1).getAttribute('data-vscode-context') ?? '{}'), { webviewSection: 'head', layer: 0, head: 1, preventDefaultContextMenuItems: true }, 'what the context menu command is given');
  assert.equal(await p.page.locator('.overview button.thumb-mean[data-vscode-context]').count(), 0, 'a layer mean is not a head to switch');

  let from = (await p.posted()).length;
  await thumb(0, 1).click({ modifiers: ['Alt'] });
  await thumb(1, 0).focus();
  await p.page.keyboard.press('x');
  assert.deepEqual(await headsOffPosted(from), [{ type: 'headsOff', action: 'toggle', layer: 0, head: 1 }, { type: 'headsOff', action: 'toggle', layer: 1, head: 0 }]);
  assert.equal(await p.page.$eval('#ctl-view', (e) => (e as HTMLSelectElement).value), 'overview', 'Alt+click does not open the head');

  from = (await p.posted()).length;
  await thumb(0, 1).click();
  assert.deepEqual(await headsOffPosted(from), [], 'a plain click switches nothing');
  assert.equal(await p.page.$eval('#ctl-view', (e) => (e as HTMLSelectElement).value), 'heatmap', 'it opens the head');
  assert.deepEqual(p.errors, []);
});

test('ablation grid: a head that is off is marked, and Alt+click switches a head', async () => {
  await load([{ layer: 0, head: 1 }]);
  await p.setControl('ctl-view', 'ablation');
  await p.page.waitForSelector('.ablation-grid .ablation-open');
  assert.deepEqual(await p.page.locator('.ablation-open.head-off').evaluateAll((bs) => bs.map((b) => b.closest('td')!.getAttribute('data-layer') + '.' + b.closest('td')!.getAttribute('data-head'))), ['0.1']);
  assert.match(await p.page.locator('.ablation-grid caption').textContent() ?? '', /Alt\+click \(or X\) switches a head off for the whole panel, or back on\.$/);
  const from = (await p.posted()).length;
  await p.page.locator('.ablation-cell[data-layer="1"][data-head="1"] .ablation-open').click({ modifiers: ['Alt'] });
  assert.deepEqual(await headsOffPosted(from), [{ type: 'headsOff', action: 'toggle', layer: 1, head: 1 }]);
  assert.equal(await p.page.$eval('#ctl-view', (e) => (e as HTMLSelectElement).value), 'ablation', 'still the grid');
  assert.deepEqual(p.errors, []);
});
