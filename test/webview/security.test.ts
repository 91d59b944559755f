// Hostile token text is shown as text everywhere and runs nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';

const hostile = ['<img src=x onerror=alert(1)>', '</script><script>alert(2)</script>', 'a\u202Eb\u2066c', '"><svg onload=alert(3)>', '&lt;&amp;', '\u200b'];

let browser: Browser;
let p: PanelPage;
before(async () => {
  browser = await launch();
  p = await openPanel(browser);
  const a = patterned(hostile);
  a.logprobs = hostile.map((_, i) => (i ? -2 : null));
  a.topK = hostile.map(() => [['<img src=y onerror=alert(4)>', 0.6], ['\u202Egnp.exe', 0.4]]);
  await p.load(a);
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

const expected = ['<img␣src=x␣onerror=alert(1)>', '</script><script>alert(2)</script>', 'a⟨U+202E⟩b⟨U+2066⟩c', '"><svg␣onload=alert(3)>', '&lt;&amp;', '⟨U+200B⟩'];

async function assertInert(): Promise<void> {
  const counts = await p.page.evaluate(() => ({
    img: document.querySelectorAll('img, svg, iframe, object, embed').length,
    scripts: document.querySelectorAll('script').length,
  }));
  assert.deepEqual(counts, { img: 0, scripts: 1 });
  assert.deepEqual(p.dialogs, []);
  assert.deepEqual(await p.page.evaluate(() => (window as any).__fakeHost.cspViolations), []);
  assert.deepEqual(p.errors, []);
}

test('token strip and top-k show the text literally, bidi controls made visible', async () => {
  assert.deepEqual(await p.page.locator('.strip-token').allTextContents(), expected);
  assert.deepEqual(await p.page.locator('.next .next-token').allTextContents(), ['<img␣src=y␣onerror=alert(4)>', '⟨U+202E⟩gnp.exe']);
  await assertInert();
});

test('tooltip, kernel view, head view and probe show it as text too', async () => {
  const box = await p.page.evaluate(() => {
    const c = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    return { x: r.left + Number(c.dataset.plotX), y: r.top + Number(c.dataset.plotY), cell: Number(c.dataset.cell) };
  });
  await p.page.mouse.move(box.x + 0.5 * box.cell, box.y + 1.5 * box.cell);
  assert.equal(await p.page.locator('.tooltip').textContent(), `query 1 “${expected[1]}” → key 0 “${expected[0]}”: weight 1.0000`);
  for (const view of ['kernel', 'headView']) {
    await p.page.evaluate((v) => { const d = document.getElementById('ctl-view') as any; d.value = v; d.dispatchEvent(new Event('change')); }, view);
    const selector = view === 'kernel' ? '.kernel-token' : '.head-col-left .head-token';
    await p.page.waitForSelector(selector);
    const shown = view === 'kernel' ? expected.map((t) => t.replace(/␣/g, ' ')) : expected; // the kernel view shows spaces as spaces
    assert.deepEqual(await p.page.locator(selector).allTextContents(), shown);
  }
  await p.page.evaluate(() => (window as any).__fakeHost.send({ type: 'probe', nTokens: 3, entropy: 1, temperature: 1, next: [{ token: '<script>alert(5)</script>', prob: 1 }], cached: false }));
  await p.page.waitForSelector('.probe .next-token');
  assert.equal(await p.page.locator('.probe .next-token').textContent(), '<script>alert(5)</script>');
  await p.page.evaluate(() => (window as any).__fakeHost.send({ type: 'error', message: '<img src=z onerror=alert(6)>' }));
  await p.page.waitForSelector('.error:not([hidden])');
  assert.equal(await p.page.locator('.error').textContent(), '<img src=z onerror=alert(6)>');
  await assertInert();
});

test('malformed host messages are ignored without breaking the panel', async () => {
  await p.page.evaluate(() => {
    window.postMessage(null, '*');
    window.postMessage('analysis', '*');
    window.postMessage({ type: 'no-such-message' }, '*');
    window.postMessage({ type: 'attention', analysisId: 999, requestId: 1, data: new Float32Array(4) }, '*');
  });
  await p.page.waitForTimeout(100);
  assert.equal(await p.page.locator('.strip-token').count(), hostile.length);
  // An unknown type is reported on the console only; nothing else.
  assert.ok(p.errors.every((e) => e.includes('no-such-message')), p.errors.join('\n'));
  p.errors.length = 0;
});

test('an analysis without tokens gets a clear message and keeps the previous one', async () => {
  await p.load({ tokens: [], nLayers: 1, nHeads: 1, attention: [] });
  await p.page.waitForFunction(() => document.querySelector('.error')?.textContent?.startsWith('The analysis has no tokens'));
  assert.equal(await p.page.locator('.strip-token').count(), hostile.length);
  assert.deepEqual(p.errors, []);
});
