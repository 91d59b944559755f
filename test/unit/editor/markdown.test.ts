import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeMarkdown, noIcons } from '../../../src/editor/markdown';

test('token text cannot format, link or break a table cell', () => {
  assert.equal(escapeMarkdown('**x**|[a](b)'), '\\*\\*x\\*\\*\\|\\[a\\]\\(b\\)');
  assert.equal(escapeMarkdown('<img src=x>'), '\\<img src=x\\>');
  assert.equal(escapeMarkdown('`code`\\'), '\\`code\\`\\\\');
  assert.equal(escapeMarkdown('plain words'), 'plain words');
});

test('status bar labels keep $(name) literal instead of drawing an icon', () => {
  assert.equal(noIcons('$(zap) ok'), '$\u2060(zap) ok');
  assert.equal(noIcons('$ 5 (x)'), '$ 5 (x)');
});
