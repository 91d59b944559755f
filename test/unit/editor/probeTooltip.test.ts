// The live probe's hover: the top-k table and entropy, and while heads are off, that it says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeTooltip } from '../../../src/editor/probeTooltip';

const base = { nTokens: 12, cached: true, next: [{ token: ' x', prob: 0.5 }, { token: '|', prob: 0.25 }], entropy: Math.LN2, temperature: 1 };

test('with every head on: the table and the entropy, no word of heads', () => {
  const md = probeTooltip({ ...base, headsOff: '' });
  assert.equal(md, '**Attention Lens: next token** (after 12 tokens, reused cache)\n\n| token | probability |\n|:--|--:|\n| ␣x | 50.0% |\n| \\| | 25.0% |\n\nEntropy 0.69 nats (1.00 bits), temperature 1');
  assert.doesNotMatch(md, /switched off/);
});

test('with heads off: the hover names them before the table and says the prediction is the ablated model’s', () => {
  const md = probeTooltip({ ...base, headsOff: 'L1.H0, L2.H3' });
  const lines = md.split('\n');
  assert.equal(lines[2], '**With L1.H0, L2.H3 switched off** (outputs zeroed): this is the ablated model\'s prediction. “Attention Lens: Switch All Heads On” turns them back on.');
  assert.equal(lines[4], '| token | probability |', 'a blank line keeps the table a table');
});
