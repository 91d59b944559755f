// A model setting that names a missing folder from the start, so no model was ever loaded and none
// can stand in (the case where a model is already loaded is in inspect.test.ts). Its own session:
// in a shared one the live probe may have loaded a model first, which would then be kept.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVSCode, testModel, waitFor, type VSCodeSession } from './harness';
import { waitForAnalysis } from './panel';
import { cliAnalyze } from './cli';

const INSPECT = 'Attention Lens: Inspect Selection';
const FILE = 'notes.md';
const SELECTED = 'quick brown fox';
const missing = path.join(os.tmpdir(), `attention-lens-no-such-model-${process.pid}`);
let vs: VSCodeSession;

before(async () => {
  vs = await launchVSCode({ name: 'missing-model', settings: { 'attentionLens.model': missing } });
});

after(async () => {
  await vs?.close();
});

test('with no model to fall back on, a missing model folder is reported in the panel and a notification', async () => {
  await vs.openFile(FILE);
  const before = readFileSync(path.join(vs.workspace, FILE), 'utf8');
  await vs.clearNotifications();
  await vs.selectText(SELECTED);
  await vs.runCommand(INSPECT);
  const frame = await vs.webviewFrame('.error', 60_000);
  await waitFor(() => frame.$eval('.error', (e) => !(e as HTMLElement).hidden && /Model folder not found/.test(e.textContent ?? '')), {
    message: 'the panel to show the missing-model error', timeoutMs: 60_000,
  });
  assert.match(await frame.$eval('.error', (e) => e.textContent ?? ''), /attention-lens-no-such-model/, 'the panel names the folder');
  const text = await vs.waitForNotification(/Model folder not found/);
  assert.match(text, /attention-lens-no-such-model/);
  const toast = vs.page.locator('.notifications-toasts .notification-list-item', { hasText: 'Model folder not found' }).first();
  assert.match((await toast.locator('.notification-list-item-source').textContent()) ?? '', /Attention Lens/, 'the message is attributed to the extension');
  await vs.screenshot('missing-model');
  assert.equal(readFileSync(path.join(vs.workspace, FILE), 'utf8'), before, 'the document is untouched');
});

test('fixing the setting is enough: the next Inspect Selection loads the model, without a reload', async () => {
  const model = testModel();
  const T = cliAnalyze(model.path, SELECTED).tokens.length;
  await vs.clearNotifications();
  await vs.updateSettings({ 'attentionLens.model': model.setting });
  await vs.selectText(SELECTED);
  // The settings file is applied asynchronously: run again until the analysis replaces the error.
  await waitFor(async () => {
    await vs.runCommand(INSPECT);
    return waitForAnalysis(vs, T, 15_000).catch(() => undefined);
  }, { message: 'an analysis once the setting names a real model', timeoutMs: 90_000 });
});
