// Live probe, surprisal colours + hover, and ghost text in a real VS Code, checked against the
// model itself: the CLI (`dist/cli.js analyze`) and the model API compute the expected values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { launchVSCode, offsetToPosition, repoRoot, testModel, waitFor, type VSCodeSession } from './harness';
import { loadModel, type LoadedModel } from '../../src/model';
import { visibleToken } from '../../src/common/tokenText';
import { prefixStart } from '../../src/editor/prefix';
import { LEVEL_COLOURS, formatProb, probabilityLevel } from '../../src/editor/surprisalLevels';

const FILE = 'probe-notes.txt';
// Short lines: with the panel beside it the editor is narrow, and nothing should scroll sideways.
const START = 'Attention Lens probes the model.\nIt reads the text before the cursor and guesses\nwhat comes next.';

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

/** Screen centre of character `index` of the first occurrence of `text` in the visible editor lines. */
async function charBox(text: string, index: number): Promise<{ x: number; y: number }> {
  return vs.page.locator('.editor-instance .monaco-editor').first().evaluate((editor, [t, i]) => {
    for (const line of editor.querySelectorAll('.view-lines .view-line')) {
      const chars: { ch: string; x: number; y: number }[] = [];
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const s = n.textContent ?? '';
        for (let k = 0; k < s.length; k++) {
          const r = document.createRange();
          r.setStart(n, k);
          r.setEnd(n, k + 1);
          const b = r.getBoundingClientRect();
          chars.push({ ch: s[k] === '\u00a0' ? ' ' : s[k]!, x: b.left + b.width / 2, y: b.top + b.height / 2 });
        }
      }
      const at = chars.map((c) => c.ch).join('').indexOf(t as string);
      if (at >= 0) return { x: chars[at + (i as number)]!.x, y: chars[at + (i as number)]!.y };
    }
    throw new Error(`"${t}" is not on screen`);
  }, [text, index] as const);
}

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
  const selected = 'reads the text before the cursor and guesses'; // one line: boxes per line are compared
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

  // Hover inside a token that has a probability: the hover shows its numbers.
  const target = analysis.tokens.find((t) => t.logprob !== null && t.end - t.start >= 2 && selected[t.start + 1] !== ' ')!;
  assert.ok(target, 'precondition: a token of two or more characters');
  const box = await charBox(selected, target.start + 1);
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

  // At another temperature the hover recomputes the token's probability: softmax(logits / T) at its rank.
  const t = 0.5;
  await vs.updateSettings({ 'attentionLens.temperature': t });
  const tempered = await model.probe(selected.slice(0, target.start), { topK: 1000, temperature: t, useCache: false });
  const at = tempered.next.findIndex((n) => n.id === target.id);
  assert.ok(at >= 0, 'precondition: the token is within the top 1000');
  const temperedText = formatProb(tempered.next[at]!.prob);
  try {
    // The setting reaches the extension host asynchronously: re-open the hover until it is computed with it.
    const hot = await waitFor(async () => {
      await vs.page.mouse.move(5, 5);
      await waitFor(async () => (await vs.page.locator('.monaco-hover:visible').count()) === 0, { message: 'hover closed' });
      await vs.page.mouse.move(box.x, box.y);
      return waitFor(async () => {
        const all = await vs.page.locator('.monaco-hover:visible').allTextContents().catch(() => []);
        return all.find((s) => s.includes('Attention Lens') && s.includes(`temperature ${t}`));
      }, { message: `the surprisal hover at temperature ${t}`, timeoutMs: 4_000 }).catch(() => undefined);
    }, { message: `the surprisal hover at temperature ${t}`, timeoutMs: 40_000 });
    assert.ok(hot.includes(`Probability ${temperedText}`), `hover "${hot}" shows ${temperedText}`);
  } finally {
    // Later tests need the default temperature and no surprisal colours, whatever happened above.
    await vs.updateSettings({ 'attentionLens.temperature': 1 });
    await vs.runCommand('Attention Lens: Toggle Surprisal');
    await waitFor(async () => (await surprisalRuns()).length === 0, { message: 'surprisal colours removed' });
  }
});

/** Typed endings to try: the first whose continuation starts with visible text on its first line is used. */
const GHOST_CANDIDATES = [' The', ' It', ' and', ' wor', ' th', ' import', ' fun', ' he said'];
const GHOST_TOKENS = 3;

test('ghost text offers the model’s greedy continuation, inserted only when accepted', async () => {
  await vs.updateSettings({ 'attentionLens.ghostText.enabled': true, 'attentionLens.ghostText.maxTokens': GHOST_TOKENS });
  const before = await saveAndRead();
  let typed = '';
  let continuation = '';
  for (const candidate of GHOST_CANDIDATES) {
    continuation = await model.continueGreedy(probePrefix(before + candidate), GHOST_TOKENS);
    typed = candidate;
    if (continuation.split('\n')[0]!.trim() !== '') break;
  }
  assert.notEqual(continuation.split('\n')[0]!.trim(), '', 'precondition: some candidate ending gets a visible continuation');
  const firstLine = continuation.split('\n')[0]!;
  const ghost = vs.page.locator('.editor-instance .ghost-text-decoration');
  const ghostText = async () => ((await ghost.allTextContents().catch(() => [])).join('')).replace(/\u00a0/g, ' ');

  await vs.page.keyboard.press('Escape');
  await vs.page.keyboard.press('Control+End');
  await vs.page.keyboard.type(typed, { delay: 30 });
  // VS Code asks once per edit; if that request was cancelled by a later keystroke on a busy
  // machine, ask again with the trigger key (Alt+\) a person would use.
  await waitFor(async () => {
    if ((await ghostText()) === firstLine) return true;
    await vs.page.keyboard.press('Alt+Backslash');
    return waitFor(async () => (await ghostText()) === firstLine, { message: 'ghost text', timeoutMs: 8_000 }).catch(() => false);
  }, { message: `ghost text ${JSON.stringify(firstLine)} shown (now ${JSON.stringify(await ghostText())})`, timeoutMs: 45_000 });
  await vs.screenshot('ghost-text');

  // Dismissed: nothing inserted.
  await vs.page.keyboard.press('Escape');
  await waitFor(async () => (await ghost.count()) === 0, { message: 'ghost text dismissed' });
  assert.equal(await saveAndRead(), before + typed);

  // Offered again for the same text, and accepted with Tab: exactly the continuation is inserted.
  await vs.page.keyboard.press('Backspace');
  await vs.page.keyboard.type(typed.slice(-1));
  await waitFor(async () => (await ghostText()) === firstLine, { message: 'ghost text shown again', timeoutMs: 30_000 });
  await vs.page.keyboard.press('Tab');
  assert.equal(await saveAndRead(), before + typed + continuation);
});

test('panel ↔ editor linking follows edits: shifted tokens still highlight exactly, edited ones not at all', async () => {
  await vs.updateSettings({ 'attentionLens.ghostText.enabled': false });
  await vs.page.keyboard.press('Escape');
  const doc = await saveAndRead();
  const selected = 'the text before the cursor and guesses';
  await vs.selectText(selected);
  await vs.runCommand('Attention Lens: Inspect Selection');
  const frame = await vs.webviewFrame('.strip-token');
  const tokens = cli(selected).tokens;
  // Any tokenizer: edit inside the last token of 2+ characters; watch an earlier non-empty token.
  const edited = tokens.map((t, i) => (t.end - t.start >= 2 ? i : -1)).filter((i) => i > 0).pop() ?? -1;
  const watched = tokens.findIndex((t, i) => i > 0 && i < edited && t.end > t.start);
  assert.ok(edited > 0 && watched > 0, `precondition: tokens to edit and to watch (${JSON.stringify(tokens.map((t) => selected.slice(t.start, t.end)))})`);
  await waitFor(async () => (await frame.locator('.strip-token').count()) === tokens.length, { message: 'the panel shows every token' });

  const hoverShows = async (index: number, expected: string | null) => {
    await frame.locator(`.strip-token[data-index="${index}"]`).hover();
    await waitFor(async () => {
      const texts = await vs.decoratedTexts();
      return expected === null ? texts.length === 0 : texts.includes(expected);
    }, { message: `hovering token ${index} highlights ${JSON.stringify(expected)} (now ${JSON.stringify(await vs.decoratedTexts())})`, timeoutMs: 10_000 });
    await frame.locator('.strip-token').first().hover(); // move off, so the next hover is a change
  };
  const watchedText = selected.slice(tokens[watched]!.start, tokens[watched]!.end);
  await hoverShows(watched, watchedText);

  // Typing before the analysed text (at the start of its line) shifts every token range.
  const selStart = doc.indexOf(selected);
  const lineStart = doc.lastIndexOf('\n', selStart - 1) + 1;
  await vs.goTo(offsetToPosition(doc, lineStart));
  await vs.page.keyboard.type('XY');
  const shifted = doc.slice(0, lineStart) + 'XY' + doc.slice(lineStart);
  const base = selStart + 2; // document offset of the analysed text now
  await hoverShows(watched, watchedText);

  // Typing inside the edited token makes it stale: no highlight for it; the watched one stays exact.
  await vs.goTo(offsetToPosition(shifted, base + tokens[edited]!.start + 1));
  await vs.page.keyboard.type('Z');
  await hoverShows(edited, null);
  await hoverShows(watched, watchedText);

  // Moving the cursor onto a token selects it as the query in the panel.
  await vs.goTo(offsetToPosition(shifted, base + tokens[watched]!.start)); // before the Z: same offsets
  await waitFor(async () => (await frame.locator(`.strip-token.strip-current[data-index="${watched}"]`).count()) === 1, {
    message: `the panel marks token ${watched} as the query`, timeoutMs: 10_000,
  });
});

test('changing the temperature re-shows the live probe at once, without typing', async () => {
  await vs.updateSettings({ 'attentionLens.liveProbe.enabled': true, 'attentionLens.temperature': 1 });
  await vs.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await vs.page.keyboard.press('Control+End');
  await vs.page.keyboard.type(' b', { delay: 30 });
  const doc = await saveAndRead();
  const prefix = probePrefix(doc);
  const cold = cli(prefix).next[0]!;
  const coldLabel = `${visibleToken(cold.token)} ${formatProb(cold.prob)}`;
  await waitFor(async () => (await statusProbeText()).endsWith(coldLabel), { message: `status bar shows "${coldLabel}" at T=1`, timeoutMs: 30_000 });

  const t = 0.5;
  const hot = (await model.probe(prefix, { topK: 1, temperature: t, useCache: false })).next[0]!;
  assert.equal(hot.id, cold.id, 'temperature keeps the order');
  assert.ok(hot.prob > cold.prob, 'T < 1 sharpens the distribution');
  const hotLabel = `${visibleToken(hot.token)} ${formatProb(hot.prob)}`;
  await vs.updateSettings({ 'attentionLens.temperature': t });
  await waitFor(async () => (await statusProbeText()).endsWith(hotLabel), {
    message: `status bar shows "${hotLabel}" at T=${t} (now "${await statusProbeText()}")`, timeoutMs: 30_000,
  });
  await vs.updateSettings({ 'attentionLens.temperature': 1 });
});
