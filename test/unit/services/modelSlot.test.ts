import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelSlot } from '../../../src/services/modelSlot';
import { CancelledError } from '../../../src/base/cancel';
import { SerialQueue } from '../../../src/base/serialQueue';
import { deferred, flush } from '../base/fakeTimers';

/** Keeps LoadedModel's contract with the real queue: calls in its queue, dispose after the calls queued before it. */
class FakeModel {
  disposed = false;
  private readonly queue = new SerialQueue();
  constructor(readonly path: string) {}
  serial<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.queue.run(task, signal);
  }
  dispose(): Promise<void> {
    return this.queue.run(async () => { this.disposed = true; });
  }
}

const spec = (path: string) => ({ name: path.split('/').pop()!, path });

function setup(broken: Set<string> = new Set()) {
  const loads: string[] = [];
  const kept: string[] = [];
  const slot = new ModelSlot<FakeModel>({
    load: async (s) => {
      loads.push(s.path);
      await flush();
      if (broken.has(s.path)) throw new Error(`missing ${s.path}`);
      return new FakeModel(s.path);
    },
    keptPrevious: (_err, s, previous) => kept.push(`${s.path} -> kept ${previous.path}`),
  });
  return { slot, loads, kept, broken };
}

test('nothing loads until first use, and concurrent first uses share one load', async () => {
  const { slot, loads } = setup();
  assert.equal(slot.peek(), undefined);
  const [a, b] = await Promise.all([slot.get(spec('/m/a')), slot.get(spec('/m/a'))]);
  assert.equal(a, b);
  assert.deepEqual(loads, ['/m/a']);
  await slot.get(spec('/m/a'));
  assert.deepEqual(loads, ['/m/a'], 'loaded once');
});

test('a new folder that fails keeps the previous model, and is not retried until the setting changes', async () => {
  const { slot, loads, kept } = setup(new Set(['/m/broken']));
  const a = await slot.get(spec('/m/a'));
  const got = await slot.settingChanged(spec('/m/broken'));
  assert.equal(got, a, 'still the old model');
  assert.deepEqual(kept, ['/m/broken -> kept /m/a']);
  assert.equal(await slot.get(spec('/m/broken')), a);
  assert.deepEqual(loads, ['/m/a', '/m/broken'], 'no retry loop');
  assert.equal(a.disposed, false);
});

test('switching folders disposes the old model only after calls queued before the switch finish', async () => {
  const { slot } = setup();
  const a = await slot.get(spec('/m/a'));
  const gate = deferred<void>();
  let path = '/m/a';
  const running = slot.run(() => spec(path), async (m) => {
    await gate.promise;
    return m.path;
  });
  await flush();
  path = '/m/b';
  const b = await slot.settingChanged(spec('/m/b'))!;
  assert.equal(b.path, '/m/b');
  await flush();
  assert.equal(a.disposed, false, 'the running call still holds the old model');
  gate.resolve();
  assert.equal(await running, '/m/a');
  await flush();
  assert.equal(a.disposed, true);
});

test('calls run one at a time, in order; an aborted waiting call never runs', async () => {
  const { slot } = setup();
  const order: string[] = [];
  const gate = deferred<void>();
  const s = () => spec('/m/a');
  const first = slot.run(s, async () => {
    order.push('first:start');
    await gate.promise;
    order.push('first:end');
  });
  const controller = new AbortController();
  const second = slot.run(s, async () => void order.push('second'), controller.signal);
  const third = slot.run(s, async () => void order.push('third'));
  controller.abort();
  gate.resolve();
  await first;
  await assert.rejects(second, CancelledError);
  await third;
  assert.deepEqual(order, ['first:start', 'first:end', 'third']);
});

test('with no model to fall back on, background calls reuse the failure; explicit calls retry', async () => {
  const { slot, loads, broken } = setup(new Set(['/m/x']));
  const s = () => spec('/m/x');
  await assert.rejects(slot.run(s, async () => 1), /missing \/m\/x/);
  await assert.rejects(slot.run(s, async () => 1, undefined, { background: true }), /missing \/m\/x/);
  assert.deepEqual(loads, ['/m/x'], 'the background call did not load again');
  broken.clear(); // the person fixed the folder
  assert.equal(await slot.run(s, async (m) => m.path), '/m/x', 'an explicit call retries');
  assert.deepEqual(loads, ['/m/x', '/m/x']);
});

test('reload loads the same folder again and disposes the old instance', async () => {
  const { slot } = setup();
  const a = await slot.get(spec('/m/a'));
  const a2 = await slot.reload(spec('/m/a'));
  assert.notEqual(a, a2);
  await flush();
  assert.equal(a.disposed, true);
  assert.equal(slot.peek(), a2);
});
