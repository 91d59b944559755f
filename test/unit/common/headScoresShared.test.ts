// One definition of every head score: the panel's TypeScript (src/common/stats.ts) and the model
// card's Python (training/heads.py) must give the same numbers on the same attention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { allHeadStats, HEAD_STAT_NAMES, LABEL_THRESHOLDS } from '../../../src/common/stats';
import shared from '../../../src/common/headScores.json';
import { rng } from '../../helpers/randomText';

const root = path.resolve(__dirname, '../../..');

/** Softmax rows of random scores, masked causally when asked: [L, H, T, T]. */
function randomAttention(L: number, H: number, T: number, causal: boolean, rand: () => number): Float32Array {
  const a = new Float32Array(L * H * T * T);
  for (let m = 0; m < L * H; m++) {
    for (let i = 0; i < T; i++) {
      const row = (m * T + i) * T; // [L·H, Q, K]
      const keys = causal ? i + 1 : T;
      let sum = 0;
      for (let j = 0; j < keys; j++) { a[row + j] = Math.exp(4 * rand()); sum += a[row + j]; }
      for (let j = 0; j < keys; j++) a[row + j] /= sum;
    }
  }
  return a;
}

function pythonStats(att: Float32Array, shape: number[], ids: number[], causal: boolean): Record<string, number[][]> {
  const script = [
    'import json, sys, numpy as np',
    'from training.heads import head_stats',
    'x = json.load(sys.stdin)',
    'att = np.array(x["att"], dtype=np.float32).reshape(x["shape"])',
    's = head_stats(att, x["ids"], x["causal"])',
    'print(json.dumps({k: [[None if np.isnan(v) else float(v) for v in r] for r in a.tolist()] for k, a in s.items()}))',
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-c', script], {
    cwd: root, input: JSON.stringify({ att: Array.from(att), shape, ids, causal }), encoding: 'utf8',
  });
  return JSON.parse(out);
}

for (const causal of [true, false]) {
  test(`TypeScript and Python head scores agree on random ${causal ? 'causal' : 'bidirectional'} attention`, () => {
    const rand = rng(causal ? 7 : 8);
    const L = 2, H = 3, T = 40;
    // A small vocabulary, so tokens repeat and the induction score is defined.
    const ids = Array.from({ length: T }, () => Math.floor(rand() * 9));
    const att = randomAttention(L, H, T, causal, rand);
    const ts = allHeadStats(att, L, H, T, ids, causal); // [L, H, S]
    const py = pythonStats(att, [L, H, T, T], ids, causal);
    for (let l = 0; l < L; l++) {
      for (let h = 0; h < H; h++) {
        HEAD_STAT_NAMES.forEach((name, k) => {
          // Scores only the panel computes (headScores.json says "panel only") have no Python side.
          if (!(name in py)) return assert.match((shared.scores as Record<string, string>)[name] ?? '', /^panel only/, `${name} has no Python twin`);
          const a = ts[(l * H + h) * HEAD_STAT_NAMES.length + k], b = py[name][l][h];
          assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${name} L${l}H${h}: TypeScript ${a}, Python ${b}`);
        });
      }
    }
  });
}

test('induction is undefined on both sides when no token repeats', () => {
  const T = 6;
  const att = randomAttention(1, 1, T, true, rng(3));
  const ids = [0, 1, 2, 3, 4, 5];
  const ts = allHeadStats(att, 1, 1, T, ids, true);
  const py = pythonStats(att, [1, 1, T, T], ids, true);
  assert.ok(Number.isNaN(ts[HEAD_STAT_NAMES.indexOf('induction')]));
  assert.equal(py.induction[0][0], null);
});

test('the label thresholds are the shared file\'s', () => {
  for (const [k, v] of Object.entries(LABEL_THRESHOLDS)) assert.equal(v, (shared.labels as Record<string, number>)[k]);
  const script = 'import json; from training.heads import THRESHOLDS; print(json.dumps(THRESHOLDS))';
  const py = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { cwd: root, encoding: 'utf8' }));
  assert.deepEqual(py, { previous_token: shared.labels.previousToken, first_token_sink: shared.labels.sink, induction: shared.labels.induction, bracket_matching: shared.labels.bracketMatching });
});
