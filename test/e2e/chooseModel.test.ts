// Attention Lens: Choose Model in a real VS Code, with Hub ids served by a local Hub-layout server:
// the quick pick's entries, "Enter id…" writing the user setting, the download's progress
// notification (file names and bytes), and an encoder's analysis with masked-token predictions
// checked against the model layer itself.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchVSCode, testModel, waitFor, type VSCodeSession } from './harness';
import { waitForAnalysis } from './panel';
import { buildLayout, startHubServer, type HubServer } from '../helpers/hubServer';
import { loadModel } from '../../src/model/index';

const TEXT = 'b c d e f g';
let vs: VSCodeSession;
let hub: HubServer;
let encoderDir: string;

before(async () => {
  hub = await startHubServer();
  encoderDir = buildLayout(path.join(mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-hub-')), 'encoder'), 'encoder');
  hub.add('test/encoder', encoderDir);
  // Slow enough for the progress notification to be read while the ONNX file downloads.
  hub.slow.files.add('onnx/model.onnx');
  hub.slow.chunk = 256;
  hub.slow.delayMs = 150;
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-letters-'));
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'letters.txt'), `${TEXT}\n`);
  vs = await launchVSCode({
    name: 'choose-model',
    workspaceSource: workspace,
    settings: { 'attentionLens.model': testModel().setting, 'attentionLens.remoteHost': hub.host },
  });
});

after(async () => {
  await vs?.close();
  await hub?.close();
});

/** Runs Choose Model from F1 (its own quick pick follows, so the palette does not close by itself). */
async function openChooseModel(): Promise<void> {
  const page = vs.page;
  await waitFor(async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input').first();
    await input.fill('>Attention Lens: Choose Model');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Attention Lens: Choose Model' }).first();
    if (!(await row.waitFor({ timeout: 5_000 }).then(() => true, () => false))) {
      await page.keyboard.press('Escape');
      return false;
    }
    await row.click();
    return page.locator('.quick-input-title', { hasText: 'Attention Lens: Choose Model' }).waitFor({ timeout: 10_000 }).then(() => true, () => false);
  }, { message: 'the Choose Model quick pick', timeoutMs: 90_000 });
}

async function pickRows(): Promise<string[]> {
  return vs.page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();
}

function userSetting(key: string): unknown {
  const file = path.join(vs.userDataDir, 'User', 'settings.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[key];
}

test('the quick pick offers the bundled model, known Hub ids, a folder and an id', async () => {
  await openChooseModel();
  const rows = await waitFor(async () => ((await pickRows()).length > 4 ? pickRows() : undefined), { message: 'quick pick rows' });
  assert.ok(rows.some((r) => /Bundled model/.test(r)), rows.join(' | '));
  for (const id of ['Xenova/gpt2', 'Xenova/distilgpt2', 'Xenova/bert-base-uncased']) assert.ok(rows.some((r) => r.includes(id)), `${id} listed`);
  assert.ok(rows.some((r) => /Open folder…/.test(r)));
  assert.ok(rows.some((r) => /Enter id…/.test(r)));
  await vs.screenshot('choose-model-pick');
  await vs.page.keyboard.press('Escape');
});

test('Enter id… writes the user setting; the download shows files and bytes; the encoder gets masked predictions', async () => {
  await openChooseModel();
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter id…' }).first().click();
  const input = vs.page.locator('.quick-input-widget input').first();
  await vs.page.locator('.quick-input-title', { hasText: 'Hugging Face model id' }).waitFor();
  await input.fill('not an id');
  await vs.page.locator('.quick-input-message', { hasText: 'Expected owner/name' }).waitFor();
  await input.fill('test/encoder');
  await vs.page.keyboard.press('Enter');
  await waitFor(() => userSetting('attentionLens.model') === 'test/encoder', { message: 'attentionLens.model = test/encoder in user settings' });

  await vs.openFile('letters.txt');
  await vs.selectText(TEXT);
  await vs.runCommand('Attention Lens: Inspect Selection');
  const progress = await vs.waitForNotification(/downloading onnx\/model\.onnx \d+\.\d of \d+\.\d kB/, 60_000);
  assert.match(progress, /test\/encoder/);
  const kB = (statSync(path.join(encoderDir, 'onnx', 'model.onnx')).size / 1e3).toFixed(1);
  assert.ok(progress.includes(` of ${kB} kB`), `the file's real size (${kB} kB) in “${progress}”`);
  await vs.screenshot('download-progress');
  assert.ok(hub.requests.some((r) => r === '/test/encoder/resolve/main/onnx/model_quantized.onnx'), 'quantized tried first for a Hub download');

  const frame = await waitForAnalysis(vs, TEXT.split(' ').length);
  assert.equal(await frame.locator('.masked').isVisible(), true, 'masked-token box shown for an encoder');
  const shown = await waitFor(async () => {
    const tokens = await frame.locator('.masked-result .next-token').allInnerTexts();
    return tokens.length > 0 ? tokens : undefined;
  }, { message: 'masked-token predictions in the panel' });

  // The same prediction straight from the model layer (token 0 masked).
  const model = await loadModel({ name: 'ref', path: encoderDir }, { cacheDir: mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-ref-')) });
  const ref = await model.predictMasked(TEXT, 0, 10);
  await model.dispose();
  assert.deepEqual(shown, ref.next.map((n) => n.token));

  // Choosing another token asks again.
  await frame.locator('.masked select').selectOption('2');
  await waitFor(async () => (await frame.locator('.masked-result p').first().innerText()).includes('token 2'), { message: 'prediction for token 2' });
  await vs.screenshot('masked-predictions');
});

test('the id is remembered as recently used, and a second load downloads nothing', async () => {
  const before = hub.requests.length;
  await openChooseModel();
  const rows = await pickRows();
  assert.ok(rows.some((r) => r.includes('test/encoder')), rows.join(' | '));
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Bundled model' }).first().click();
  await waitFor(() => userSetting('attentionLens.model') === 'bundled', { message: 'setting back to bundled' });
  await openChooseModel();
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'test/encoder' }).first().click();
  await waitFor(() => userSetting('attentionLens.model') === 'test/encoder', { message: 'setting back to test/encoder' });
  await vs.selectText(TEXT);
  await vs.runCommand('Attention Lens: Inspect Selection');
  await waitForAnalysis(vs, TEXT.split(' ').length);
  assert.equal(hub.requests.length, before, 'served from the download cache');
});

test('cancelling a download from its notification keeps nothing and the previous model stays in use', async () => {
  hub.slow.files.add('onnx/decoder_model.onnx');
  hub.slow.chunk = 64;
  hub.slow.delayMs = 300;
  hub.add('test/flat-decoder', buildLayout(path.join(mkdtempSync(path.join(os.tmpdir(), 'attention-lens-e2e-hub-')), 'flat'), 'flat-decoder'));
  await openChooseModel();
  await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Enter id…' }).first().click();
  await vs.page.locator('.quick-input-title', { hasText: 'Hugging Face model id' }).waitFor();
  await vs.page.locator('.quick-input-widget input').first().fill('test/flat-decoder');
  await vs.page.keyboard.press('Enter');
  // A model is in use, so the new setting loads at once.
  const toast = vs.page.locator('.notifications-toasts .notification-list-item', { hasText: /downloading onnx\/decoder_model\.onnx/ }).first();
  await toast.waitFor({ timeout: 60_000 });
  await vs.screenshot('cancel-progress');
  await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
  const message = await vs.waitForNotification(/was cancelled; nothing was kept/);
  assert.match(message, /still using “test\/encoder”/);
  const storage = path.join(vs.userDataDir, 'User', 'globalStorage', 'attention-lens.attention-lens', 'hub');
  await waitFor(() => !existsSync(path.join(storage, 'test', 'flat-decoder')) && readdirSync(path.join(storage, '.partial')).length === 0, { message: 'no partial files left' });
  assert.ok(existsSync(path.join(storage, 'test', 'encoder', 'main', 'onnx', 'model.onnx')), 'the earlier download is kept');

  await vs.selectText(TEXT);
  await vs.runCommand('Attention Lens: Inspect Selection');
  const frame = await waitForAnalysis(vs, TEXT.split(' ').length);
  // The panel may still show the same text's earlier analysis while this one runs: wait for the header of the one that ends.
  await waitFor(async () => /test\/encoder/.test(await frame.locator('.notice').innerText()), { message: 'the panel names test/encoder', timeoutMs: 60_000 });
});
