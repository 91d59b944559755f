import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveModelSetting } from '../../../src/model/modelSpec';

const ctx = { extensionPath: '/ext/attention-lens', homeDir: '/home/ada', workspaceFolders: ['/work/project', '/work/other'] };

test('bundled and empty settings point into the extension folder', () => {
  assert.deepEqual(resolveModelSetting('bundled', ctx), { name: 'bundled', path: '/ext/attention-lens/model' });
  assert.deepEqual(resolveModelSetting('  Bundled ', ctx), { name: 'bundled', path: '/ext/attention-lens/model' });
  assert.deepEqual(resolveModelSetting('', ctx), { name: 'bundled', path: '/ext/attention-lens/model' });
  assert.deepEqual(resolveModelSetting(undefined, ctx), { name: 'bundled', path: '/ext/attention-lens/model' });
});

test('home-relative, absolute and workspace-relative folders', () => {
  assert.deepEqual(resolveModelSetting('~/models/tiny-gpt', ctx), { name: 'tiny-gpt', path: '/home/ada/models/tiny-gpt' });
  assert.deepEqual(resolveModelSetting('/opt/m/bert-mini/', ctx), { name: 'bert-mini', path: '/opt/m/bert-mini' });
  assert.deepEqual(resolveModelSetting('models/../m2', ctx), { name: 'm2', path: '/work/project/m2' });
  assert.deepEqual(resolveModelSetting('m3', { ...ctx, workspaceFolders: [] }), { name: 'm3', path: '/home/ada/m3' });
});

test('a folder literally named like the home shortcut prefix is not expanded', () => {
  assert.deepEqual(resolveModelSetting('~weird', ctx), { name: '~weird', path: '/work/project/~weird' });
});
