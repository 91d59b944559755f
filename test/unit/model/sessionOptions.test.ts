// ONNX Runtime's CPU arena: on for small models (faster probes and analyses, flat memory), off for
// large ones, whose arena would keep the high-water mark of attention-sized intermediates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARENA_MAX_MODEL_BYTES, sessionOptions } from '../../../src/model/load';

test('the arena is on for the bundled model\'s size and off from ARENA_MAX_MODEL_BYTES (GPT-2 small is ~500 MB)', () => {
  assert.equal(sessionOptions(11 * 2 ** 20).enableCpuMemArena, true);
  assert.equal(sessionOptions(ARENA_MAX_MODEL_BYTES - 1).enableCpuMemArena, true);
  assert.equal(sessionOptions(ARENA_MAX_MODEL_BYTES).enableCpuMemArena, false);
  assert.equal(sessionOptions(500 * 2 ** 20).enableCpuMemArena, false);
  assert.equal(sessionOptions(500 * 2 ** 20).enableMemPattern, false, 'memory patterns stay off (a new shape at every probe)');
});
