// The panel opens on the most distinctive head until the person picks one; then their pick stays.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, type PanelPage } from './harness';
import type { FakeAnalysis } from './fakeHost';

let browser: Browser;
let p: PanelPage;
before(async () => { browser = await launch(); p = await openPanel(browser); });
after(async () => { await browser?.close(); });

/** 2 layers × 2 heads over T tokens: uniform causal rows, except L1 H1 which looks at the previous token. */
function onePreviousTokenHead(T: number): FakeAnalysis {
  const attention: number[] = [];
  for (let l = 0; l < 2; l++) {
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          const prev = l === 1 && h === 1;
          attention.push(prev ? (j === Math.max(0, i - 1) ? 1 : 0) : j <= i ? 1 / (i + 1) : 0); // [L, H, Q, K]
        }
      }
    }
  }
  const tokens = Array.from({ length: T }, (_, i) => ` t${i}`);
  return { tokens, ids: tokens.map((_, i) => i), nLayers: 2, nHeads: 2, attention };
}

/** The head the panel first asked for in analysis `id` (waits for the request). */
async function firstHeadRequest(id: number): Promise<string> {
  const s = await p.page.waitForFunction((aid) => (window as any).__fakeHost.posted.find((m: any) => m.type === 'requestAttention' && m.analysisId === aid && m.selector.kind === 'head')?.selector, id);
  const sel = (await s.jsonValue()) as { layer: number; head: number };
  return `${sel.layer}.${sel.head}`;
}

test('first analysis opens on the previous-token head, not L0.H0; a picked head is kept afterwards', async () => {
  const first = await p.load(onePreviousTokenHead(8));
  assert.equal(await firstHeadRequest(first), '1.1');
  await p.waitHeatmap();
  assert.deepEqual(await p.page.evaluate(() => [(document.getElementById('ctl-layer') as HTMLSelectElement).value, (document.getElementById('ctl-head') as HTMLSelectElement).value]), ['1', '1']);
  // The person picks head 0; the next analysis keeps it although head 1 is still the distinctive one.
  await p.setControl('ctl-head', '0');
  await p.page.waitForFunction(() => (window as any).__fakeHost.posted.some((m: any) => m.type === 'requestAttention' && m.selector.kind === 'head' && m.selector.head === 0));
  const second = await p.load(onePreviousTokenHead(10));
  assert.equal(await firstHeadRequest(second), '1.0');
});
