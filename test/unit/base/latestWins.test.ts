// Latest-wins scheduling: stale requests are cancelled, results never arrive out of order. Tasks
// finish when the test opens their gate, never after a sleep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestWins } from '../../../src/base/latestWins';
import { CancelledError } from '../../../src/base/cancel';
import { deferred } from './fakeTimers';

test('a newer request cancels a queued one before it starts and a running one after it finishes', async () => {
  const runner = new LatestWins();
  const started: string[] = [];
  const aRunning = deferred<void>();
  const aGate = deferred<void>();
  const task = (name: string) => async (signal: AbortSignal) => {
    started.push(name);
    if (name === 'a') {
      aRunning.resolve();
      await aGate.promise;
    }
    return { name, abortedWhileRunning: signal.aborted };
  };
  const a = runner.run(task('a'));
  await aRunning.promise; // a is running
  const b = runner.run(task('b')); // queued behind a
  const c = runner.run(task('c')); // supersedes b before it starts
  aGate.resolve();
  const settled = await Promise.allSettled([a, b, c]);
  assert.ok(settled[0].status === 'rejected' && settled[0].reason instanceof CancelledError, 'a finished but was superseded');
  assert.ok(settled[1].status === 'rejected' && settled[1].reason instanceof CancelledError);
  assert.deepEqual(settled[2], { status: 'fulfilled', value: { name: 'c', abortedWhileRunning: false } });
  assert.deepEqual(started, ['a', 'c'], 'b never ran; c waited for a (no overlap)');
});

test('results arrive in request order even when an older task is slower', async () => {
  const runner = new LatestWins();
  const order: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const slowGate = deferred<void>();
  const task = (name: string, gate?: Promise<void>) => async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await gate;
    running--;
    return name;
  };
  const results = [runner.run(task('slow', slowGate.promise)), runner.run(task('fast'))].map((p) =>
    p.then((v) => order.push(v), (e: unknown) => order.push(e instanceof CancelledError ? 'cancelled' : 'error')),
  );
  slowGate.resolve(); // the slow one finishes only now, after the fast one was asked for
  await Promise.all(results);
  assert.deepEqual(order, ['cancelled', 'fast']);
  assert.equal(maxRunning, 1);
});

test('errors of the newest task propagate; cancel() rejects what is pending', async () => {
  const runner = new LatestWins();
  await assert.rejects(runner.run(async () => { throw new Error('boom'); }), /boom/);
  const gate = deferred<void>();
  const p = runner.run(async (signal) => { await gate.promise; return signal.aborted; });
  runner.cancel();
  gate.resolve();
  await assert.rejects(p, CancelledError);
  assert.equal(await runner.run(async () => 'after'), 'after', 'usable after cancel');
});
