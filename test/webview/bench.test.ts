// The benchmark hooks exist in the benchmark's bundle and time real drawing (no time limits here:
// the benchmark judges speed); the product's bundle has none.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, type PanelPage } from './harness';
import { VIEW_NAMES } from '../../bench/webview/viewNames';

let browser: Browser;
let p: PanelPage;
before(async () => { browser = await launch(); p = await openPanel(browser, { bench: true }); });
after(async () => { await browser?.close(); });

test('the product webview installs no benchmark hooks', async () => {
  const product = await openPanel(browser);
  assert.equal(await product.page.evaluate(() => typeof (window as any).__attentionLensBench), 'undefined');
  assert.deepEqual(product.errors, []);
});

test('window.__attentionLensBench times heatmap, overview and hover on real canvases', async () => {
  const r = await p.page.evaluate(() => {
    const b = (window as any).__attentionLensBench;
    return { heatmap: b.heatmap(128), overview: b.overview(64, 2, 3), hover: b.hover(128, 20) };
  });
  assert.ok(Number.isFinite(r.heatmap) && r.heatmap > 0);
  assert.ok(r.overview.totalMs >= r.overview.poolMs && r.overview.drawMs >= 0);
  assert.ok(r.hover.p50 <= r.hover.p95 && r.hover.p95 <= r.hover.max);
  // The hooks clean up after themselves: the panel's own DOM is untouched.
  assert.equal(await p.page.locator('.heatmap').count(), 1);
  assert.deepEqual(p.errors, []);
});

test('window.__attentionLensBench.view draws every view the benchmark names, and refuses an unknown one', async () => {
  const times = await p.page.evaluate((names) => names.map((n) => (window as any).__attentionLensBench.view(n, 64, 2, 3)), [...VIEW_NAMES]);
  times.forEach((t, i) => assert.ok(Number.isFinite(t) && t >= 0, `${VIEW_NAMES[i]}: ${t}`));
  await assert.rejects(p.page.evaluate(() => (window as any).__attentionLensBench.view('nope', 64)), /unknown view nope/);
  assert.equal(await p.page.locator('.heatmap').count(), 1, 'the views it drew are gone again');
  assert.deepEqual(p.errors, []);
});
