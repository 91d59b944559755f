// Latest-wins scheduling: stale requests are cancelled, results never arrive out of order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestWins } from '../../../src/base/latestWins';
import { CancelledError } from '../../../src/base/cancel';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a newer request cancels a queued one before it starts and a running one after it finishes', async () => {
  const runner = new LatestWins();
  const started: string[] = [];
  const task = (name: string, ms: number) => async (signal: AbortSignal) => {
    started.push(name);
    await delay(ms);
    return { name, abortedWhileRunning: signal.aborted };
  };
  const a = runner.run(task('a', 40));
  await delay(5); // a is running
  const b = runner.run(task('b', 10)); // queued behind a
  const c = runner.run(task('c', 10)); // supersedes b before it starts
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
  const task = (name: string, ms: number) => async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    await delay(ms);
    running--;
    return name;
  };
  const results = [runner.run(task('slow', 30)), runner.run(task('fast', 1))].map((p) =>
    p.then((v) => order.push(v), (e: unknown) => order.push(e instanceof CancelledError ? 'cancelled' : 'error')),
  );
  await Promise.all(results);
  assert.deepEqual(order, ['cancelled', 'fast']);
  assert.equal(maxRunning, 1);
});

test('errors of the newest task propagate; cancel() rejects what is pending', async () => {
  const runner = new LatestWins();
  await assert.rejects(runner.run(async () => { throw new Error('boom'); }), /boom/);
  const p = runner.run(async (signal) => { await delay(20); return signal.aborted; });
  runner.cancel();
  await assert.rejects(p, CancelledError);
  assert.equal(await runner.run(async () => 'after'), 'after', 'usable after cancel');
});
