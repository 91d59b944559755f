import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunLatest } from '../../../src/editor/runLatest';
import { CancelledError } from '../../../src/model/errors';
import { deferred } from './fakeTimers';

test('a newer call aborts the older one, whose late result becomes a CancelledError', async () => {
  const run = createRunLatest();
  const first = deferred<string>();
  const second = deferred<string>();
  let firstSignal!: AbortSignal;
  const p1 = run((signal) => {
    firstSignal = signal;
    return first.promise;
  });
  const p2 = run(() => second.promise);
  assert.equal(firstSignal.aborted, true);
  second.resolve('new');
  first.resolve('old'); // finishes after the newer one: must not be shown
  assert.equal(await p2, 'new');
  await assert.rejects(p1, CancelledError);
});

test('the newest call reports its own failure unchanged', async () => {
  const run = createRunLatest();
  await assert.rejects(run(() => Promise.reject(new Error('model broke'))), /model broke/);
  assert.equal(await run(async () => 7), 7);
});
