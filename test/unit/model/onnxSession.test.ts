// The ONNX session's attention hand-over against stand-in runtimes: learning the layout, writing in place,
// and falling back to copies when a runtime refuses the buffers or silently ignores them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { OnnxSession } from '../../../src/model/onnxSession';

const H = 2;
const LAYERS = ['attention_lens.layer_0', 'attention_lens.layer_1'];

/** Layer l's attention for S queries over S keys, [1, H, S, S]: distinct values everywhere. */
function layerValues(l: number, S: number): Float32Array {
  return Float32Array.from({ length: H * S * S }, (_, i) => l + i / (H * S * S));
}

interface Behaviour {
  /** What the stand-in does with pre-allocated outputs. */
  given: 'write' | 'refuse' | 'ignore';
}

/** A session with one input and two attention outputs that returns copies, as onnxruntime-node does. */
function standIn(b: Behaviour) {
  const calls = { preAllocated: 0 };
  const session = {
    inputNames: ['input_ids'],
    outputNames: [...LAYERS],
    async run(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor | null>) {
      const S = feeds.input_ids!.dims[1]!;
      const out: Record<string, ort.Tensor> = {};
      for (const [name, given] of Object.entries(fetches)) {
        const values = layerValues(LAYERS.indexOf(name), S);
        if (given) {
          calls.preAllocated++;
          if (b.given === 'refuse') throw new Error('shape mismatch');
          if (b.given === 'write') (given.data as Float32Array).set(values);
        }
        out[name] = new ort.Tensor('float32', values.slice(), [1, H, S, S]); // always a fresh copy
      }
      return out;
    },
  };
  const onnx = new OnnxSession(session as unknown as ort.InferenceSession, {
    inputs: [{ name: 'input_ids', elemType: 7, dims: ['batch', 'sequence'] }],
    attentionOutputs: LAYERS,
    nLayers: 2,
    reductions: null,
  }, { heads: H, kvHeads: H, headDim: 4, vocab: 0 }, 'stand-in');
  return { onnx, calls };
}

const expected = (S: number) => {
  const all = new Float32Array(LAYERS.length * H * S * S);
  LAYERS.forEach((_, l) => all.set(layerValues(l, S), l * H * S * S)); // [L, H, S, S]
  return all;
};

test('the first forward learns the layout from copies; later ones have the runtime write into the buffer', async () => {
  const { onnx, calls } = standIn({ given: 'write' });
  assert.equal(onnx.attentionSize(3, 3), 2 * H * 9, 'sized from the config before any run');
  const buffer = new Float32Array(100).fill(-1);
  const first = await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer);
  assert.equal(calls.preAllocated, 0);
  assert.equal(first.attention!.data.buffer, buffer.buffer, 'copied into the given buffer');
  assert.deepEqual(Array.from(first.attention!.data), Array.from(expected(3)));
  const second = await onnx.forward([1, 2, 3, 4], null, 0, { attention: true }, 1, buffer);
  assert.equal(calls.preAllocated, 2, 'both layers pre-allocated');
  assert.equal(second.attention!.data.buffer, buffer.buffer);
  assert.deepEqual([second.attention!.nLayers, second.attention!.nHeads], [2, H]);
  assert.deepEqual(Array.from(second.attention!.data), Array.from(expected(4)));
  const small = new Float32Array(5);
  const fresh = await onnx.forward([1, 2], null, 0, { attention: true }, 1, small);
  assert.notEqual(fresh.attention!.data.buffer, small.buffer, 'a buffer too small is not used');
  assert.deepEqual(Array.from(fresh.attention!.data), Array.from(expected(2)));
});

test('a runtime that refuses the buffers: the forward is run again with copies, and never in place again', async () => {
  const { onnx, calls } = standIn({ given: 'refuse' });
  const buffer = new Float32Array(100);
  await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer);
  const out = await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer);
  assert.equal(calls.preAllocated, 1, 'tried once');
  assert.deepEqual(Array.from(out.attention!.data), Array.from(expected(3)));
  await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer);
  assert.equal(calls.preAllocated, 1);
});

test('a runtime that ignores the buffers is caught by the one check, and its copies are used', async () => {
  const { onnx, calls } = standIn({ given: 'ignore' });
  const buffer = new Float32Array(100).fill(-1);
  await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer); // leaves the right values in the buffer
  const out = await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer); // same text: stale values must not pass
  assert.equal(calls.preAllocated, 2);
  assert.deepEqual(Array.from(out.attention!.data), Array.from(expected(3)), 'the copies, not the untouched buffer');
  await onnx.forward([1, 2, 3], null, 0, { attention: true }, 1, buffer);
  assert.equal(calls.preAllocated, 2, 'not tried again');
});
