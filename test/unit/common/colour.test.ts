import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLORBLIND_STOPS, buildPalette, contrast, interpolateStops, paletteToPixels, parseCssColour, unitToWeight, weightIndex, weightIndexTable, weightToUnit } from '../../../src/common/colour';

test('parses the colour forms themes use', () => {
  assert.deepEqual(parseCssColour('#1e1e1e'), [30, 30, 30]);
  assert.deepEqual(parseCssColour(' #FFF '), [255, 255, 255]);
  assert.deepEqual(parseCssColour('#3794ff80'), [55, 148, 255]);
  assert.deepEqual(parseCssColour('rgba(10, 20, 30, 0.5)'), [10, 20, 30]);
  assert.deepEqual(parseCssColour('rgb(1 2 3)'), [1, 2, 3]);
  assert.equal(parseCssColour('var(--x)'), null);
  assert.equal(parseCssColour('#12345'), null);
});

test('linear and log weight scales', () => {
  assert.equal(weightToUnit(0.3, false), 0.3);
  assert.equal(weightToUnit(-1, false), 0);
  assert.equal(weightToUnit(2, true), 1);
  assert.ok(Math.abs(weightToUnit(0.01, true) - 0.5) < 1e-12); // 1e-4..1 is four decades
  assert.equal(weightToUnit(1e-6, true), 0);
  assert.ok(Math.abs(unitToWeight(0.75, true) - 0.1) < 1e-12);
});

test('palette ends at the stops and pixels are little-endian RGBA', () => {
  const p = buildPalette(COLORBLIND_STOPS);
  assert.deepEqual(p[0], COLORBLIND_STOPS[0]);
  assert.deepEqual(p[255], COLORBLIND_STOPS[4]);
  assert.deepEqual(interpolateStops(COLORBLIND_STOPS, 0.5), COLORBLIND_STOPS[2]);
  const px = paletteToPixels([[1, 2, 3]]);
  const bytes = new Uint8Array(px.buffer, 0, 4);
  assert.deepEqual([...bytes], [1, 2, 3, 255]);
});

test('weight index table agrees with weightToUnit', () => {
  const t = weightIndexTable(true);
  // Weights are quantised to 1/65535 before the table: within one palette step of the exact value.
  assert.ok(Math.abs(weightIndex(0.01, t) - 127.5) <= 1);
  assert.equal(weightIndex(1, t), 255);
  assert.equal(weightIndex(0, t), 0);
  assert.equal(weightIndex(0.5, weightIndexTable(false)), 128);
});

test('the colour-blind scale rises in lightness and spans strong contrast', () => {
  assert.ok(contrast(COLORBLIND_STOPS[0], COLORBLIND_STOPS[4]) > 7);
  assert.ok(Math.abs(contrast([0, 0, 0], [255, 255, 255]) - 21) < 1e-9);
});
