import { test } from 'node:test';
import assert from 'node:assert/strict';
// LatestWins.request: debounced, keyed, latest wins (the live probe and surprisal use it).
import { LatestWins } from '../../../src/base/latestWins';
import { isCancelled } from '../../../src/base/cancel';
import { FakeTimers, deferred, flush } from './fakeTimers';

function setup(delay = 50) {
  const timers = new FakeTimers();
  const calls: { key: string; signal: AbortSignal; done: ReturnType<typeof deferred<string>> }[] = [];
  const results: string[] = [];
  const errors: unknown[] = [];
  const loop = new LatestWins<string>({ delayMs: () => delay, same: (a, b) => a === b, timers });
  const run = (key: string, signal: AbortSignal) => {
    const done = deferred<string>();
    calls.push({ key, signal, done });
    return done.promise;
  };
  /** Asks for `key` as the features do; false when nothing was asked (unchanged key). */
  const request = (key: string): boolean => {
    const outcome = loop.request(key, run);
    outcome?.then((r) => results.push(r), (e: unknown) => { if (!isCancelled(e)) errors.push(e); });
    return outcome !== undefined;
  };
  return { timers, calls, results, errors, loop, request };
}

test('a burst of keystrokes runs once, after the quiet period, with the last key', async () => {
  const { timers, calls, results, request } = setup(50);
  for (const key of ['h', 'he', 'hel', 'hell', 'hello']) {
    request(key);
    timers.advance(20);
  }
  assert.equal(calls.length, 0, 'nothing runs while typing faster than the debounce');
  timers.advance(30);
  assert.deepEqual(calls.map((c) => c.key), ['hello']);
  calls[0]!.done.resolve('R(hello)');
  await flush();
  assert.deepEqual(results, ['R(hello)']);
});

test('an unchanged key runs nothing', async () => {
  const { timers, calls, loop, request } = setup(10);
  assert.equal(request('abc'), true);
  timers.advance(10);
  calls[0]!.done.resolve('x');
  await flush();
  assert.equal(request('abc'), false);
  timers.advance(100);
  assert.equal(calls.length, 1);
  loop.reset(); // e.g. the model was reloaded
  assert.equal(request('abc'), true);
  timers.advance(10);
  assert.equal(calls.length, 2);
});

test('a newer request aborts the running one and its late result is never shown', async () => {
  const { timers, calls, results, request } = setup(10);
  request('a');
  timers.advance(10);
  request('ab');
  assert.equal(calls[0]!.signal.aborted, true, 'the stale run was told to stop');
  timers.advance(10);
  // The newer run finishes first, then the stale one resolves late.
  calls[1]!.done.resolve('R(ab)');
  await flush();
  calls[0]!.done.resolve('R(a)');
  await flush();
  assert.deepEqual(results, ['R(ab)']);
});

test('results arrive in request order even when runs finish out of order', async () => {
  const { timers, calls, results, loop, request } = setup(0);
  const keys = ['x1', 'x2', 'x3', 'x4'];
  for (const k of keys) {
    request(k);
    timers.advance(0);
  }
  // Finish in reverse order: only the newest may be delivered, and exactly once.
  for (const c of [...calls].reverse()) c.done.resolve(`R(${c.key})`);
  await flush();
  assert.deepEqual(results, ['R(x4)']);
  assert.equal(loop.delivered, 1);
  assert.equal(loop.started, 4);
});

test('failures are reported once, cancelled ones not at all, and the same key may retry', async () => {
  const { timers, calls, errors, request } = setup(5);
  request('p');
  timers.advance(5);
  request('q'); // aborts 'p'
  calls[0]!.done.reject(new Error('aborted'));
  timers.advance(5);
  calls[1]!.done.reject(new Error('model broke'));
  await flush();
  assert.deepEqual(errors.map((e) => (e as Error).message), ['model broke']);
  assert.equal(request('q'), true, 'after a failure the same request can run again');
});

test('dispose drops the pending timer', () => {
  const { timers, calls, loop, request } = setup(30);
  request('z');
  loop.dispose();
  timers.advance(100);
  assert.equal(calls.length, 0);
  assert.equal(timers.count, 0);
});
