// Switching heads off for the whole model: analyses, probes and continuations run with those
// heads' outputs zeroed, agree with the ablation view, and switching them back on is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/model/index';
import { expectError } from '../helpers/assertions';
import { fidelitySamples, testCacheDir, testModelDir } from '../helpers/models';

test('heads off: analysis equals the ablation view, the probe follows, all back on is bit for bit', async () => {
  const dir = testModelDir();
  const { samples } = fidelitySamples(dir);
  const text = samples[0]!.text;
  const model = await loadModel({ name: 'test', path: dir }, { cacheDir: testCacheDir });
  try {
    const plain = await model.analyze(text, { topK: 3, maxTokens: 512 });
    const { nHeads: H, nTokens: T } = plain.shape;
    const ablation = (await model.internals(text, { ablation: true, maxTokens: 512 })).ablation!;
    const plainProbe = await model.probe(text, { topK: 3 });

    await model.setHeadsOff([{ layer: 1, head: 0 }]);
    assert.deepEqual(model.headsOff, [{ layer: 1, head: 0 }]);
    const off = await model.analyze(text, { topK: 3, maxTokens: 512 });
    assert.deepEqual(off.headsOff, [{ layer: 1, head: 0 }], 'the result says which heads were off');
    for (let t = 1; t < T; t++) {
      const change = off.tokens[t]!.logprob! - plain.tokens[t]!.logprob!;
      assert.ok(Math.abs(change - ablation.delta[(1 * H + 0) * T + t]!) <= 1e-5, `token ${t}: the same change as the ablation view`);
    }
    const offProbe = await model.probe(text, { topK: 3 });
    const offFresh = await model.probe(text, { topK: 3, useCache: false });
    assert.deepEqual(offProbe.next.map((n) => n.id), offFresh.next.map((n) => n.id), 'the probe through its cache equals recomputation with the head off');
    assert.ok(offProbe.next.some((n, i) => Math.abs(n.prob - plainProbe.next[i]!.prob) > 1e-6) || offProbe.next[0]!.id !== plainProbe.next[0]!.id, 'the probe changed');
    assert.equal(off.next[0]!.id, offProbe.next[0]!.id, 'probe and analysis agree on the top-1 with the head off');

    await model.setHeadsOff([]);
    assert.deepEqual(model.headsOff, []);
    const back = await model.analyze(text, { topK: 3, maxTokens: 512 });
    assert.equal(back.headsOff, undefined);
    assert.deepEqual(Array.from(back.attention), Array.from(plain.attention), 'all heads back on: the plain analysis again');
    assert.deepEqual(back.tokens.map((t) => t.logprob), plain.tokens.map((t) => t.logprob));
    await assert.rejects(model.setHeadsOff([{ layer: 99, head: 0 }]), expectError('internals-missing', /no head L99\.H0/));
  } finally {
    await model.dispose();
  }
});
