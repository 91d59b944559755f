// The compact attention codes against the float32 values they stand for: relative error within
// 2^-16 at every magnitude (so within what the panel shows, formatWeight: 4 decimals from 0.001 up,
// 3 significant digits below, even after a view renormalises rows), zeros exact; and the layer
// reader that decodes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codedBytes, decodeAttention, decodeLayer, encodeAttention, encodeLayer, layerCodeBytes } from '../../../src/common/attentionCodes';
import { denseLayers, storedLayers } from '../../../src/common/attentionLayers';
import { formatWeight } from '../../../webview/heatmapAxes';
import { rng } from '../../helpers/randomText';

function probabilities(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 4;
    // Uniform in [0, 1], log-uniform down to 2^-100, near 1, and exact zeros.
    out[i] = kind === 0 ? r() : kind === 1 ? 2 ** (-100 * r()) : kind === 2 ? 1 - r() * 1e-3 : 0;
  }
  out.set([1, 2 ** -8, 1e-3, 0.5, 2 ** -126, 3.4e38], 0);
  return out;
}

const roundTrip = (x: Float32Array) => {
  const codes = new Uint8Array(codedBytes(x.length));
  encodeAttention(x, codes);
  const back = new Float32Array(x.length);
  decodeAttention(codes, back);
  return { codes, back };
};

test('every value decodes within 2^-16 relative (zeros exact), so within half a unit of the digits the panel shows', () => {
  const x = probabilities(200_000, 1);
  const { codes, back } = roundTrip(x);
  assert.equal(codes.length, 600_000, 'three bytes a value');
  for (let i = 0; i < x.length; i++) {
    const exact = x[i]!, got = back[i]!;
    if (exact === 0) { assert.equal(got, 0); continue; }
    assert.ok(Math.abs(got / exact - 1) <= 2 ** -16, `${exact} → ${got}`);
    // What the hover shows: 4 decimals from 0.001 (half a unit 5e-5), 3 significant digits below.
    if (exact <= 1) assert.ok(Math.abs(got - exact) <= (exact >= 0.001 ? 5e-5 : 5e-3 * exact), `${formatWeight(exact)} shown as ${formatWeight(got)}`);
  }
  // Below float32's normal range (2^-126) precision is absolute: within 2^-134.
  const tiny = Float32Array.from([1e-45, 1e-40, 2 ** -130]);
  roundTrip(tiny).back.forEach((v, i) => assert.ok(Math.abs(v - tiny[i]!) <= 2 ** -134, `${tiny[i]} → ${v}`));
});

test('codes are each value\'s top three bytes, rounded, and decode back, at every length, start and alignment', () => {
  // Byte at a time, as the layout is defined: little-endian bits 8..31 of the float32, rounded to nearest on bits 0..7.
  const reference = (x: Float32Array) => {
    const bits = new Uint32Array(x.buffer, x.byteOffset, x.length), out = new Uint8Array(3 * x.length);
    bits.forEach((b, i) => { const r = Math.min(0xffffff, Math.round(b / 256)); out.set([r & 0xff, (r >> 8) & 0xff, r >> 16], 3 * i); });
    return out;
  };
  const values = probabilities(40, 3);
  values.set(new Float32Array(new Uint32Array([0x3f7fff80, 0x3f7fff7f, 0x3effffff, 0x00000080]).buffer), 6); // carries into the exponent, just under, a subnormal
  for (let n = 0; n <= 13; n++) {
    for (let offset = 0; offset < 4; offset++) {
      const x = values.slice(n, 2 * n);
      const dst = new Uint8Array(offset + 3 * x.length + 2).fill(0xaa);
      encodeAttention(x, dst.subarray(offset, offset + 3 * x.length));
      assert.deepEqual(dst.subarray(offset, offset + 3 * x.length), reference(x), `${n} values at byte ${offset}`);
      assert.ok(dst.subarray(0, offset).every((v) => v === 0xaa) && dst.subarray(offset + 3 * x.length).every((v) => v === 0xaa), 'nothing written outside');
      // Decoded from any value on, at any alignment: each value's top three bytes and a zero byte.
      for (let from = 0; from <= n; from++) {
        const back = new Float32Array(n - from);
        decodeAttention(dst.subarray(offset), back, from);
        const expect = new Uint32Array(n - from).map((_, i) => (dst[offset + 3 * (from + i)]! << 8 | dst[offset + 3 * (from + i) + 1]! << 16 | dst[offset + 3 * (from + i) + 2]! << 24) >>> 0);
        assert.deepEqual(new Uint32Array(back.buffer), expect, `${n} values at byte ${offset}, decoded from ${from}`);
      }
    }
  }
});

test('a row renormalised after dropping a heavy sink stays within the shown precision', () => {
  const row = Float32Array.from([0.999, 2e-4, 3e-4, 5e-4]); // sink, then the rest
  const { back } = roundTrip(row);
  // As dropSinkRow does: the rest divided by its own sum, so relative errors carry over unchanged.
  const shown = (r: Float32Array) => { const rest = r[1]! + r[2]! + r[3]!; return Array.from(r.subarray(1), (v) => v / rest); };
  shown(back).forEach((v, i) => assert.ok(Math.abs(v - shown(row)[i]!) <= 5e-5, `${v} vs ${shown(row)[i]}`));
});

test('stored layers decode on request, exact layers pass through, and sizes are checked', () => {
  const shape = { nLayers: 2, nHeads: 3, nTokens: 5 };
  const dense = probabilities(2 * 3 * 25, 2);
  const codes = roundTrip(dense.subarray(0, 75)).codes;
  const layers = storedLayers([codes, dense.slice(75)], shape);
  const whole = denseLayers(dense, shape);
  const first = layers.layer(0);
  first.forEach((v, i) => { const w = whole.layer(0)[i]!; assert.ok(w === 0 ? v === 0 : Math.abs(v / w - 1) <= 2 ** -16); });
  assert.equal(layers.layer(0), first, 'the last decoded layer is kept');
  assert.deepEqual(layers.layer(1), whole.layer(1));
  assert.throws(() => layers.layer(2), /layer 2 is outside/);
  assert.throws(() => storedLayers([codes], shape), /does not match/);
  assert.throws(() => denseLayers(dense.subarray(1), shape), /not L·H·T·T/);
});

test('above the diagonal, −0 counts as zero and anything else (the least subnormal, NaN, a negative) as weight', () => {
  const H = 2, T = 5;
  const causal = new Float32Array(H * T * T);
  for (let h = 0; h < H; h++) for (let q = 0; q < T; q++) causal.fill(1 / (q + 1), (h * T + q) * T, (h * T + q) * T + q + 1); // [H, Q, K]
  const at = (1 * T + 2) * T + 4; // head 1, query 2, key 4
  for (const [value, zero] of [[-0, true], [0, true], [1e-45, false], [NaN, false], [-1e-3, false]] as const) {
    const layer = causal.slice();
    layer[at] = value;
    assert.equal(encodeLayer(layer, H, T).length, layerCodeBytes(H, T, zero), `${Object.is(value, -0) ? '-0' : value} above the diagonal`);
  }
});

test('a causal layer keeps only its lower triangles (half the bytes), a layer with anything above a diagonal keeps every value', () => {
  const H = 3, T = 7;
  const causal = probabilities(H * T * T, 3);
  for (let h = 0; h < H; h++) for (let q = 0; q < T; q++) causal.fill(0, (h * T + q) * T + q + 1, (h * T + q + 1) * T); // [H, Q, K]
  const tri = encodeLayer(causal, H, T);
  assert.equal(tri.length, layerCodeBytes(H, T, true));
  assert.equal(tri.length, 3 * H * (T * (T + 1)) / 2);
  const back = new Float32Array(H * T * T).fill(7); // stale values: the zeros must be written, not assumed
  decodeLayer(tri, back, H, T);
  const whole = roundTrip(causal).back; // the same values through the all-values codes
  assert.deepEqual(Array.from(back), Array.from(whole), 'the same decoded values as the all-values layout');
  const full = probabilities(H * T * T, 3);
  full[1] = 0.25; // query 0 looks at key 1: not causal
  const codes = encodeLayer(full, H, T);
  assert.equal(codes.length, layerCodeBytes(H, T, false));
  const fullBack = new Float32Array(H * T * T);
  decodeLayer(codes, fullBack, H, T);
  assert.deepEqual(Array.from(fullBack), Array.from(roundTrip(full).back));
  assert.throws(() => decodeLayer(codes.subarray(3), fullBack, H, T), /not a layer of 3 heads over 7 tokens/);
  // The layer reader takes either layout.
  const layers = storedLayers([tri, codes], { nLayers: 2, nHeads: H, nTokens: T });
  assert.deepEqual(Array.from(layers.layer(0)), Array.from(whole));
  assert.deepEqual(Array.from(layers.layer(1)), Array.from(roundTrip(full).back));
});
