// Live probe, surprisal colours + hover, and ghost text in a real VS Code, checked against the
// model itself: the CLI (`dist/cli.js analyze`) and the model API compute the expected values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchVSCode, repoRoot, testModel, waitFor, type VSCodeSession } from './harness';
import { loadModel, type LoadedModel } from '../../src/model';
import { visibleToken } from '../../src/common/tokenText';
import { prefixStart } from '../../src/editor/prefix';
import { LEVEL_COLOURS, formatProb, probabilityLevel } from '../../src/editor/surprisalLevels';

const FILE = 'probe-notes.txt';
const START = 'The model reads the text before the cursor and guesses what comes next.';

let vs: VSCodeSession;
let model: LoadedModel;
const modelDir = testModel();

interface CliToken { id: number; text: string; start: number; end: number; logprob: number | null }
interface CliResult { tokens: CliToken[]; next: { id: number; token: string; prob: number }[] }

/** The model's own answer for `text`, through the command-line tool. */
function cli(text: string): CliResult {
  const file = path.join(vs.workspace, '.cli-input.txt');
  writeFileSync(file, text);
  const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist/cli.js'), 'analyze', '--model', modelDir.path, '--text-file', file, '--top-k', '10', '--json'], {
    encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as CliResult;
}

/** The prefix the live probe reads for a cursor at the end of `doc`. */
function probePrefix(doc: string): string {
  return doc.slice(prefixStart(doc.length, model.info.contextLength));
}

before(async () => {
  model = await loadModel({ name: 'e2e', path: modelDir.path });
  vs = await launchVSCode({
    name: 'probe',
    settings: {
      'attentionLens.model': modelDir.setting,
      'attentionLens.liveProbe.enabled': true,
      'attentionLens.liveProbe.debounceMs': 20,
      'editor.quickSuggestions': { other: false, comments: false, strings: false },
      'editor.wordBasedSuggestions': 'off',
      'files.autoSave': 'off',
    },
  });
  writeFileSync(path.join(vs.workspace, FILE), START);
  await vs.openFile(FILE);
});

after(async () => {
  await vs?.close();
  await model?.dispose();
});

async function statusProbeText(): Promise<string> {
  const item = vs.page.locator('[id$="attentionLens.liveProbe"]').first();
  return ((await item.textContent().catch(() => '')) ?? '').trim();
}

async function saveAndRead(): Promise<string> {
  await vs.page.keyboard.press('Control+S');
  const file = path.join(vs.workspace, FILE);
  await waitFor(async () => (await vs.page.locator('.tab.active.dirty').count()) === 0, { message: 'the file saved' });
  return readFileSync(file, 'utf8');
}

test('typing updates the status bar and the panel with the model’s actual top token', async () => {
  await vs.page.keyboard.press('Control+End');
  await vs.page.keyboard.type(' It writes', { delay: 30 });
  const doc = START + ' It writes';
  const expected = cli(probePrefix(doc)).next[0]!;
  const label = `${visibleToken(expected.token)} ${formatProb(expected.prob)}`;
  const shown = await waitFor(async () => {
    const t = await statusProbeText();
    return t.endsWith(label) ? t : undefined;
  }, { message: `status bar shows "${label}" (now "${await statusProbeText()}")`, timeoutMs: 60_000 });
  assert.ok(shown.endsWith(label));

  // With the panel open, the probe shows there too, and follows further typing.
  await vs.runCommand('Attention Lens: Show Panel');
  const frame = await vs.webviewFrame('section.probe');
  await vs.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await vs.page.keyboard.press('Control+End');
  await vs.page.keyboard.type(' a', { delay: 30 });
  const next = cli(probePrefix(doc + ' a')).next;
  await waitFor(async () => {
    const tokens = await frame.locator('section.probe:not([hidden]) .next-token').allTextContents();
    return tokens.length === next.length && tokens.every((t, i) => t === next[i]!.token);
  }, { message: `panel probe lists ${JSON.stringify(next.map((n) => n.token))}`, timeoutMs: 30_000 });
  await vs.screenshot('live-probe');
});

/** Decorated text runs with the surprisal level their background colour stands for. */
async function surprisalRuns(): Promise<{ level: number; text: string }[]> {
  return vs.page.locator('.editor-instance .monaco-editor').first().evaluate((editor, colourIds) => {
    const css = getComputedStyle(editor);
    const toRgba = (c: string) => {
      const probe = document.createElement('div');
      probe.style.backgroundColor = c;
      document.body.append(probe);
      const v = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return v;
    };
    const levelColours = colourIds.map((id) => toRgba(css.getPropertyValue(`--vscode-${id.replace(/\./g, '-')}`).trim()));
    const chars: { ch: string; x: number; y: number }[] = [];
    for (const line of editor.querySelectorAll('.view-lines .view-line')) {
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const t = n.textContent ?? '';
        for (let i = 0; i < t.length; i++) {
          const r = document.createRange();
          r.setStart(n, i);
          r.setEnd(n, i + 1);
          const b = r.getBoundingClientRect();
          chars.push({ ch: t[i] === '\u00a0' ? ' ' : t[i]!, x: b.left + b.width / 2, y: b.top + b.height / 2 });
        }
      }
    }
    const out: { level: number; text: string }[] = [];
    for (const d of editor.querySelectorAll('[class*="ced-"]')) {
      const level = levelColours.indexOf(getComputedStyle(d).backgroundColor);
      if (level < 0) continue;
      const b = d.getBoundingClientRect();
      const text = chars.filter((c) => c.x >= b.left && c.x <= b.right && c.y >= b.top && c.y <= b.bottom).map((c) => c.ch).join('');
      if (text) out.push({ level, text });
    }
    return out;
  }, [...LEVEL_COLOURS]);
}

test('surprisal colours each token by its probability bucket, and the hover tells its numbers', async () => {
  await vs.updateSettings({ 'attentionLens.surprisal.mode': 'probability', 'attentionLens.liveProbe.enabled': false });
  const selected = 'reads the text before the cursor and guesses what comes next';
  await vs.selectText(selected);
  await vs.runCommand('Attention Lens: Toggle Surprisal');

  // Expected: the model's probabilities for the selected text, grouped into touching same-level runs
  // (the editor draws touching ranges of one decoration type as one box).
  const analysis = cli(selected);
  const runs: { level: number; text: string }[] = [];
  let prevEnd = -1;
  for (const t of analysis.tokens) {
    if (t.logprob === null || t.end === t.start) continue;
    const level = probabilityLevel(Math.exp(t.logprob));
    const last = runs[runs.length - 1];
    if (last && last.level === level && prevEnd === t.start) last.text += selected.slice(t.start, t.end);
    else runs.push({ level, text: selected.slice(t.start, t.end) });
    prevEnd = t.end;
  }
  const key = (r: { level: number; text: string }[]) => r.map((x) => `${x.level}:${x.text}`).sort();
  await waitFor(async () => JSON.stringify(key(await surprisalRuns())) === JSON.stringify(key(runs)), {
    message: `surprisal runs ${JSON.stringify(runs)} (now ${JSON.stringify(await surprisalRuns().catch(() => []))})`,
    timeoutMs: 60_000,
  });
  await vs.screenshot('surprisal');

  // Hover the middle of a token that has a probability: the hover shows it, with its rank.
  const target = analysis.tokens.find((t) => t.logprob !== null && t.end - t.start >= 4)!;
  const word = selected.slice(target.start, target.end).trim();
  const box = await vs.page.locator('.editor-instance .view-line span', { hasText: word }).first().evaluate((span, w) => {
    const text = span.textContent ?? '';
    const at = text.indexOf(w);
    const node = [...span.childNodes].find((n) => n.nodeType === Node.TEXT_NODE) ?? span.firstChild!;
    const r = document.createRange();
    r.setStart(node, at + 1);
    r.setEnd(node, at + 2);
    const b = r.getBoundingClientRect();
    return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
  }, word);
  await vs.page.mouse.move(box.x, box.y);
  const probText = formatProb(Math.exp(target.logprob!));
  const hover = await waitFor(async () => {
    const t = await vs.page.locator('.monaco-hover:visible').allTextContents().catch(() => []);
    return t.find((s) => s.includes('Attention Lens'));
  }, { message: 'the surprisal hover', timeoutMs: 20_000 });
  assert.ok(hover.includes(`Probability ${probText}`), `hover "${hover}" shows ${probText}`);
  assert.match(hover, /rank \d+ of \d+/);
  assert.match(hover, /top alternatives/);
  await vs.screenshot('surprisal-hover');

  await vs.runCommand('Attention Lens: Toggle Surprisal');
  await waitFor(async () => (await surprisalRuns()).length === 0, { message: 'surprisal colours removed' });
});

test('ghost text offers the model’s greedy continuation, inserted only when accepted', async () => {
  await vs.updateSettings({ 'attentionLens.ghostText.enabled': true, 'attentionLens.ghostText.maxTokens': 4 });
  const before = await saveAndRead();
  const typed = ' The';
  await vs.page.keyboard.press('Escape');
  await vs.page.keyboard.press('Control+End');
  await vs.page.keyboard.type(typed, { delay: 30 });
  const continuation = await model.continueGreedy(probePrefix(before + typed), 4);
  assert.notEqual(continuation, '', 'precondition: the model continues this text');
  const ghost = vs.page.locator('.editor-instance .ghost-text-decoration, .editor-instance .ghost-text');
  await waitFor(async () => (await ghost.count()) > 0, { message: `ghost text ${JSON.stringify(continuation)} shown`, timeoutMs: 30_000 });

  // Dismissed: nothing inserted.
  await vs.page.keyboard.press('Escape');
  await waitFor(async () => (await ghost.count()) === 0, { message: 'ghost text dismissed' });
  assert.equal(await saveAndRead(), before + typed);

  // Shown again on the next keystroke, and accepted with Tab: exactly the continuation is inserted.
  await vs.page.keyboard.type('y', { delay: 30 });
  const again = await model.continueGreedy(probePrefix(before + typed + 'y'), 4);
  await waitFor(async () => (await ghost.count()) > 0, { message: `ghost text ${JSON.stringify(again)} shown again`, timeoutMs: 30_000 });
  await vs.page.keyboard.press('Tab');
  assert.equal(await saveAndRead(), before + typed + 'y' + again);
});
