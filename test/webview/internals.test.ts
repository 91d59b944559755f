// The internals views in the real webview: value-weighted weights and the rollout drawn by the
// heatmap, the logit-lens grid and the ablation grid, and a view the model cannot give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelForFile, patterned, type PanelPage } from './harness';

let p: PanelPage;
const tokens = ['A', ' B', ' C', ' D'];
const T = tokens.length, L = 2, H = 2;

panelForFile(async (page) => {
  p = page;
  const a = patterned(tokens);
  // Value norms: key 0 moves three times what the others move, in every head.
  a.valueNorms = Array.from({ length: L * H * T }, (_, i) => (i % T === 0 ? 3 : 1));
  // Rollout: every query ends up on token 0 except the last, which keeps itself.
  a.rollout = Array.from({ length: T * T }, (_, i) => { const q = Math.floor(i / T), k = i % T; return q === T - 1 ? (k === q ? 1 : 0) : k === 0 ? 1 : 0; });
  // Lens top-2 [L, T, 2]: layer 0 guesses "x" everywhere; layer 1 (the output) guesses the next token.
  const lensIds: number[] = [], lensProbs: number[] = [];
  for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) { lensIds.push(l === 0 ? 90 : (t + 1) % T, 91); lensProbs.push(l === 0 ? 0.3 : 0.9, 0.05); }
  a.logitLens = { k: 2, ids: lensIds, probs: lensProbs };
  // Ablation [L, H, T]: zeroing L1.H0 costs 1.5 nats on token 2 and changes the top-1 at position 1.
  const delta = new Array<number>(L * H * T).fill(0.01), changed = new Array<number>(L * H * T).fill(0);
  for (let lh = 0; lh < L * H; lh++) delta[lh * T] = NaN;
  delta[(1 * H + 0) * T + 2] = -1.5;
  changed[(1 * H + 0) * T + 1] = 1;
  a.ablation = { delta, top1Changed: changed, top1: [1, 2, 3, 0] };
  // q·k with D = 3 and scale 0.5: in L0.H1, q_3 = (1, 2, -1) and k_j = (j, 1, 1), so q_3·k_1 = 1 + 2 − 1 = 2
  // (products +1, +2, −1); keys after the query are hidden by −1e9.
  const D = 3;
  const q = new Array<number>(L * H * T * D).fill(0), k = new Array<number>(L * H * T * D).fill(0), scores = new Array<number>(L * H * T * T).fill(0);
  for (let lh = 0; lh < L * H; lh++) {
    for (let t = 0; t < T; t++) {
      q.splice((lh * T + t) * D, D, 1, 2, -1); // [L, H, T, D]
      k.splice((lh * T + t) * D, D, t, 1, 1);
      for (let j = 0; j < T; j++) scores[(lh * T + t) * T + j] = j <= t ? 0.5 * (j + 2 - 1) : -1e9; // [L, H, T, K]
    }
  }
  a.qk = { D, q, k, scale: [0.5, 0.5], scores };
  await p.load(a);
  await p.waitHeatmap();
});

const set = (id: string, v: string) => p.setControl(id, v);
const brightness = ([r, g, b]: [number, number, number]) => r + g + b;

test('value-weighted: a key with a larger value norm gets more of each row, raw rows stay uniform', async () => {
  await set('ctl-view', 'heatmap'); await set('ctl-layer', '1'); await set('ctl-head', '0'); // uniform causal head
  await p.waitHeatmap();
  const raw = [await p.heatmapCell(2, 0), await p.heatmapCell(2, 1)];
  assert.deepEqual(raw[0], raw[1], 'raw weights: 1/3 each');
  const before = (await p.sent()).filter((m) => m.type === 'attention').length;
  await set('ctl-weights', 'valueWeighted');
  await p.page.waitForFunction((n) => (window as any).__fakeHost.sent.filter((m: any) => m.type === 'attention').length > n, before);
  await p.page.evaluate(() => new Promise((r) => setTimeout(r, 0))); // the answer is delivered (and drawn) on the next task
  await p.waitHeatmap();
  const weighted = [await p.heatmapCell(2, 0), await p.heatmapCell(2, 1)];
  assert.ok(brightness(weighted[0]) > brightness(weighted[1]), `key 0 (0.6) brighter than key 1 (0.2): ${weighted}`);
  await set('ctl-weights', 'raw');
});

test('statistics with value-weighted weights are the host\'s value-weighted statistics, and say so', async () => {
  await set('ctl-view', 'stats');
  await p.page.waitForSelector('.stats-table caption[data-weights="raw"]');
  const raw = await p.page.locator('tr[data-layer="1"][data-head="0"] td[data-stat]').allTextContents();
  await set('ctl-weights', 'valueWeighted');
  await p.page.waitForSelector('.stats-table caption[data-weights="valueWeighted"]');
  assert.match((await p.page.locator('.stats-table caption').textContent())!, /value-weighted weights/);
  const weighted = await p.page.locator('tr[data-layer="1"][data-head="0"] td[data-stat]').allTextContents();
  assert.notDeepEqual(weighted, raw, 'the uniform head is no longer uniform once key 0 moves three times as much');
  assert.ok((await p.posted()).some((m) => m.type === 'requestInternals' && m.view === 'valueNorms'));
  await set('ctl-weights', 'raw'); await set('ctl-view', 'heatmap');
});

test('rollout in the heatmap: the head choice "Rollout" draws the rolled-out matrix', async () => {
  await set('ctl-head', 'rollout');
  await p.page.waitForFunction(() => (window as any).__fakeHost.sent.some((m: any) => m.type === 'rollout'));
  await p.page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  await p.waitHeatmap();
  const sink = await p.heatmapCell(1, 0), off = await p.heatmapCell(1, 1), self = await p.heatmapCell(3, 3);
  assert.ok(brightness(sink) > brightness(off) + 100, 'query 1 rolls out onto token 0');
  assert.deepEqual(self, sink, 'the last query keeps itself with weight 1, as query 1 does token 0');
  await set('ctl-head', '0');
});

test('logit lens: a layers × positions grid of top-1 tokens, the chosen position\'s top-k per layer', async () => {
  await set('ctl-view', 'lens');
  await p.page.waitForSelector('.lens-grid td.lens-cell');
  assert.equal(await p.page.locator('.lens-grid td.lens-cell').count(), L * T);
  assert.equal(await p.page.locator('td.lens-cell[data-layer="0"][data-position="2"]').textContent(), '#90');
  assert.equal(await p.page.locator('td.lens-cell[data-layer="1"][data-position="0"]').textContent(), '␣B', 'the output row is the model\'s prediction');
  assert.match((await p.page.locator('.lens-grid th[scope="row"]').last().textContent())!, /output/);
  await p.page.locator('td.lens-cell[data-layer="1"][data-position="1"]').click();
  await p.page.waitForFunction(() => /position 1/.test(document.querySelector('.lens-detail h3')?.textContent ?? ''));
  assert.deepEqual(await p.page.locator('.lens-layers li .lens-tops').allTextContents(), ['#90 0.300  ·  #91 0.050', '␣C 0.900  ·  #91 0.050']);
});

test('ablation: the layers × heads grid for the chosen prediction, blue where a head helped, ● where the top-1 changes', async () => {
  await set('ctl-view', 'ablation');
  await p.page.waitForSelector('.ablation-grid td.ablation-cell');
  assert.equal(await p.page.locator('td.ablation-cell').count(), L * H);
  // The chosen position is 1 (from the lens click): the prediction of token 2 " C".
  const cell = p.page.locator('td.ablation-cell[data-layer="1"][data-head="0"]');
  assert.equal(await cell.getAttribute('data-delta'), '-1.5');
  assert.equal(await cell.getAttribute('data-changed'), '1');
  assert.equal(await cell.textContent(), '-1.50 ●');
  assert.equal(await cell.evaluate((n) => getComputedStyle(n).backgroundColor), 'rgba(55, 148, 255, 0.75)');
  assert.match((await p.page.locator('.ablation-grid caption').textContent())!, /ln p\(“␣C”/);
  await cell.locator('button').click();
  await p.waitHeatmap();
  const state = await p.page.evaluate(() => (window as any).__fakeHost.state);
  assert.deepEqual([state.view, state.layer, state.head], ['heatmap', 1, 0]);
});

test('q·k: double-clicking a heatmap cell opens its breakdown (bars, vectors, sum, scale, weight); a key in the row picks another', async () => {
  await set('ctl-view', 'heatmap'); await set('ctl-layer', '0'); await set('ctl-head', '1');
  await p.waitHeatmap();
  await p.clickCell(3, 1, 2);
  await p.page.waitForSelector('.qk .qk-bar');
  const state = await p.page.evaluate(() => (window as any).__fakeHost.state);
  assert.deepEqual([state.view, state.query, state.key], ['qk', 3, 1]);
  assert.deepEqual((await p.posted()).filter((m) => m.type === 'requestInternals' && m.view === 'qk').map((m) => [m.layer, m.head]), [[0, 1]], 'one head asked for, once');
  assert.equal(await p.page.locator('.qk-title').textContent(), 'L0.H1: query 3 “␣D” → key 1 “␣B”');
  assert.deepEqual(await p.page.locator('.qk-bar').evaluateAll((bs) => bs.map((b) => [b.className, Number(b.getAttribute('data-product'))])), [['qk-bar qk-pos', 1], ['qk-bar qk-pos', 2], ['qk-bar qk-neg', -1]]);
  const sum = p.page.locator('.qk-sum');
  assert.equal(Number(await sum.getAttribute('data-dot')), 2);
  assert.equal(Number(await sum.getAttribute('data-score')), 1);
  // The row's softmax inputs are 0.5, 1, 1.5, 2: the weight of key 1 is e^1 / Σ e^s, computed here independently.
  const z = [0.5, 1, 1.5, 2].reduce((acc, s) => acc + Math.exp(s), 0);
  assert.ok(Math.abs(Number(await sum.getAttribute('data-weight')) - Math.exp(1) / z) < 1e-6);
  assert.match((await sum.textContent())!, /= 2\.000 × scale 0\.5000 = 1\.000; softmax input 1\.000 → weight 0\.1\d+ \(rank 3 of 4/);
  assert.deepEqual(await p.page.locator('.qk-vectors tr').allTextContents(), ['d012', 'q1.002.00-1.00', 'k1.001.001.00', 'q∘k1.002.00-1.00']);
  await p.page.locator('.qk-key[data-key="0"]').click();
  await p.page.waitForFunction(() => /key 0/.test(document.querySelector('.qk-title')?.textContent ?? ''));
  assert.equal(Number(await p.page.locator('.qk-sum').getAttribute('data-dot')), 1, 'q_3·k_0 = 0 + 2 − 1');
  assert.equal(await p.page.locator('.qk-key').count(), 4, 'query 3 sees every key');
  await set('ctl-view', 'kernel'); await p.page.locator('.kernel-token[data-index="1"]').click(); await set('ctl-view', 'qk');
  await p.page.waitForFunction(() => /query 1/.test(document.querySelector('.qk-title')?.textContent ?? ''));
  assert.deepEqual(await p.page.locator('.qk-key').evaluateAll((ks) => ks.map((x) => x.getAttribute('data-key'))), ['0', '1'], 'keys after query 1 are hidden by the mask');
  await set('ctl-head', 'mean');
  await p.page.waitForFunction(() => /one head/.test(document.querySelector('.placeholder')?.textContent ?? ''));
  await set('ctl-head', '1'); await set('ctl-view', 'heatmap');
});

test('a view the model cannot give shows why, and the other views keep working', async () => {
  const a = patterned(tokens); // no internals at all
  await p.load(a);
  await p.waitHeatmap();
  await set('ctl-view', 'lens');
  await p.page.waitForFunction(() => /cannot compute logitLens/.test(document.querySelector('.placeholder')?.textContent ?? ''));
  await set('ctl-view', 'heatmap');
  await p.waitHeatmap();
  assert.deepEqual(p.errors, []);
});

test('heads switched off are announced above the views while active, and the notice goes with them', async () => {
  const a = patterned(tokens);
  a.headsOff = [{ layer: 1, head: 0 }, { layer: 0, head: 1 }];
  await p.load(a);
  await p.page.waitForFunction(() => !(document.querySelector('.heads-off') as HTMLElement).hidden);
  assert.equal(await p.page.locator('.heads-off-text').textContent(), 'Heads switched off: L1.H0, L0.H1. The analysis, probe and ghost text run without them; the internals views (value norms, rollout, lens, ablation, q·k) are of the model with every head on. ');
  assert.equal(await p.page.locator('.heads-off button').textContent(), 'Switch all on');
  assert.equal(await p.page.locator('.heads-off').getAttribute('role'), 'alert');
  await p.load(patterned(tokens));
  await p.page.waitForFunction(() => (document.querySelector('.heads-off') as HTMLElement).hidden);
});
