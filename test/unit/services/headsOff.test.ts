// The heads-off state: what it hands the model, what it tells its listeners, and what it keeps
// when the model refuses, against a stand-in model that checks heads as the real one does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeadsOff, headsCount, headsLabel, type HeadsOffChange } from '../../../src/services/headsOff';
import type { HeadRef, LoadedModel } from '../../../src/model';
import { deferred } from '../base/fakeTimers';

/** A 2-layer × 3-head model that records every set it is given and refuses heads it lacks. */
function setup() {
  const applied: HeadRef[][] = [];
  let gate: Promise<void> | null = null;
  const model = {
    async setHeadsOff(heads: HeadRef[]) {
      if (gate) await gate;
      const bad = heads.find((x) => x.layer >= 2 || x.head >= 3);
      if (bad) throw new Error(`There is no head L${bad.layer}.H${bad.head}`);
      applied.push(heads.map((x) => ({ ...x })));
    },
  } as unknown as LoadedModel;
  const state = new HeadsOff({ run: (fn) => fn(model) });
  const changes: HeadsOffChange[] = [];
  state.onDidChange((c) => changes.push(c));
  return { state, applied, changes, hold: (p: Promise<void>) => { gate = p; } };
}

test('switching heads applies the sorted set to the model, then tells the listeners', async () => {
  const { state, applied, changes } = setup();
  assert.deepEqual(await state.set([{ layer: 1, head: 2 }, { layer: 0, head: 1 }, { layer: 1, head: 2 }]), [{ layer: 0, head: 1 }, { layer: 1, head: 2 }]);
  assert.deepEqual(applied, [[{ layer: 0, head: 1 }, { layer: 1, head: 2 }]], 'sorted, each head once');
  assert.deepEqual(changes, [{ heads: [{ layer: 0, head: 1 }, { layer: 1, head: 2 }], reason: 'switched' }]);
  assert.equal(state.isOff(1, 2), true);
  assert.equal(state.isOff(1, 1), false);

  await state.toggle(0, 1); // on again
  await state.toggle(0, 0); // off
  assert.deepEqual(state.current, [{ layer: 0, head: 0 }, { layer: 1, head: 2 }]);
  assert.deepEqual(applied.at(-1), state.current, 'the model runs with what the state says');
  await state.allOn();
  assert.deepEqual(state.current, []);
  assert.deepEqual(applied.at(-1), [], 'all on: the model is given []');
  assert.equal(changes.length, 4);
  await state.allOn();
  assert.equal(changes.length, 4, 'no change, no news');
});

test('two toggles in a row both count, each on the set the one before left', async () => {
  const { state, applied, hold } = setup();
  const wait = deferred<void>();
  hold(wait.promise);
  const first = state.toggle(0, 0);
  const second = state.toggle(1, 1);
  wait.resolve();
  await first;
  assert.deepEqual(await second, [{ layer: 0, head: 0 }, { layer: 1, head: 1 }]);
  assert.deepEqual(applied, [[{ layer: 0, head: 0 }], [{ layer: 0, head: 0 }, { layer: 1, head: 1 }]]);
});

test('a head the model lacks is refused with its message, and the set stays as it was', async () => {
  const { state, changes } = setup();
  await state.toggle(0, 2);
  await assert.rejects(state.toggle(5, 0), /no head L5\.H0/);
  assert.deepEqual(state.current, [{ layer: 0, head: 2 }]);
  assert.equal(changes.length, 1);
  assert.deepEqual(await state.toggle(1, 0), [{ layer: 0, head: 2 }, { layer: 1, head: 0 }], 'later switches still run');
});

test('a new model starts with every head on, and the listeners hear why', async () => {
  const { state, changes } = setup();
  state.modelChanged();
  assert.equal(changes.length, 0, 'nothing was off: nothing to say');
  await state.toggle(1, 1);
  state.modelChanged();
  assert.deepEqual(state.current, []);
  assert.deepEqual(changes.at(-1), { heads: [], reason: 'modelChanged' });
});

test('labels: heads named L.H, counted in words', () => {
  assert.equal(headsLabel([{ layer: 1, head: 0 }, { layer: 2, head: 3 }]), 'L1.H0, L2.H3');
  assert.equal(headsCount(1), '1 head off');
  assert.equal(headsCount(2), '2 heads off');
});
