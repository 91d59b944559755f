// .npy files and float16 rounding, checked against NumPy itself (numpy.load, astype(float16)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NpyRowsWriter, writeNpy } from '../../../src/model/npy';
import { floatToHalf, halfToFloat } from '../../../src/common/half';
import { python } from '../../helpers/python';
import { blockOf } from '../../helpers/queryBlocks';

const work = mkdtempSync(path.join(os.tmpdir(), 'attention-lens-npy-'));

function values(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 12.9898) * 0.5 + 0.5) / (1 + (i % 7));
  out.set([0, 1, 6.1e-5, 3e-8, 65504, 70000, -2.5], 0);
  return out;
}

test('writeNpy float32 and float16 load in NumPy with the shape and the values (float16 rounded as NumPy rounds)', async () => {
  const shape = [2, 3, 5, 7];
  const data = values(2 * 3 * 5 * 7);
  const f32 = path.join(work, 'a32.npy');
  const f16 = path.join(work, 'a16.npy');
  await writeNpy(f32, data, shape, 'float32');
  await writeNpy(f16, data, shape, 'float16');
  const raw = path.join(work, 'raw.f32');
  writeFileSync(raw, Buffer.from(data.buffer));
  const out = python(`
import sys, numpy as np
a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); ref = np.fromfile(sys.argv[3], dtype='<f4').reshape(2, 3, 5, 7)
print(a.dtype, a.shape, b.dtype, b.shape, np.array_equal(a, ref), np.array_equal(b, ref.astype(np.float16)))
`, f32, f16, raw);
  assert.equal(out.trim(), 'float32 (2, 3, 5, 7) float16 (2, 3, 5, 7) True True');
  const bytes = readFileSync(f32);
  assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0, 'the data starts on a 64-byte boundary');
});

test('a 1-D array and a shape that does not fit the data', async () => {
  const f = path.join(work, 'one.npy');
  await writeNpy(f, new Float32Array([0.5, 0.25, 2]), [3], 'float32');
  assert.equal(python('import sys, numpy as np; a = np.load(sys.argv[1]); print(a.shape, a.tolist())', f).trim(), '(3,) [0.5, 0.25, 2.0]');
  await assert.rejects(writeNpy(f, new Float32Array(5), [2, 3], 'float32'), /2×3 holds 6 values, the data 5/);
});

test('floatToHalf matches NumPy on ties, subnormals, overflow and a sweep of values', () => {
  const xs = Array.from(values(4000));
  xs.push(1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 65520, 1e-10, 0.1, 1 / 3);
  const file = path.join(work, 'xs.json');
  writeFileSync(file, JSON.stringify(xs));
  const ref = JSON.parse(python(`
import sys, json, numpy as np
xs = np.array(json.load(open(sys.argv[1])), dtype=np.float32)
print(json.dumps(xs.astype(np.float16).view(np.uint16).tolist()))
`, file)) as number[];
  const wrong = xs.map((x, i) => [x, floatToHalf(x), ref[i]]).filter(([, h, r]) => h !== r);
  assert.deepEqual(wrong, []);
  assert.equal(floatToHalf(Infinity), 0x7c00);
  assert.equal(floatToHalf(-0), 0x8000);
  assert.ok(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  for (const h of ref) assert.equal(floatToHalf(halfToFloat(h)), h, 'float16 → number → float16 is exact');
});

test('NpyRowsWriter: causal attention written block by block loads in NumPy as the whole array (float32 exact, float16 as NumPy rounds)', async () => {
  const [L, H, T] = [2, 3, 11];
  const whole = new Float32Array(L * H * T * T); // [L, H, T, T], zero above each diagonal
  const some = values(whole.length);
  for (let lh = 0; lh < L * H; lh++) for (let q = 0; q < T; q++) for (let k = 0; k <= q; k++) whole[(lh * T + q) * T + k] = some[(lh * T + q) * T + k]!;
  const raw = path.join(work, 'rows.f32');
  writeFileSync(raw, Buffer.from(whole.buffer));
  for (const dtype of ['float32', 'float16'] as const) {
    const file = path.join(work, `rows-${dtype}.npy`);
    const writer = await NpyRowsWriter.open(file, dtype);
    assert.equal(writer.started, false);
    for (const [q0, q1] of [[0, 4], [4, 5], [5, 11]] as const) {
      const S = Math.min(T, q1 + 1) - q0, K = q0 + S; // the rows and the next block's first, as forwardInBlocks runs them
      await writer.writeRows(blockOf(whole, L, H, T, q0, S, K), { nLayers: L, nHeads: H, nTokens: T }, S, K, q0, q1);
    }
    assert.equal(writer.started, true);
    await writer.close();
    const out = python(`
import sys, numpy as np
a = np.load(sys.argv[1]); ref = np.fromfile(sys.argv[2], dtype='<f4').reshape(${L}, ${H}, ${T}, ${T})
print(a.dtype, a.shape, np.array_equal(a, ref.astype(a.dtype)))
`, file, raw);
    assert.equal(out.trim(), `${dtype} (${L}, ${H}, ${T}, ${T}) True`);
  }
});
