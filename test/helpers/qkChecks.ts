// Checks of a q·k breakdown against itself and against the analysis: scale · (q·k) is the softmax
// input wherever a key is visible (masked entries are far below), and softmax of each row of
// softmax inputs is the attention the analysis returns.
import assert from 'node:assert/strict';
import type { QkResult } from '../../src/model/internals';

export function checkQkConsistent(r: QkResult, attention: Float32Array, { L, H, T }: { L: number; H: number; T: number }, tolerance = 1e-4): void {
  const D = r.D;
  assert.equal(r.q.length, L * H * T * D);
  assert.equal(r.scores.length, L * H * T * T);
  for (let l = 0; l < L; l++) {
    for (let h = 0; h < H; h++) {
      for (let i = 0; i < T; i++) {
        const row = ((l * H + h) * T + i) * T; // [L, H, Q, K]
        const max = Math.max(...r.scores.subarray(row, row + T));
        let sum = 0;
        for (let j = 0; j < T; j++) sum += Math.exp(r.scores[row + j]! - max);
        for (let j = 0; j < T; j++) {
          const p = Math.exp(r.scores[row + j]! - max) / sum;
          assert.ok(Math.abs(p - attention[row + j]!) <= 1e-5, `L${l}.H${h} ${i}→${j}: softmax of the scores ${p} is the attention ${attention[row + j]}`);
          if (attention[row + j]! < 1e-30) continue; // a hidden key: the mask, not the product, sets its score
          let dot = 0;
          for (let d = 0; d < D; d++) dot += r.q[((l * H + h) * T + i) * D + d]! * r.k[((l * H + h) * T + j) * D + d]!; // [L, H, T, D]
          const scaled = r.scale[l]! * dot;
          assert.ok(Math.abs(scaled - r.scores[row + j]!) <= tolerance * Math.max(1, Math.abs(scaled)), `L${l}.H${h} ${i}→${j}: scale·q·k ${scaled} is the softmax input ${r.scores[row + j]}`);
        }
      }
    }
  }
}
