// A character split over tokens in the panel: drawn once in the token strip and the kernel view,
// its other tokens thin continuation markers whose tooltip gives their bytes; RTL text isolated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';

let browser: Browser;
let p: PanelPage;
// "a 한 שלום": 한 is three byte-level tokens; the first shows it, the other two continue it.
const tokens = ['a', ' 한', '', '', ' שלום'];
before(async () => {
  browser = await launch();
  p = await openPanel(browser);
  const a = patterned(tokens);
  a.parts = [null, { partial: '‹0x20 0xED›', continuation: false }, { partial: '‹0x95›', continuation: true }, { partial: '‹0x9C›', continuation: true }, null];
  await p.load(a);
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

test('token strip: a split character is drawn once, its continuations are markers with their bytes', async () => {
  const strip = await p.page.$$eval('.strip-token', (spans) => spans.map((s) => ({ text: s.textContent, cont: s.classList.contains('continuation'), title: (s as HTMLElement).title })));
  assert.deepEqual(strip.map((s) => s.text), ['a', '␣한', '', '', '␣שלום']);
  assert.deepEqual(strip.map((s) => s.cont), [false, false, true, true, false]);
  assert.match(strip[1]!.title, /“␣한” \(this token: bytes ‹0x20 0xED›\)/);
  assert.match(strip[2]!.title, /continuation of the character before, bytes ‹0x95›/);
  // A marker still takes room (it can be hovered) and RTL text stays isolated.
  const widths = await p.page.$$eval('.strip-token.continuation', (spans) => spans.map((s) => s.getBoundingClientRect().width));
  assert.ok(widths.every((w) => w >= 2), `continuation markers are ${widths.join(', ')} px wide`);
  assert.equal(await p.page.$eval('.strip-token[data-index="4"]', (s) => getComputedStyle(s).unicodeBidi), 'isolate');
});

test('kernel view: the text itself, the split character once', async () => {
  await p.page.evaluate(() => {
    const d = document.getElementById('ctl-view') as HTMLSelectElement;
    d.value = 'kernel';
    d.dispatchEvent(new Event('change'));
  });
  await p.page.waitForSelector('.kernel-token');
  const kernel = await p.page.$$eval('.kernel-token', (spans) => spans.map((s) => s.textContent ?? ''));
  assert.equal(kernel.join(''), 'a 한 שלום');
  assert.match((await p.page.locator('.kernel-token[data-index="2"]').getAttribute('title'))!, /bytes ‹0x95›/);
});
