// Hub ids as the model setting writes them: what parses, what does not, and the canonical form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProgress, formatHubId, hubFolder, isExplicitHubId, parseHubId, resolveModelSetting } from '../../src/model/index';
import { effectiveSetting } from '../../src/services/settings';

test('owner/name with an optional revision and hf: prefix', () => {
  assert.deepEqual(parseHubId('Xenova/gpt2'), { owner: 'Xenova', name: 'gpt2', revision: 'main' });
  assert.deepEqual(parseHubId('  hf:Xenova/bert-base-uncased@v1.0 '), { owner: 'Xenova', name: 'bert-base-uncased', revision: 'v1.0' });
  assert.deepEqual(parseHubId('onnx-community/SmolLM2-135M@refs/pr/3'), { owner: 'onnx-community', name: 'SmolLM2-135M', revision: 'refs/pr/3' });
  assert.equal(formatHubId(parseHubId('a/b@main')!), 'a/b');
  assert.equal(formatHubId(parseHubId('a/b@0123abc')!), 'a/b@0123abc');
  assert.equal(isExplicitHubId('hf:a/b'), true);
  assert.equal(isExplicitHubId('a/b'), false);
});

test('paths and malformed ids are not Hub ids', () => {
  for (const bad of ['', 'gpt2', '/abs/path', './a/b', '~/models/x', 'a/b/c', 'a\\b', 'a/../b', 'a/b@', 'a/b@../x', '../a/b', 'a/..', 'a b/c', 'C:/models', 'a/b@x y', 'hf:', 'bundled']) {
    assert.equal(parseHubId(bad), undefined, bad);
  }
});

test('each revision gets its own folder, and odd revisions stay inside the root', () => {
  const root = '/tmp/root';
  const main = hubFolder(root, parseHubId('o/n')!);
  const pr = hubFolder(root, parseHubId('o/n@refs/pr/1')!);
  assert.equal(main, '/tmp/root/o/n/main');
  assert.notEqual(pr, main);
  assert.ok(pr.startsWith('/tmp/root/o/n/') && !pr.slice('/tmp/root/o/n/'.length).includes('/'));
});

test('the model setting: Hub ids, and owner/name that is really a workspace folder', () => {
  const ctx = { extensionPath: '/ext', homeDir: '/home/ada', workspaceFolders: ['/work/project'] };
  const gpt2 = resolveModelSetting('Xenova/gpt2', ctx);
  assert.deepEqual(gpt2, { name: 'Xenova/gpt2', path: 'hf:Xenova/gpt2@main', hub: { owner: 'Xenova', name: 'gpt2', revision: 'main' } });
  assert.equal(resolveModelSetting('hf:Xenova/gpt2@v2', ctx).path, 'hf:Xenova/gpt2@v2');
  const folders = new Set(['/work/project/models/gpt2']);
  const withFolder = { ...ctx, isDirectory: (p: string) => folders.has(p) };
  assert.deepEqual(resolveModelSetting('models/gpt2', withFolder), { name: 'gpt2', path: '/work/project/models/gpt2' });
  assert.equal(resolveModelSetting('hf:models/gpt2', withFolder).hub?.owner, 'models', 'hf: always means the Hub');
  assert.equal(resolveModelSetting('./models/gpt2', ctx).hub, undefined);
  assert.equal(resolveModelSetting('bundled', ctx).hub, undefined);
});

test('untrusted workspaces: only the user value counts and the ignored one is reported', () => {
  const scopes = { defaultValue: 'bundled', globalValue: 'Xenova/gpt2', workspaceValue: 'evil/model' };
  assert.deepEqual(effectiveSetting(scopes, true), { value: 'evil/model' });
  assert.deepEqual(effectiveSetting(scopes, false), { value: 'Xenova/gpt2', ignored: 'evil/model' });
  assert.deepEqual(effectiveSetting({ defaultValue: 'bundled', workspaceFolderValue: './m' }, false), { value: 'bundled', ignored: './m' });
  assert.deepEqual(effectiveSetting({ defaultValue: 'bundled' }, false), { value: 'bundled' });
});

test('progress text names the file and its bytes', () => {
  assert.equal(describeProgress({ file: 'onnx/model.onnx', loaded: 1_250_000, total: 4_800_000 }), 'onnx/model.onnx 1.3 of 4.8 MB');
  assert.equal(describeProgress({ file: 'tokenizer.json', loaded: 2_000, total: 8_012 }), 'tokenizer.json 2.0 of 8.0 kB');
  assert.equal(describeProgress({ file: 'config.json', loaded: 0, total: 0 }), 'config.json…');
});
