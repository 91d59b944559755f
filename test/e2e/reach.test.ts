// Context reach and the compression table in a real VS Code (code-server) through a real browser:
// for a selection of sample/copying.py, the panel's reach per token and its bits-per-byte table
// equal the CLI's `--reach 64 --baselines` for the same text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frame } from 'playwright-core';
import { launchVSCode, repoRoot, testModel, waitFor, type VSCodeSession } from './harness';
import { setPanelView, waitForAnalysis } from './panel';

const INSPECT = 'Attention Lens: Inspect Selection';
const FILE = 'copying.py';
const model = testModel();
let vs: VSCodeSession;
let frame: Frame;

interface ReachCli {
  tokens: { reach: number | null }[];
  reachContexts: number[];
  baselines: { bytes: number; bitsPerByte: Record<string, number> };
}

/** The CLI's reach and baselines for `text`. */
function cliReach(text: string): ReachCli {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-cli-'));
  try {
    const file = path.join(dir, 'input.txt');
    writeFileSync(file, text);
    const out = execFileSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'analyze', '--model', model.path, '--text-file', file, '--reach', '64', '--baselines', '--json'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    return JSON.parse(out) as ReachCli;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const setView = (view: string) => setPanelView(frame, view);

before(async () => {
  vs = await launchVSCode({ name: 'reach', settings: { 'attentionLens.model': model.setting } });
});

after(async () => {
  await vs?.close();
});

test('the reach view and the compression table appear for a selection and match the CLI', async () => {
  const text = readFileSync(path.join(vs.workspace, FILE), 'utf8');
  const reference = cliReach(text);
  const T = reference.tokens.length;
  await vs.openFile(FILE);
  await vs.selectText(text);
  await waitFor(async () => {
    await vs.runCommand(INSPECT);
    return waitForAnalysis(vs, T, 20_000).catch(() => undefined); // the setting may take a moment to apply
  }, { message: `an analysis of ${T} tokens`, timeoutMs: 120_000 });
  frame = await waitForAnalysis(vs, T);

  await setView('reach');
  await waitFor(async () => /Context reach, k = 1…64/.test(await frame.$eval('.reach-status', (e) => e.textContent ?? '')), { message: 'reach to finish', timeoutMs: 120_000 });
  await vs.screenshot('reach-view');
  // Each strip token's title ends with its reach (or that it needs more than 64 tokens).
  const shown = await frame.$$eval('.strip-section .strip-token', (spans) => spans.map((s) => {
    const t = s.getAttribute('title') ?? '';
    const m = /; reach (\d+) tokens?$/.exec(t);
    return m ? Number(m[1]) : null;
  }));
  assert.equal(shown.length, T);
  assert.deepEqual(shown, reference.tokens.map((t) => t.reach), 'reach per token, panel vs CLI');
  assert.ok(shown.some((r) => r !== null && r > 1), 'some prediction needs more than one token');

  await setView('compression');
  await frame.waitForSelector('.compression-table tbody tr');
  await vs.screenshot('compression-view');
  const rows = await frame.$$eval('.compression-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-coder'), tr.querySelector('td')?.textContent ?? '']));
  // Every coder of the CLI's table is shown, the bundled model's corpus-fitted chains included.
  assert.deepEqual(rows.map(([coder]) => coder).sort(), Object.keys(reference.baselines.bitsPerByte).sort());
  for (const [coder, value] of rows) {
    const want = reference.baselines.bitsPerByte[coder!];
    assert.ok(want !== undefined, `${coder} is in the CLI's table`);
    assert.equal(value, want.toFixed(3), `${coder} bits per byte`);
  }
  assert.match(await frame.$eval('.compression-table caption', (e) => e.textContent ?? ''), new RegExp(`The ${reference.baselines.bytes} UTF-8 bytes`));
});
