// A 2,048-token selection in a real VS Code, with a model whose context allows it (a tiny Llama built
// at test time): the panel shows every token, the heatmap is causal, the statistics are the model's,
// and every view draws. Screenshots of the heatmap, the overview and the head view are kept (test-artifacts/e2e/long/).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVSCode, offsetToPosition, readCanvas, repoRoot, waitFor, type VSCodeSession } from './harness';
import { setPanelView, waitForAnalysis } from './panel';
import { longModelDir } from '../helpers/longModel';
import { loadModel } from '../../src/model';
import { allHeadStats, HEAD_STAT_NAMES } from '../../src/common/stats';

const T = 2048;
const FILE = 'long.ts';
let vs: VSCodeSession;
let dir: string;
/** More than 2,048 tokens of this repository's own source: the panel shows the first 2,048. */
const text = ['src/model/model.ts', 'src/common/stats.ts', 'src/common/slices.ts', 'webview/heatmap.ts'].map((f) => readFileSync(path.join(repoRoot, f), 'utf8')).join('\n');

before(async () => {
  dir = longModelDir();
  vs = await launchVSCode({ name: 'long', settings: { 'attentionLens.model': dir, 'attentionLens.maxTokens': T } });
  writeFileSync(path.join(vs.workspace, FILE), text);
});
after(async () => { await vs?.close(); });

test('a 2,048-token selection: every token, a causal heatmap, the model\'s statistics, and every view draws', async () => {
  await vs.openFile(FILE);
  await vs.selectRange({ line: 1, column: 1 }, offsetToPosition(text, text.length));
  await vs.runCommand('Attention Lens: Inspect Selection');
  const frame = await waitForAnalysis(vs, T, 180_000);
  assert.match(await frame.locator('.notice').textContent() ?? '', new RegExp(`${T} tokens.*Showing the first ${T} of`));
  await vs.screenshot('heatmap');

  // Causal: every pixel whose cells all lie above the diagonal is the background; below it, weights show.
  const heat = await readCanvas(frame, '.heatmap-base');
  const geo = await frame.$eval('.heatmap-base', (el) => { const c = el as HTMLCanvasElement; return { x: Number(c.dataset.plotX), y: Number(c.dataset.plotY), cell: Number(c.dataset.cell), scale: c.width / c.clientWidth }; });
  assert.ok(geo.cell < 1, `fit zoom puts several cells in a pixel (${geo.cell})`);
  const perPixel = 1 / (geo.cell * geo.scale); // cells per device pixel
  const x0 = Math.ceil(geo.x * geo.scale), y0 = Math.ceil(geo.y * geo.scale), side = Math.floor(T / perPixel) - 1;
  const colour = (x: number, y: number) => { const i = (y * heat.width + x) * 4; return heat.data[i]! * 65536 + heat.data[i + 1]! * 256 + heat.data[i + 2]!; };
  const background = colour(x0 + side - 1, y0); // row 0's last keys: a decoder gives them nothing
  let above = 0, wrong = 0, lit = 0;
  for (let py = 0; py < side; py++) {
    for (let px = 0; px < side; px++) {
      const qMax = (py + 2) * perPixel, kMin = (px - 1) * perPixel; // with a cell of slack for the edges
      const c = colour(x0 + px, y0 + py);
      if (kMin > qMax) { above++; if (c !== background) wrong++; } else if (c !== background) lit++;
    }
  }
  assert.ok(above > 10000 && wrong === 0, `${wrong} of ${above} pixels above the diagonal are coloured`);
  assert.ok(lit > 1000, `${lit} coloured pixels on and below the diagonal`);

  // The statistics table: the numbers of the same analysis run here through the model layer.
  const model = await loadModel({ name: 'ref', path: dir }, { cacheDir: mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-long-')) });
  const ref = await model.analyze(text, { topK: 5, maxTokens: T });
  const { nLayers: L, nHeads: H } = ref.shape;
  assert.equal(ref.shape.nTokens, T);
  const stats = allHeadStats(ref.attention, L, H, T, ref.tokens.map((t) => t.id), true); // [L, H, S]
  ref.release();
  await model.dispose();
  await setPanelView(frame, 'stats');
  await frame.waitForSelector('.stats-table tbody tr');
  const shown = await frame.$$eval('.stats-table tbody tr', (rows) => rows.map((r) => [Number(r.getAttribute('data-layer')), Number(r.getAttribute('data-head')), r.querySelector('td[data-stat="entropy"]')!.textContent!] as const));
  assert.equal(shown.length, L * H);
  for (const [l, h, entropy] of shown) assert.equal(entropy, stats[(l * H + h) * HEAD_STAT_NAMES.length + HEAD_STAT_NAMES.indexOf('entropy')]!.toFixed(3), `L${l}.H${h} entropy`);

  await setPanelView(frame, 'overview');
  await frame.waitForSelector('.overview button.thumb');
  assert.equal(await frame.locator('.overview button.thumb').count(), L * (H + 1));
  await vs.screenshot('overview');

  // The head view builds the rows on screen only and draws their lines; the kernel view colours every token.
  await setPanelView(frame, 'headView');
  await frame.waitForSelector('.head-col-left .head-token');
  const rows = await frame.locator('.head-col-left .head-token').count();
  assert.ok(rows > 10 && rows < 200, `${rows} rows built`);
  await waitFor(() => frame.$eval('canvas.head-lines', (c) => Number((c as HTMLCanvasElement).dataset.lines) > 0), { message: 'head-view lines drawn' });
  await vs.screenshot('head-view');
  await setPanelView(frame, 'kernel');
  await frame.waitForSelector('.kernel-token');
  assert.equal(await frame.locator('.kernel-token').count(), T);
});
