// Assertions the model tests share.
import assert from 'node:assert/strict';
import { AttentionLensError } from '../../src/model/index';

/** Largest |a[i] - b[i]|; the two must have the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** For assert.rejects: the error is an AttentionLensError with this code and a matching message. */
export function expectError(code: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof AttentionLensError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}
