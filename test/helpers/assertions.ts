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

/** ln softmax of row `t` of [T, V] logits, in float64. */
export function logSoftmaxRow(logits: Float32Array, t: number, V: number): Float64Array {
  const row = logits.subarray(t * V, (t + 1) * V);
  const max = row.reduce((m, x) => Math.max(m, x), -Infinity);
  const logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
  return Float64Array.from(row, (x) => x - logZ);
}

/**
 * A token's log-probability and rank against the reference log-softmax `lsm` of the row before it:
 * logits within the tolerance of the target's may fall either side of it.
 */
export function assertLogprobAndRank(token: { logprob: number | null; rank: number | null }, lsm: Float64Array, id: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(token.logprob! - lsm[id]!) <= tolerance, `${what}: logprob`);
  const surelyAbove = lsm.filter((x) => x > lsm[id]! + tolerance).length;
  const maybeAbove = lsm.filter((x) => x > lsm[id]! - tolerance).length - 1;
  assert.ok(token.rank! >= 1 + surelyAbove && token.rank! <= 1 + maybeAbove, `${what}: rank`);
}
