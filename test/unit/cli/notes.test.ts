// The CLI's stderr notes: a capped --max-tokens, and input that is not valid UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cappedFlagNotes, decodeInput } from '../../../src/cli/notes';

test('valid UTF-8 input decodes without a note', () => {
  assert.deepEqual(decodeInput(new TextEncoder().encode('한국어 😀'), 'standard input'), { text: '한국어 😀', note: null });
});

test('invalid UTF-8 input is read with U+FFFD and the note gives the first bad offset', () => {
  const bytes = Uint8Array.from([0x61, 0x62, 0xed, 0x95, 0x41, 0xff]);
  const { text, note } = decodeInput(bytes, 'standard input');
  assert.equal(text, 'ab\uFFFDA\uFFFD');
  assert.match(note!, /^standard input is not valid UTF-8 \(first invalid byte at offset 2\)/);
});

test('--max-tokens above the context is noted; within it, nothing', () => {
  assert.deepEqual(cappedFlagNotes({ maxTokens: 100_000 }, { contextLength: 1024, name: 'bundled' }), [
    "--max-tokens 100000 is more than bundled's context of 1024 tokens; at most 1024 are analysed.",
  ]);
  assert.deepEqual(cappedFlagNotes({ maxTokens: 512 }, { contextLength: 1024, name: 'bundled' }), []);
});
