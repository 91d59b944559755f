// The CLI's --baselines with a model folder whose corpus chains cannot be read: one line on
// stderr, and the table goes on without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusMarkovOrNote } from '../../../src/cli/extras';
import { AttentionLensError } from '../../../src/model/errors';

test('corpus chains pass through; an unreadable file is one stderr line and no rows', () => {
  const chain = { order: 1, codeLengths: (ids: readonly number[]) => new Float64Array(ids.length) };
  const lines: string[] = [];
  assert.deepEqual(corpusMarkovOrNote({ corpusMarkov: () => [chain] }, (l) => lines.push(l)), [chain]);
  assert.equal(lines.length, 0);
  const broken = { corpusMarkov: () => { throw new AttentionLensError('corpus-markov-invalid', 'The corpus Markov models in /m/markov cannot be read: cut short.'); } };
  assert.deepEqual(corpusMarkovOrNote(broken, (l) => lines.push(l)), []);
  assert.deepEqual(lines, ['attention-lens: The corpus Markov models in /m/markov cannot be read: cut short.\n']);
});
