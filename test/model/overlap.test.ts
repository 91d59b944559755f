// Overlapping requests on a real model: the newest wins, stale ones are cancelled, nothing arrives out of order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError, loadModel } from '../../src/model/index';
import { LatestWins } from '../../src/base/latestWins';
import { testCacheDir, testModelDir } from '../helpers/models';

test('three quick analyses through a latest-wins runner: only the last result is delivered, and it is right', async () => {
  const model = await loadModel({ name: 'overlap', path: testModelDir() }, { cacheDir: testCacheDir });
  try {
    const runner = new LatestWins();
    const texts = ['first selection, a bit longer than the others '.repeat(4), 'second one', 'third: the one that counts'];
    const delivered: string[] = [];
    const outcomes = await Promise.allSettled(
      texts.map((text) => runner.run((signal) => model.analyze(text, { topK: 3, maxTokens: 512, signal })).then((r) => { delivered.push(r.text); return r; })),
    );
    assert.ok(outcomes[0].status === 'rejected' && outcomes[0].reason instanceof CancelledError);
    assert.ok(outcomes[1].status === 'rejected' && outcomes[1].reason instanceof CancelledError);
    assert.equal(outcomes[2].status, 'fulfilled');
    assert.deepEqual(delivered, [texts[2]]);
    const direct = await model.analyze(texts[2]!, { topK: 3, maxTokens: 512 });
    const last = (outcomes[2] as PromiseFulfilledResult<Awaited<ReturnType<typeof model.analyze>>>).value;
    assert.deepEqual(last.tokens, direct.tokens);
    assert.deepEqual(Array.from(last.attention), Array.from(direct.attention));
  } finally {
    await model.dispose();
  }
});

test('an aborted signal cancels an analysis before it runs', async () => {
  const model = await loadModel({ name: 'abort', path: testModelDir() }, { cacheDir: testCacheDir });
  try {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(model.analyze('hello', { topK: 3, maxTokens: 16, signal: controller.signal }), CancelledError);
    await assert.rejects(model.probe('hello', { topK: 3, signal: controller.signal }), CancelledError);
  } finally {
    await model.dispose();
  }
});
