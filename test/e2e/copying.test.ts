// The bundled model on sample/copying.py in a real VS Code: the panel opens on a head that copies
// (induction), its head statistics show the induction and previous-token heads the model card
// reports, and the numbers are the CLI's. Screenshots of the heatmap, the overview and the head
// view with its LZ77 arcs are kept (test-artifacts/e2e/copying/) for the README.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launchVSCode, offsetToPosition, repoRoot, testModel, type VSCodeSession } from './harness';
import { cliAnalyze } from './cli';
import { setPanelView, waitForAnalysis, waitForOpeningHead } from './panel';
import { waitFor } from './pageHelpers';
import { allHeadStats, HEAD_STAT_NAMES } from '../../src/common/stats';

const FILE = 'copying.py';
/** The model card's bar for an induction head, met on this file (0.59 by L3.H0). */
const INDUCTION_BAR = 0.4;
/** The model card's bar for a previous-token head, met on this file (0.65 by L0.H3). */
const PREVIOUS_TOKEN_BAR = 0.6;
const model = testModel();
let vs: VSCodeSession;

before(async () => { vs = await launchVSCode({ name: 'copying', settings: { 'attentionLens.model': model.setting } }); });
after(async () => { await vs?.close(); });

test('the whole of sample/copying.py: the panel opens on the most distinctive head, and its statistics show copying', async () => {
  const text = readFileSync(path.join(repoRoot, 'sample', FILE), 'utf8');
  const reference = cliAnalyze(model.path, text);
  const [L, H, T] = reference.attention.shape;
  await vs.openFile(FILE);
  await vs.selectRange({ line: 1, column: 1 }, offsetToPosition(text, text.length));
  await vs.runCommand('Attention Lens: Inspect Selection');
  const frame = await waitForAnalysis(vs, T);
  const opening = await waitForOpeningHead(frame, reference);
  await vs.screenshot('heatmap');

  // The statistics table: the same numbers as the shared statistics of the CLI's attention.
  const stats = allHeadStats(Float32Array.from(reference.attention.data), L, H, T, reference.tokens.map((t) => t.id), true); // [L, H, S]
  const at = (l: number, h: number, name: string) => stats[(l * H + h) * HEAD_STAT_NAMES.length + HEAD_STAT_NAMES.indexOf(name as never)]!;
  await setPanelView(frame, 'stats');
  await frame.waitForSelector('.stats-table tbody tr');
  const shown = await frame.$$eval('.stats-table tbody tr', (rows) => rows.map((r) => ({
    layer: Number(r.getAttribute('data-layer')), head: Number(r.getAttribute('data-head')),
    induction: r.querySelector('td[data-stat="induction"]')!.textContent!, previousToken: r.querySelector('td[data-stat="previousToken"]')!.textContent!,
  })));
  assert.equal(shown.length, L * H);
  for (const r of shown) {
    assert.equal(r.induction, at(r.layer, r.head, 'induction').toFixed(3), `L${r.layer}.H${r.head} induction`);
    assert.equal(r.previousToken, at(r.layer, r.head, 'previousToken').toFixed(3), `L${r.layer}.H${r.head} previous-token`);
  }
  const best = (name: string) => Math.max(...shown.map((r) => Number(name === 'induction' ? r.induction : r.previousToken)));
  assert.ok(best('induction') >= INDUCTION_BAR, `an induction head (best ${best('induction')})`);
  assert.ok(best('previousToken') >= PREVIOUS_TOKEN_BAR, `a previous-token head (best ${best('previousToken')})`);

  await setPanelView(frame, 'overview');
  await frame.waitForSelector('.overview button.thumb');
  await vs.screenshot('overview');

  // The head view, fitted to its height, of the opening (induction) head alone, with the text's
  // LZ77 copies drawn beside the key column: the README's picture of copying.
  await setPanelView(frame, 'headView');
  // Only the rows on screen are built until the view is fitted; fitted, every row is on screen.
  await frame.waitForSelector('.head-col-left .head-token');
  await frame.click('.head-fit');
  await waitFor(async () => (await frame.$$('.head-col-left .head-token')).length === T, { message: 'every token\'s row in the fitted head view' });
  for (let h = 0; h < H; h++) if (h !== opening.head) await frame.click(`.head-chip:nth-of-type(${h + 1})`);
  assert.deepEqual(await frame.$$eval('.head-chip', (c) => c.map((x) => x.getAttribute('aria-pressed'))), Array.from({ length: H }, (_, h) => String(h === opening.head)));
  await vs.page.mouse.move(1, 1);
  const arcs = await waitFor(async () => {
    const label = await frame.$eval('canvas.lz-arcs', (c) => c.getAttribute('aria-label') ?? '').catch(() => '');
    return /^\d+ LZ77 cop/.test(label) ? label : undefined;
  }, { message: 'the LZ77 arcs in the head view' });
  assert.ok(Number(/^\d+/.exec(arcs)![0]) >= 1, arcs);
  await vs.screenshot('head-view-lz');
});
