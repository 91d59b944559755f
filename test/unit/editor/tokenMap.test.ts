import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenMap } from '../../../src/editor/tokenMap';

// Analysed text "Hello world!" selected at document offset 100; tokens "Hello", " world", "!".
const tokens = [
  { start: 0, end: 5 },
  { start: 5, end: 11 },
  { start: 11, end: 12 },
];

test('token offsets are shifted by the selection start', () => {
  const map = new TokenMap(100, tokens);
  assert.deepEqual(map.range(0), { start: 100, end: 105 });
  assert.deepEqual(map.range(2), { start: 111, end: 112 });
  assert.equal(map.range(3), null);
});

test('tokenAt picks the token right of the cursor, and the last one at the very end', () => {
  const map = new TokenMap(100, tokens);
  assert.equal(map.tokenAt(99), -1);
  assert.equal(map.tokenAt(100), 0);
  assert.equal(map.tokenAt(104), 0);
  assert.equal(map.tokenAt(105), 1);
  assert.equal(map.tokenAt(111), 2);
  assert.equal(map.tokenAt(112), 2);
  assert.equal(map.tokenAt(113), -1);
});

test('special tokens with empty ranges are never picked, and split characters share a range', () => {
  // [CLS] at 0, "é" split into two byte tokens sharing [0,1), [SEP] at 1.
  const map = new TokenMap(10, [
    { start: 0, end: 0 },
    { start: 0, end: 1 },
    { start: 0, end: 1 },
    { start: 1, end: 1 },
  ]);
  assert.equal(map.tokenAt(10), 1);
  assert.equal(map.tokenAt(11), 2); // just after the text: the last non-empty token
});

test('edits before the range shift it; edits after leave it alone', () => {
  const map = new TokenMap(100, tokens);
  map.applyChanges([{ rangeOffset: 10, rangeLength: 0, text: 'abc' }]); // insert 3 before
  assert.deepEqual(map.range(0), { start: 103, end: 108 });
  map.applyChanges([{ rangeOffset: 0, rangeLength: 5, text: '' }]); // delete 5 before
  assert.deepEqual(map.range(0), { start: 98, end: 103 });
  map.applyChanges([{ rangeOffset: 200, rangeLength: 4, text: 'x' }]);
  assert.deepEqual(map.range(2), { start: 109, end: 110 });
});

test('an edit inside a token makes it stale; neighbours keep exact ranges', () => {
  const map = new TokenMap(100, tokens);
  // Replace "wor" (offsets 106..109) with "W": touches token 1 only.
  map.applyChanges([{ rangeOffset: 106, rangeLength: 3, text: 'W' }]);
  assert.deepEqual(map.range(0), { start: 100, end: 105 });
  assert.equal(map.range(1), null);
  assert.deepEqual(map.range(2), { start: 109, end: 110 });
  assert.equal(map.tokenAt(106), -1, 'no stale token is reported under the cursor');
  assert.ok(map.alive);
});

test('typing at a token boundary shifts the later token instead of invalidating it', () => {
  const map = new TokenMap(100, tokens);
  map.applyChanges([{ rangeOffset: 105, rangeLength: 0, text: 'X' }]); // between "Hello" and " world"
  assert.deepEqual(map.range(0), { start: 100, end: 105 });
  assert.deepEqual(map.range(1), { start: 106, end: 112 });
});

test('several changes in one event use pre-event offsets (multi-cursor edit)', () => {
  const map = new TokenMap(100, tokens);
  map.applyChanges([
    { rangeOffset: 111, rangeLength: 1, text: '?!' }, // replaces "!"
    { rangeOffset: 50, rangeLength: 0, text: '12' }, // before everything
  ]);
  assert.deepEqual(map.range(0), { start: 102, end: 107 });
  assert.deepEqual(map.range(1), { start: 107, end: 113 });
  assert.equal(map.range(2), null);
});

test('deleting the whole range leaves nothing alive', () => {
  const map = new TokenMap(100, tokens);
  map.applyChanges([{ rangeOffset: 95, rangeLength: 30, text: '' }]);
  assert.equal(map.alive, false);
  assert.equal(map.tokenAt(100), -1);
});

test('mapped ranges slice the document back to each token, whatever the characters (CRLF, emoji, CJK, combining marks)', () => {
  const before = 'line one\r\nprefix 👍🏽 ';
  const analysed = 'Ce\u0301sar\r\n\t日本語 👨‍👩‍👧 x';
  const doc = before + analysed + '\r\ntail';
  // Token ranges as the model layer reports them: UTF-16 offsets into the analysed text.
  const cuts = [0, 2, 3, 5, 7, 8, 10, 11, 12, 20, analysed.length];
  const tokens = cuts.slice(0, -1).map((start, i) => ({ start, end: cuts[i + 1]! }));
  const base = doc.indexOf(analysed); // what document.offsetAt(selection.start) returns
  const map = new TokenMap(base, tokens);
  tokens.forEach((t, i) => {
    const r = map.range(i)!;
    assert.equal(doc.slice(r.start, r.end), analysed.slice(t.start, t.end), `token ${i}`);
  });
  // An emoji inserted before the selection (two UTF-16 units) moves every token by two.
  map.applyChanges([{ rangeOffset: 0, rangeLength: 0, text: '🎉' }]);
  const edited = '🎉' + doc;
  tokens.forEach((t, i) => {
    const r = map.range(i)!;
    assert.equal(edited.slice(r.start, r.end), analysed.slice(t.start, t.end), `token ${i} after the edit`);
  });
});
