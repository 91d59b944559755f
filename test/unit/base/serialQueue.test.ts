// The model's one queue: arrival order, no overlap, aborted waiters never run, and a task's own
// calls back into the queue run inside its turn instead of deadlocking behind it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialQueue } from '../../../src/base/serialQueue';
import { CancelledError } from '../../../src/base/cancel';
import { deferred } from './fakeTimers';

test('tasks run one at a time in arrival order; a failure does not stop the queue', async () => {
  const queue = new SerialQueue();
  const order: string[] = [];
  const gate = deferred<void>();
  const a = queue.run(async () => { order.push('a:start'); await gate.promise; order.push('a:end'); });
  const b = queue.run(async () => { order.push('b'); throw new Error('b failed'); });
  const c = queue.run(async () => { order.push('c'); return 'c'; });
  gate.resolve();
  await a;
  await assert.rejects(b, /b failed/);
  assert.equal(await c, 'c');
  assert.deepEqual(order, ['a:start', 'a:end', 'b', 'c']);
});

test('a task aborted while it waits never runs', async () => {
  const queue = new SerialQueue();
  const gate = deferred<void>();
  const ran: string[] = [];
  const first = queue.run(() => gate.promise);
  const controller = new AbortController();
  const waiting = queue.run(async () => void ran.push('waiting'), controller.signal);
  controller.abort();
  gate.resolve();
  await first;
  await assert.rejects(waiting, CancelledError);
  assert.deepEqual(ran, []);
});

test('calls a task makes to its own queue run inside its turn, before the tasks queued after it', async () => {
  const queue = new SerialQueue();
  const order: string[] = [];
  const outer = queue.run(async () => {
    order.push('outer:start');
    await queue.run(async () => void order.push('inner'));
    order.push('outer:end');
  });
  const later = queue.run(async () => void order.push('later'));
  await Promise.all([outer, later]);
  assert.deepEqual(order, ['outer:start', 'inner', 'outer:end', 'later']);
});
