// Inspect Selection in a real VS Code (code-server) through a real browser, checked against the
// model itself through the CLI: the panel's heatmap pixels, its next-token list, panel → editor
// highlighting, editor → panel following, and the error paths a person can hit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launchVSCode, offsetToPosition, testModel, waitFor, type VSCodeSession } from './harness';
import { cliAnalyze, headMatrix, type CliAnalysis } from './cli';
import { checkHeatmapPixels, currentStripToken, nextTokens, waitForAnalysis, waitForOpeningHead } from './panel';
import { visibleToken, withoutInvisible } from '../../src/common/tokenText';

/** How the panel labels a token: whitespace made visible (␣ ⏎ ⇥), invisible characters spelled out. */
const label = (token: string) => withoutInvisible(visibleToken(token));

const INSPECT = 'Attention Lens: Inspect Selection';
const FILE = 'notes.md';
/** Two sentences from sample/notes.md (repeated words give attention heads something to find). */
const TEXT = 'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the';
const model = testModel();
let vs: VSCodeSession;

before(async () => {
  vs = await launchVSCode({ name: 'inspect', settings: { 'attentionLens.model': model.setting } });
});

after(async () => {
  await vs?.close();
});

/** Offset of TEXT in the opened file, to map token ranges to editor positions. */
function fileText(): string {
  return readFileSync(path.join(vs.workspace, FILE), 'utf8');
}

test('the workbench loads, the command is listed and the extension activates', async () => {
  assert.ok(await vs.hasCommand(INSPECT), `"${INSPECT}" is in the Command Palette`);
  await vs.openFile(FILE);
  await vs.goTo({ line: 1, column: 1 });
  await vs.runCommand(INSPECT); // empty selection: activates the extension, which says what to do
  await vs.waitForNotification(/Attention Lens: nothing is selected/);
  await waitFor(() => /ExtensionService#_doActivateExtension attention-lens\.attention-lens/.test(vs.extensionHostLog()), {
    message: 'the extension host log to show Attention Lens activated',
  });
  assert.doesNotMatch(vs.extensionHostLog(), /Activating extension .attention-lens.attention-lens. failed/);
  assert.doesNotMatch(vs.extensionHostLog(), /attention-lens' uses a document selector without scheme/);
  await vs.screenshot('empty-selection');
});

let reference: CliAnalysis;

test('Inspect Selection from the Command Palette draws the model\'s attention and top next token', async () => {
  reference = cliAnalyze(model.path, TEXT);
  const T = reference.tokens.length;
  assert.ok(T >= 8, `the reference text has ${T} tokens`);
  await vs.openFile(FILE);
  await vs.selectText(TEXT);
  await waitFor(async () => {
    await vs.runCommand(INSPECT);
    return waitForAnalysis(vs, T, 20_000).catch(() => undefined); // the setting may take a moment to apply
  }, { message: `an analysis of ${T} tokens`, timeoutMs: 120_000 });
  const frame = await waitForAnalysis(vs, T);
  await vs.screenshot('palette-inspect');

  // A first panel opens on the most distinctive head: every cell's colour must be the legend's colour for the CLI weight.
  const opening = await waitForOpeningHead(frame, reference);
  const pixels = await checkHeatmapPixels(frame, headMatrix(reference, opening.layer, opening.head), T);
  assert.equal(pixels.cells, T * T, 'every cell is on screen');
  assert.deepEqual(pixels.mismatches.slice(0, 5), [], `${pixels.mismatches.length} of ${pixels.cells} cells differ`);
  assert.ok(pixels.distinctColours >= 3, `the heatmap has ${pixels.distinctColours} distinct colours`);

  const shown = await nextTokens(frame);
  assert.ok(shown.length >= 1, 'the next-token list is filled');
  assert.equal(shown[0]!.token, label(reference.next[0]!.token), 'the top next token is the model\'s');
  assert.ok(Math.abs(shown[0]!.prob - reference.next[0]!.prob) < 2e-3, `probability ${shown[0]!.prob} vs ${reference.next[0]!.prob}`);
});

test('the heatmap uses the panel\'s width rather than a thumbnail', async () => {
  const frame = await waitForAnalysis(vs, reference.tokens.length);
  const size = await frame.$eval('.heatmap-base', (el) => {
    const c = el as HTMLCanvasElement;
    return { cell: Number(c.dataset.cell), panel: document.body.clientWidth };
  });
  const plot = size.cell * reference.tokens.length;
  assert.ok(size.panel >= 400, `the panel is ${size.panel} px wide`);
  assert.ok(plot >= size.panel * 0.4, `the ${reference.tokens.length}×${reference.tokens.length} heatmap is ${plot.toFixed(0)} px wide in a ${size.panel} px panel`);
});

test('hovering a token in the panel highlights its range in the editor', async () => {
  const frame = await waitForAnalysis(vs, reference.tokens.length);
  await vs.clearNotifications(); // a toast over the panel would take the pointer
  // The longest token that has visible text and stays on one line.
  const candidates = reference.tokens
    .map((t, i) => ({ i, text: TEXT.slice(t.start, t.end) }))
    .filter((c) => c.text.trim().length > 0 && !c.text.includes('\n'));
  const pick = candidates.reduce((a, b) => (b.text.trim().length > a.text.trim().length ? b : a));
  assert.deepEqual(await vs.decoratedTexts(), [], 'no highlight before hovering');
  await frame.hover(`.strip-token[data-index="${pick.i}"]`);
  const texts = await waitFor(async () => {
    const t = await vs.decoratedTexts();
    return t.length > 0 ? t : undefined;
  }, { message: `an editor highlight after hovering token ${pick.i} "${pick.text}"` });
  await vs.screenshot('hover-highlight');
  assert.deepEqual(texts.map((t) => t.trim()), [pick.text.trim()]);
  await frame.hover('.notice'); // leaving the token clears the highlight
  await waitFor(async () => (await vs.decoratedTexts()).length === 0, { message: 'the highlight to clear' });
});

test('moving the editor cursor inside the analysed text moves the panel\'s selected token', async () => {
  const frame = await waitForAnalysis(vs, reference.tokens.length);
  const content = fileText();
  const base = content.indexOf(TEXT);
  for (const index of [2, reference.tokens.length - 3]) {
    const t = reference.tokens[index]!;
    const inside = t.end - t.start > 1 ? t.start + 1 : t.start; // a cursor strictly inside the token
    await vs.goTo(offsetToPosition(content, base + inside));
    await waitFor(async () => (await currentStripToken(frame)) === index, {
      message: `the panel to select token ${index} (selected: ${await currentStripToken(frame)})`,
    });
  }
  await vs.screenshot('cursor-follow');
});

test('Inspect Selection from the editor context menu analyses the new selection', async () => {
  const text = 'Attention is a kernel smoother: each position takes a weighted average of the';
  const ref = cliAnalyze(model.path, text);
  await vs.clearNotifications();
  await vs.selectText(text);
  await vs.runContextMenu('Inspect Selection');
  const frame = await waitForAnalysis(vs, ref.tokens.length);
  const opening = await waitForOpeningHead(frame, ref); // until a head is picked, each analysis opens on its most distinctive one
  const pixels = await checkHeatmapPixels(frame, headMatrix(ref, opening.layer, opening.head), ref.tokens.length);
  assert.deepEqual(pixels.mismatches.slice(0, 5), [], `${pixels.mismatches.length} of ${pixels.cells} cells differ`);
  assert.equal((await nextTokens(frame))[0]!.token, label(ref.next[0]!.token));
  await vs.screenshot('context-menu-inspect');
});

test('a model folder that goes missing after a model is loaded keeps the loaded model and says so', async () => {
  await vs.clearNotifications();
  await vs.updateSettings({ 'attentionLens.model': `${vs.workspace}/gone-model` });
  const message = await vs.waitForNotification(/Could not load model/, 60_000);
  assert.match(message, /gone-model/);
  assert.match(message, /still using/);
  // Nothing is lost: Inspect Selection still answers, from the model in use, and says which one.
  await vs.selectText(TEXT);
  await vs.runCommand(INSPECT);
  const frame = await waitForAnalysis(vs, reference.tokens.length);
  const notice = await frame.locator('.notice').innerText();
  assert.doesNotMatch(notice, /gone-model/);
  assert.match(notice, /layers ×/);
  await vs.updateSettings({ 'attentionLens.model': model.setting });
});
