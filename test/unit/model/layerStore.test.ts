// The store of an analysis's dropped layers, with a stand-in model: least recently used layers go
// first, no more than the budget is held, a failed recompute is reported and tried again next time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeLayer } from '../../../src/common/attentionCodes';
import { fetchLayers, missingLayers, touchLayers } from '../../../src/model/layerStore';
import { attentionLayers } from '../../../src/common/attentionLayers';
import type { AnalysisResult } from '../../../src/model/types';

const shape = { nLayers: 4, nHeads: 1, nTokens: 2 };
/** Layer l is [1, 0, l/8, 1 − l/8] ([H, Q, K], H = 1). */
const exact = (l: number) => Float32Array.from([1, 0, l / 8, 1 - l / 8]);

function analysis(kept: number[], keptLayers: number, fail = new Set<number>()) {
  const calls: number[][] = [];
  const result = {
    shape, attention: new Float32Array(0), keptLayers,
    stored: [0, 1, 2, 3].map((l) => (kept.includes(l) ? encodeLayer(exact(l), 1, 2) : null)),
    recompute: async (layers: readonly number[]) => {
      calls.push([...layers]);
      const bad = layers.find((l) => fail.has(l));
      if (bad !== undefined) { fail.delete(bad); throw new Error(`layer ${bad} failed`); }
      return layers.map((l) => encodeLayer(exact(l), 1, 2));
    },
  } as unknown as AnalysisResult;
  return { result, calls, held: () => result.stored!.flatMap((x, l) => (x ? [l] : [])) };
}

test('a budget of two layers: the least recently read one is dropped for the recomputed one', async () => {
  const { result, calls, held } = analysis([0, 1], 2);
  assert.deepEqual(missingLayers(result, [0, 1, 2, 3]), [2, 3]);
  touchLayers(result, [0]); // 1 is now the least recently read
  const f = await fetchLayers(result, [3]);
  assert.deepEqual(f.recomputed, [3]);
  assert.deepEqual(held(), [0, 3]);
  assert.deepEqual(Array.from(attentionLayers(result).layer(3)), Array.from(exact(3)));
  await fetchLayers(result, [0, 3]);
  assert.deepEqual(calls, [[3]], 'held layers are not recomputed');
  await fetchLayers(result, [1, 2]);
  assert.deepEqual(calls.slice(1), [[1, 2]], 'the layers a read needs together are asked for together');
  assert.deepEqual(held(), [1, 2]);
  await assert.rejects(fetchLayers(result, [0, 1, 3]), /cannot be held at once/);
});

test('a failed recompute is reported, nothing is held for it, and the next read tries again', async () => {
  const { result, calls, held } = analysis([0], 1, new Set([2]));
  await assert.rejects(fetchLayers(result, [2]), /layer 2 failed/);
  assert.deepEqual(held(), [0]);
  await fetchLayers(result, [2]);
  assert.deepEqual(calls, [[2], [2]]);
  assert.deepEqual(held(), [2]);
});

test('an analysis whose layers are all kept never waits', async () => {
  const { result, calls } = analysis([0, 1, 2, 3], 4);
  assert.deepEqual((await fetchLayers(result, [0, 1, 2, 3])).recomputed, []);
  assert.deepEqual(calls, []);
});
