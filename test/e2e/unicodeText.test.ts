// Non-ASCII text in a real VS Code: selecting "naïve café 한국어 😀 中文" shows those characters (not
// byte escapes) in the token strip and the kernel view, read from the panel's DOM, and hovering the
// token that holds 한 highlights 한 in the editor.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVSCode, testModel, waitFor, type VSCodeSession } from './harness';
import { cliAnalyze } from './cli';
import { setPanelView, waitForAnalysis } from './panel';

const TEXT = 'naïve café 한국어 😀 中文';
const FILE = 'unicode.txt';
const model = testModel();
let vs: VSCodeSession;

before(async () => {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-unicode-'));
  writeFileSync(path.join(workspace, FILE), `${TEXT}\n`);
  vs = await launchVSCode({ name: 'unicode', workspaceSource: workspace, settings: { 'attentionLens.model': model.setting } });
});

after(async () => {
  await vs?.close();
});

/** Visible labels back to text: ␣ is a space. */
const asText = (labels: string[]) => labels.join('').replaceAll('␣', ' ');

test('the token strip and the kernel view show the selected characters, each split one once', async () => {
  const T = cliAnalyze(model.path, TEXT).tokens.length;
  await vs.openFile(FILE);
  // The whole first line (selectText moves by UTF-16 columns, and one ArrowRight crosses all of 😀).
  await vs.goTo({ line: 1, column: 1 });
  await vs.page.keyboard.press('Shift+End');
  await waitFor(async () => /\(\d+ selected\)/.test(await vs.statusSelection()), { message: 'the first line selected', timeoutMs: 15_000 });
  await waitFor(async () => {
    await vs.runCommand('Attention Lens: Inspect Selection');
    return waitForAnalysis(vs, T, 20_000).catch(() => undefined);
  }, { message: `an analysis of ${T} tokens`, timeoutMs: 120_000 });
  const frame = await waitForAnalysis(vs, T);

  const strip = await frame.$$eval('.strip-token', (spans) => spans.map((s) => ({ text: s.textContent ?? '', special: s.classList.contains('special'), continuation: s.classList.contains('continuation'), title: (s as HTMLElement).title })));
  // The BOS the tokenizer adds (<|endoftext|>) is shown as itself; the rest reads as the text.
  assert.equal(asText(strip.filter((s) => !s.special).map((s) => s.text)), TEXT, 'the strip reads as the text');
  assert.ok(strip.every((s) => !/<0x|‹0x/.test(s.text)), 'no byte escapes in the strip');
  for (const ch of ['ï', 'é', '한', '국', '어', '😀', '中', '文']) assert.ok(strip.some((s) => s.text.includes(ch)), `${ch} is shown`);
  // Byte-level pieces of one character: its other tokens are continuation markers with bytes in their tooltip.
  for (const s of strip.filter((x) => x.continuation)) assert.match(s.title, /‹0x[0-9A-F]{2}/);
  await vs.screenshot('unicode-strip');

  await setPanelView(frame, 'kernel');
  await frame.waitForSelector('.kernel-token');
  const kernel = await frame.$$eval('.kernel-token', (spans) => spans.map((s) => s.textContent ?? ''));
  assert.equal(kernel.filter((_, i) => !strip[i]!.special).join(''), TEXT, 'the kernel view is the text itself');
  await vs.screenshot('unicode-kernel');
});

test('hovering the token of 한 highlights 한 in the editor', async () => {
  const frame = await vs.webviewFrame('.strip-token');
  await vs.clearNotifications();
  const index = await frame.$$eval('.strip-token', (spans) => spans.findIndex((s) => (s.textContent ?? '').includes('한')));
  assert.ok(index >= 0, 'a token shows 한');
  await frame.hover(`.strip-token[data-index="${index}"]`);
  const texts = await waitFor(async () => {
    const t = await vs.decoratedTexts();
    return t.length > 0 ? t : undefined;
  }, { message: 'an editor highlight after hovering the token of 한' });
  await vs.screenshot('unicode-hover');
  assert.ok(texts.join('').includes('한'), `the highlight covers 한 (got ${JSON.stringify(texts)})`);
});
