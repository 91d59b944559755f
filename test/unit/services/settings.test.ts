import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSettings } from '../../../src/services/settings';

test('defaults when nothing is set', () => {
  const s = readSettings(() => undefined);
  assert.equal(s.model, 'bundled');
  assert.equal(s.topK, 10);
  assert.equal(s.maxTokens, 512);
  assert.equal(s.attentionMemoryMB, 512);
  assert.equal(s.temperature, 1);
  assert.deepEqual(s.liveProbe, { enabled: false, debounceMs: 15 });
  assert.deepEqual(s.surprisal, { enabled: false, mode: 'rank' });
  assert.deepEqual(s.ghostText, { enabled: false, maxTokens: 8 });
});

test('out-of-range and wrongly typed values are clamped or replaced, never passed on', () => {
  const raw: Record<string, unknown> = {
    topK: 1000,
    maxTokens: 3.7,
    attentionMemoryMB: 1,
    temperature: 0,
    'liveProbe.enabled': 'yes',
    'liveProbe.debounceMs': -5,
    'surprisal.mode': 'colourful',
    'ghostText.maxTokens': Number.NaN,
  };
  const s = readSettings((k) => raw[k]);
  assert.equal(s.topK, 100);
  assert.equal(s.maxTokens, 4);
  assert.equal(s.attentionMemoryMB, 16);
  assert.equal(s.temperature, 0.05);
  assert.equal(s.liveProbe.enabled, false);
  assert.equal(s.liveProbe.debounceMs, 0);
  assert.equal(s.surprisal.mode, 'rank');
  assert.equal(s.ghostText.maxTokens, 8);
});
