// Heads switched off from the panel, and the q·k view, in a real VS Code (code-server, light theme)
// on the bundled model and sample/copying.py: Alt+click on a head in the overview switches it off,
// every token's numbers move exactly as the CLI's `--ablation` says zeroing that head moves them,
// the banner and the status bar say so, "Switch all on" gives back the CLI's plain numbers; then the
// q·k breakdown of a heatmap cell has the CLI's weight, and its scores differ as the log weights do.
// Screenshots (test-artifacts/e2e/heads-off/) go to the README.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { launchVSCode, offsetToPosition, repoRoot, testModel, waitFor, type VSCodeSession } from './harness';
import type { CliAnalysis } from './cli';
import { setPanelView, waitForAnalysis } from './panel';
import { fmt } from '../../webview/dom';

const FILE = 'copying.py';
const model = testModel();
let vs: VSCodeSession;
let frame: Frame;
let reference: CliAnalysis & { ablation: { shape: [number, number, number]; data: (number | null)[] } };

/** The CLI's analysis of `text` with `--ablation`. */
function cliAblation(text: string): typeof reference {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-'));
  try {
    const file = path.join(dir, 'input.txt');
    writeFileSync(file, text);
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'analyze', '--model', model.path, '--text-file', file, '--ablation', '--json'], {
      encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'],
    });
    return JSON.parse(out) as typeof reference;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the token strip says of a token with log-probability `logprob` (as webview/tokens.ts writes it). */
const stripNumbers = (logprob: number) => ({ surprisal: fmt(-logprob, 2), p: fmt(Math.exp(logprob), 4) });

/** Every strip token's surprisal and p as shown (null for a token without a prediction). */
async function shownNumbers(): Promise<({ surprisal: string; p: string } | null)[]> {
  return frame.$$eval('.strip-section .strip-token', (spans) => spans.map((s) => {
    const m = /surprisal (\S+) nats, p = (\S+?)(,|;|$)/.exec(s.getAttribute('title') ?? '');
    return m ? { surprisal: m[1]!, p: m[2]! } : null;
  }));
}

before(async () => {
  vs = await launchVSCode({ name: 'heads-off', settings: { 'attentionLens.model': model.setting, 'workbench.colorTheme': 'Default Light Modern' } });
});
after(async () => { await vs?.close(); });

test('one head switched off from the panel moves every token as the CLI’s ablation says; all on again gives the plain numbers', async () => {
  const text = readFileSync(path.join(repoRoot, 'sample', FILE), 'utf8');
  reference = cliAblation(text);
  const [L, H, T] = reference.ablation.shape;
  const delta = (l: number, h: number, t: number) => reference.ablation.data[(l * H + h) * T + t]; // [L, H, T]
  // The head whose removal moves the tokens most: its change is plain to see.
  let off = { layer: 0, head: 0 }, most = -1;
  for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) {
    let s = 0;
    for (let t = 1; t < T; t++) s += Math.abs(delta(l, h, t) ?? 0);
    if (s > most) [off, most] = [{ layer: l, head: h }, s];
  }
  await vs.openFile(FILE);
  await vs.selectRange({ line: 1, column: 1 }, offsetToPosition(text, text.length));
  await vs.runCommand('Attention Lens: Inspect Selection');
  frame = await waitForAnalysis(vs, T);
  const plain = reference.tokens.map((t) => (t.logprob === null ? null : stripNumbers(t.logprob)));
  assert.deepEqual(await shownNumbers(), plain, 'before: the CLI’s numbers');

  await setPanelView(frame, 'overview');
  const thumb = frame.locator(`.overview button.thumb[data-layer="${off.layer}"][data-head="${off.head}"]`);
  await thumb.click({ modifiers: ['Alt'] });
  const banner = frame.locator('.heads-off');
  await waitFor(async () => /Heads switched off: L\d\.H\d\./.test(await banner.textContent() ?? '') && !(await banner.isHidden()), { message: 'the heads-off banner' });
  assert.match(await frame.locator('.heads-off-text').textContent() ?? '', new RegExp(`^Heads switched off: L${off.layer}\\.H${off.head}\\. `));
  await frame.locator(`.overview button.thumb.head-off[data-layer="${off.layer}"][data-head="${off.head}"]`).waitFor();
  await vs.page.locator('.statusbar-item', { hasText: '1 head off' }).first().waitFor();
  await vs.screenshot('heads-off');

  // Token t's log-probability with the head off is the plain one plus the CLI's change for that head.
  const shown = await shownNumbers();
  let moved = 0;
  for (let t = 0; t < T; t++) {
    const lp = reference.tokens[t]!.logprob, d = delta(off.layer, off.head, t);
    if (lp === null || d === null || d === undefined) { assert.equal(shown[t], null, `token ${t} has no prediction`); continue; }
    const want = lp + d;
    const got = shown[t]!;
    // The panel and the CLI's ablation are two runs of the gated graph: equal up to float rounding of the shown digits.
    assert.ok(Math.abs(Number(got.surprisal) + want) <= 0.005 + 1e-5, `token ${t}: surprisal ${got.surprisal}, CLI ablation says ${(-want).toFixed(5)}`);
    assert.ok(Math.abs(Number(got.p) - Math.exp(want)) <= 0.00005 + 1e-6, `token ${t}: p ${got.p}, CLI ablation says ${Math.exp(want).toFixed(6)}`);
    if (got.surprisal !== plain[t]!.surprisal) moved++;
  }
  assert.ok(moved >= 10, `switching L${off.layer}.H${off.head} off moves many tokens (${moved})`);

  await frame.locator('.heads-off .heads-off-all-on').click();
  await waitFor(async () => await banner.isHidden(), { message: 'the banner to go' });
  await waitFor(async () => JSON.stringify(await shownNumbers()) === JSON.stringify(plain), { message: 'the plain numbers again', timeoutMs: 60_000 });
  await vs.page.locator('.statusbar-item', { hasText: /\d+ heads? off/ }).first().waitFor({ state: 'detached' });
});

test('the q·k breakdown of a heatmap cell has the CLI’s weight, and its scores differ as the CLI’s log weights do', async () => {
  const [, H, T] = reference.attention.shape;
  // A copying cell: in the head the panel opened on (the most distinctive), the strongest weight on a
  // key at least 16 tokens back that is not the first token (the sink); then that query's next-strongest key.
  const layer = Number(await frame.$eval('#ctl-layer', (e) => (e as HTMLSelectElement).value));
  const head = Number(await frame.$eval('#ctl-head', (e) => (e as HTMLSelectElement).value));
  assert.ok(Number.isInteger(head), 'the panel shows one head');
  const weight = (q: number, k: number) => reference.attention.data[((layer * H + head) * T + q) * T + k]!; // [L, H, Q, K]
  let q = T - 1, key = 1;
  for (let qq = 17; qq < T; qq++) for (let k = 1; k <= qq - 16; k++) if (weight(qq, k) > weight(q, key)) [q, key] = [qq, k];
  const second = Array.from({ length: q + 1 }, (_, k) => k).filter((k) => k !== key).sort((a, b) => weight(q, b) - weight(q, a))[0]!;

  await setPanelView(frame, 'heatmap');
  await waitForAnalysis(vs, T);
  // Double-click the cell, as a person would (the heatmap scrolls to the query first).
  await frame.evaluate(([qq, kk]) => {
    const overlay = document.querySelector('.heatmap-overlay') as HTMLCanvasElement;
    const base = document.querySelector('canvas.heatmap-base') as HTMLCanvasElement;
    const cell = Number(base.dataset.cell), r = base.getBoundingClientRect();
    // A mouse event's client point is whole pixels: take the first whole pixel inside the cell (cells
    // here are a little over 1 px, so the cell's centre could round into its neighbour).
    const x = Math.ceil(r.left + Number(base.dataset.plotX) + (kk! - Number(base.dataset.panCol)) * cell + 0.01);
    const y = Math.ceil(r.top + Number(base.dataset.plotY) + (qq! - Number(base.dataset.panRow)) * cell + 0.01);
    overlay.dispatchEvent(new MouseEvent('dblclick', { clientX: x, clientY: y, bubbles: true }));
  }, [q, key]);
  await frame.locator('.qk .qk-sum').waitFor();
  await waitFor(async () => new RegExp(`^L${layer}\\.H${head}: query ${q} .* key ${key} `).test(await frame.locator('.qk-title').textContent() ?? ''), { message: `the q·k view of cell (${q}, ${key})` });
  const chosenInView = () => frame.$eval('.qk-keys', (list) => {
    const a = list.getBoundingClientRect(), b = list.querySelector('.qk-chosen')!.getBoundingClientRect();
    return b.top >= a.top && b.bottom <= a.bottom;
  });
  await waitFor(chosenInView, { message: `key ${key} in view in the query's row of keys` });
  await vs.screenshot('qk-view');
  const read = async () => frame.$eval('.qk-sum', (e) => ({ score: Number(e.getAttribute('data-score')), weight: Number(e.getAttribute('data-weight')) }));
  const first = await read();
  assert.ok(Math.abs(first.weight - weight(q, key)) <= 1e-5, `weight ${first.weight} vs the CLI's ${weight(q, key)}`);

  await frame.locator(`.qk-key[data-key="${second}"]`).click();
  await waitFor(async () => new RegExp(`key ${second} `).test(await frame.locator('.qk-title').textContent() ?? ''), { message: `the q·k view of key ${second}` });
  const other = await read();
  assert.ok(Math.abs(other.weight - weight(q, second)) <= 1e-5, `weight ${other.weight} vs the CLI's ${weight(q, second)}`);
  // Softmax: the difference of two scores is the log of their weights' ratio.
  const want = Math.log(weight(q, key) / weight(q, second));
  assert.ok(Math.abs((first.score - other.score) - want) <= 1e-3 * Math.max(1, Math.abs(want)), `score difference ${first.score - other.score} vs ln of the CLI's weight ratio ${want}`);
});
