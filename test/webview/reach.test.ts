// Context reach, compression and LZ views in a real browser: progress and Cancel, the tokens × k
// grid's colours and rings, a token's curve on hover, reach bars in the strip, the kernel view's
// underline, the bits-per-byte table, the model-minus-chain strip and the LZ arcs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { launch, openPanel, patterned, type PanelPage } from './harness';
import { logProbIndex } from '../../webview/reachView';

let browser: Browser;
let p: PanelPage;
let id = 0;
const tokens = ['A', ' B', ' C', ' A', ' B', ' C'];
const T = tokens.length, K = 3;
// ln p by [token][k − 1]; NaN where fewer than k tokens come before it.
const LP = [[NaN, NaN, NaN], [-4, NaN, NaN], [-3, -2, NaN], [-5, -1, -0.95], [-2, -0.5, -0.5], [-6, -6, -6]];
const FULL = [NaN, -4, -2, -0.9, -0.5, -1];
const REACH = [0, 1, 2, 2, 2, 0];

before(async () => {
  browser = await launch();
  p = await openPanel(browser);
  const a = patterned(tokens);
  a.ids = [1, 2, 3, 1, 2, 3];
  a.logprobs = FULL.map((x) => (Number.isNaN(x) ? null : x));
  id = await p.load(a);
  await p.waitHeatmap();
});
after(async () => { await browser?.close(); });

const setView = (view: string) => p.setControl('ctl-view', view);

/** Sends a host message built in the page (typed arrays are made there from plain arrays). */
const send = (m: Record<string, unknown>, arrays: Record<string, ['f32' | 'i32', number[]]> = {}) => p.page.evaluate(([msg, arr]) => {
  const out = { ...msg } as Record<string, unknown>;
  for (const [k, [kind, values]] of Object.entries(arr)) out[k] = kind === 'f32' ? Float32Array.from(values) : Int32Array.from(values);
  (window as any).__fakeHost.send(out);
}, [m, arrays] as const);

test('reach view: progress with Cancel, then the grid coloured by ln p with a ring at each reach', async () => {
  await setView('reach');
  await send({ type: 'reach', analysisId: id, state: 'running', done: 2, total: 5 });
  await p.page.waitForSelector('.reach-status progress');
  assert.match(await p.page.locator('.reach-status').textContent() ?? '', /2 of 5 windows/);
  await p.page.locator('.reach-status button').click();
  assert.ok((await p.posted()).some((m) => m.type === 'cancelReach' && m.analysisId === id));

  await send({ type: 'reach', analysisId: id, state: 'done', maxContext: K, prefix: 0, ms: 1200 }, {
    logProbs: ['f32', LP.flat()], full: ['f32', FULL], reach: ['i32', REACH],
  });
  await p.page.waitForSelector('canvas.reach-grid:not([hidden])');
  const px = await p.page.evaluate(() => {
    const c = document.querySelector('canvas.reach-grid') as HTMLCanvasElement;
    const g = c.getContext('2d')!;
    const at = (t: number, col: number, gap = 0) => [...g.getImageData(col * 8 + gap + 3, t * 6 + 3, 1, 1).data];
    return { size: [c.width, c.height], k2of4: at(4, 1), k1of3: at(3, 0), missing: at(1, 2), full4: at(4, 3, 4) };
  });
  assert.deepEqual(px.size, [K * 8 + 4 + 8, T * 6]);
  // The palette runs from the editor background to the accent: a stronger ln p is nearer the accent.
  const palette = await p.page.evaluate(() => [getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background'), getComputedStyle(document.documentElement).getPropertyValue('--vscode-charts-blue')]);
  assert.ok(palette[0] && palette[1]);
  const blue = (rgb: number[]) => rgb[2]!;
  assert.ok(blue(px.k2of4) > blue(px.k1of3), 'ln p −0.5 is drawn stronger than −5');
  assert.ok(logProbIndex(-0.5) > logProbIndex(-5));
  assert.equal(px.missing[3], 0, 'no such context: nothing drawn (the page background shows)');
  assert.equal(px.k2of4[3], 255);
  assert.deepEqual(px.full4, px.k2of4, 'the full-context column has the same colour for the same ln p');
  assert.match(await p.page.locator('.reach-status').textContent() ?? '', /1 token need more than 3/);
});

test('reach view: hovering a row draws its curve and names its reach', async () => {
  const box = (await p.page.locator('canvas.reach-grid').boundingBox())!;
  await p.page.mouse.move(box.x + 4, box.y + 3 * 6 + 3);
  await p.page.waitForFunction(() => /reach k = 2/.test(document.querySelector('.reach-detail')?.textContent ?? ''));
  assert.match(await p.page.locator('.reach-detail').textContent() ?? '', /token 3.*full context ln p = -0\.90.*reach k = 2/);
  await p.page.mouse.move(box.x + 4, box.y + 5 * 6 + 3);
  await p.page.waitForFunction(() => /needs more context/.test(document.querySelector('.reach-detail')?.textContent ?? ''));
});

test('token strip and kernel view show reach next to the attention', async () => {
  const titles = await p.page.locator('.strip-section .strip-token').evaluateAll((spans) => spans.map((s) => [s.getAttribute('title'), (s as HTMLElement).style.getPropertyValue('--reach'), s.classList.contains('reach-none')]));
  assert.match(String(titles[3]![0]), /reach 2 tokens$/);
  assert.equal(titles[3]![1], String(2 / 3));
  assert.equal(titles[5]![2], true, 'no k ≤ K: dotted');
  assert.equal(titles[0]![2], false, 'no prediction: no mark');
  await setView('kernel');
  await p.page.evaluate(() => (document.querySelector('.strip-section .strip-token[data-index="2"]') as HTMLElement).click());
  await p.page.waitForSelector('.kernel-token.kernel-query[data-index="2"]');
  // Query 2 predicts token 3, whose reach is 2: tokens 1 and 2 are underlined.
  const underlined = await p.page.locator('.kernel-token.kernel-reach').evaluateAll((s) => s.map((x) => x.getAttribute('data-index')));
  assert.deepEqual(underlined, ['1', '2']);
  assert.match(await p.page.locator('.kernel-caption').textContent() ?? '', /the 2 tokens the next token's prediction needs/);
});

test('compression view: the table, the model-minus-chain strip, and the LZ arcs in the head view', async () => {
  await send({ type: 'baselines', analysisId: id, bytes: 12, bitsPerByte: { model: 1.5, deflate: 9, brotli: 10, markov1: 4, markov2: 3.5, markov3: 3.6, markov4: 3.7 }, bestMarkov: 'markov2' }, {
    modelMinusMarkov: ['f32', [NaN, 2, -3, 8, 0, -1]], lz: ['i32', [3, 0, 3]],
  });
  await setView('compression');
  await p.page.waitForSelector('.compression-table tbody tr');
  const rows = await p.page.locator('.compression-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-coder'), tr.querySelector('td')!.textContent]));
  assert.deepEqual(rows, [['model', '1.500'], ['deflate', '9.000'], ['brotli', '10.000'], ['markov1', '4.000'], ['markov2', '3.500'], ['markov3', '3.600'], ['markov4', '3.700']]);
  assert.match(await p.page.locator('tr[data-coder="markov2"] th').textContent() ?? '', /best chain/);
  const strip = await p.page.locator('.compression-strip .compression-token').evaluateAll((s) => s.map((x) => x.getAttribute('title')));
  assert.equal(strip.length, T);
  assert.match(String(strip[3]), /model better by 8\.00 bits/);
  assert.match(String(strip[2]), /chain better by 3\.00 bits/);
  await setView('headView');
  await p.page.waitForSelector('canvas.lz-arcs');
  assert.equal(await p.page.locator('canvas.lz-arcs').getAttribute('aria-label'), '1 LZ77 copy of at least two tokens');
  await setView('stats');
  await p.page.waitForSelector('td[data-stat="lzCopier"]');
  // A B C A B C copies tokens 3–5 from 0–2: the copier targets are keys 1, 2, 3. L1 H1 looks at itself: 0; L0 H0 at the previous token: 0.
  assert.equal(await p.page.locator('tr[data-layer="0"][data-head="0"] td[data-stat="lzCopier"]').textContent(), '0.000');
  assert.deepEqual(p.errors, []);
});

test('compression view: corpus-fitted rows after the adaptive ones, the best of them named above the strip, and a note', async () => {
  await send({ type: 'baselines', analysisId: id, bytes: 12, bitsPerByte: { model: 1.5, deflate: 9, brotli: 10, markov1: 4, markov2: 3.5, markov3: 3.6, markov4: 3.7, corpusMarkov1: 3.2, corpusMarkov2: 2.5 }, bestMarkov: 'corpusMarkov2', note: 'a note about the corpus file' }, {
    modelMinusMarkov: ['f32', [NaN, 2, -3, 8, 0, -1]], lz: ['i32', []],
  });
  await setView('compression');
  await p.page.waitForSelector('tr[data-coder="corpusMarkov2"]');
  const coders = await p.page.locator('.compression-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-coder')));
  assert.deepEqual(coders.slice(-3), ['markov4', 'corpusMarkov1', 'corpusMarkov2']);
  assert.match(await p.page.locator('tr[data-coder="corpusMarkov2"] th').textContent() ?? '', /Markov order 2, fitted on the training corpus \(best chain\)/);
  assert.doesNotMatch(await p.page.locator('tr[data-coder="markov2"] th').textContent() ?? '', /best/);
  assert.match(await p.page.locator('.compression-view h3').textContent() ?? '', /order-2 corpus chain/);
  assert.equal(await p.page.locator('.compression-note').textContent(), 'a note about the corpus file');
  assert.deepEqual(p.errors, []);
});

test('encoders: the reach view and the strip say "causal models only"; LZ rows stay', async () => {
  const a = patterned(tokens);
  a.kind = 'encoder';
  const enc = await p.load(a);
  await send({ type: 'reach', analysisId: enc, state: 'unavailable', message: 'fake is an encoder (bidirectional): context reach is for causal models only.' });
  await send({ type: 'baselines', analysisId: enc, bytes: 12, bitsPerByte: { deflate: 9, brotli: 10, markov1: 4, markov2: 3.5, markov3: 3.6, markov4: 3.7 }, bestMarkov: 'markov2', modelMinusMarkov: null }, { lz: ['i32', []] });
  await setView('reach');
  await p.page.waitForFunction(() => /causal models only/.test(document.querySelector('.reach-status')?.textContent ?? ''));
  assert.equal(await p.page.locator('.reach-status button').count(), 0, 'nothing to retry');
  await setView('compression');
  await p.page.waitForSelector('tr[data-coder="model"]');
  assert.match(await p.page.locator('tr[data-coder="model"]').textContent() ?? '', /causal models only/);
  assert.match(await p.page.locator('.compression-view').textContent() ?? '', /Causal models only/);
});
