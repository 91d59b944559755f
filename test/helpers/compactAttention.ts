// Shared by the compact-attention tests (test/model/compact.test.ts, dropLayers.test.ts): the text
// they analyse and the comparison with float32 within what the panel shows.
import assert from 'node:assert/strict';

/** 160 tokens of Python for the bundled test model: 4 layers × 4 heads × 160² floats are 1.6 MB. */
export const compactText = 'def mean(values):\n    return sum(values) / len(values)\n\nprint(mean([1, 2, 3]))  # the mean\n'.repeat(5);
export const compactOpts = { topK: 5, maxTokens: 160 };

/** Within half a unit of what the panel shows of a weight (formatWeight: 4 decimals from 0.001, 3 significant digits below). */
export function assertShownEqual(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    const tol = w >= 0.001 ? 5e-5 : w < 2 ** -40 ? 2 ** -40 : 5e-3 * w;
    if (!(Math.abs(g - w) <= tol)) assert.fail(`${what}[${i}]: ${g} for ${w}`);
  }
}
