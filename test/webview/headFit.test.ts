// The head view's "Fit to height": a long text's rows shrink so the whole of it, lines and LZ77
// arcs included, fits the view; labels too small to read are named on hover; off again, 18 px rows.
// The view is virtualised (only rows on screen are built, the canvases are one screen tall): fitted,
// every row is on screen, so every row is built and the canvases are as tall as the rows.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';

let browser: Browser;
let p: PanelPage;
const T = 300;
let id = 0;
before(async () => {
  browser = await launch();
  p = await openPanel(browser);
  id = await p.load(patterned(Array.from({ length: T }, (_, i) => ` t${i % 50}`)));
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

const geometry = () => p.page.evaluate(() => {
  const left = document.querySelector('.head-col-left') as HTMLElement;
  const first = left.firstElementChild as HTMLElement;
  const lines = document.querySelector('canvas.head-lines') as HTMLCanvasElement;
  const arcs = document.querySelector('canvas.lz-arcs') as HTMLCanvasElement;
  const d = lines.getContext('2d')!.getImageData(0, 0, lines.width, lines.height).data;
  let inked = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) inked++;
  const body = document.querySelector('.head-body') as HTMLElement;
  return { column: left.getBoundingClientRect().height, row: first.getBoundingClientRect().height, title: first.getAttribute('title'), lines: lines.height, arcs: arcs.height, inked, room: window.innerHeight * 0.72, screen: body.clientHeight, built: left.children.length };
});

test('fit to height: the whole text in the view, lines and arcs on the same rows; off again: 18 px rows', async () => {
  await p.setControl('ctl-view', 'headView');
  await p.page.waitForSelector('.head-col-left .head-token');
  await p.page.evaluate((analysisId) => (window as any).__fakeHost.send({ type: 'baselines', analysisId, bytes: 900, bitsPerByte: { deflate: 1 }, bestMarkov: 'markov1', modelMinusMarkov: null, lz: Int32Array.from([50, 0, 250]) }), id);
  const before = await geometry();
  assert.equal(before.row, 18);
  assert.equal(before.column, T * 18);
  assert.ok(before.screen < T * 18, 'the text does not fit at 18 px rows');
  assert.equal(before.lines, before.screen, 'the lines canvas is one screen tall');
  assert.equal(before.arcs, before.screen);
  assert.ok(before.built < T, `only the rows on screen are built (${before.built})`);
  assert.equal(await p.page.locator('.head-fit').getAttribute('aria-pressed'), 'false');

  await p.page.locator('.head-fit').click();
  const fit = await geometry();
  assert.ok(fit.column <= fit.room + 1, `the column (${fit.column} px) fits the view (${fit.room} px)`);
  assert.ok(Math.abs(fit.row * T - fit.column) < 2, 'rows share the column evenly');
  assert.equal(fit.lines, Math.ceil(fit.column - 0.01), 'the lines canvas is as tall as the rows');
  assert.equal(fit.arcs, fit.lines, 'the arcs sit on the same rows');
  assert.equal(fit.built, T, 'every row is on screen, so every row is built');
  assert.ok(fit.inked > 500, `lines drawn (${fit.inked} px)`);
  assert.equal(fit.title, '␣t0', 'a label too small to read is named on hover');
  assert.equal(await p.page.locator('.head-fit').getAttribute('aria-pressed'), 'true');

  // Hover at the fitted row height: the token under the pointer is the one hovered, and the canvas
  // draws only its lines, from its row (ink in the first pixels of the canvas only there).
  const all = Number(await p.page.locator('canvas.head-lines').getAttribute('data-lines'));
  await p.page.locator('.head-col-left .head-token[data-index="200"]').hover();
  await p.page.waitForFunction((n) => Number((document.querySelector('canvas.head-lines') as HTMLCanvasElement).dataset.lines) < n, all);
  const inked = await p.page.evaluate(() => {
    const c = document.querySelector('canvas.head-lines') as HTMLCanvasElement, d = c.getContext('2d')!.getImageData(1, 0, 1, c.height).data;
    const ys: number[] = [];
    for (let y = 0; y < c.height; y++) if (d[y * 4 + 3]! > 0) ys.push(y);
    return ys;
  });
  assert.ok(inked.length > 0, 'the hovered row is marked');
  const reach = fit.row + 2 * (T * fit.row) / 180 + 1; // the row, plus how far a line 180 px wide climbs by x = 2, plus antialiasing
  assert.ok(inked.every((y) => Math.abs(y - 200.5 * fit.row) <= reach), `ink at x = 1 only around row 200 (${inked[0]}…${inked.at(-1)}, row ${fit.row} px)`);
  await p.page.mouse.move(0, 0);

  await p.page.locator('.head-fit').click();
  const back = await geometry();
  assert.deepEqual([back.row, back.column, back.lines, back.arcs, back.title], [18, T * 18, back.screen, back.screen, null]);
  assert.deepEqual(p.errors, []);
});
