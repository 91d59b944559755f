import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prefixStart, trimBrokenStart } from '../../../src/editor/prefix';

test('short documents are read from the beginning', () => {
  assert.equal(prefixStart(0, 256), 0);
  assert.equal(prefixStart(700, 256), 0);
});

test('the prefix keeps 2–3 context-lengths of characters and its start moves in steps', () => {
  const ctx = 256;
  let starts = new Set<number>();
  for (let cursor = 0; cursor < 5000; cursor++) {
    const start = prefixStart(cursor, ctx);
    const length = cursor - start;
    assert.ok(start % ctx === 0, 'start on a step boundary');
    if (start > 0) assert.ok(length >= 2 * ctx && length < 3 * ctx, `length ${length} at ${cursor}`);
    starts.add(start);
  }
  // Typing 5000 characters moves the start only ~5000/256 times: the cache survives in between.
  assert.ok(starts.size <= Math.ceil(5000 / ctx));
  starts = new Set([...Array(ctx).keys()].map((i) => prefixStart(2000 + i, ctx)));
  assert.ok(starts.size <= 2);
});

test('a cut through a surrogate pair drops the dangling half', () => {
  const text = '😀 ok'; // '\ud83d\ude00 ok'
  assert.equal(trimBrokenStart(text.slice(1)), ' ok');
  assert.equal(trimBrokenStart(text), text);
  assert.equal(trimBrokenStart(''), '');
});
