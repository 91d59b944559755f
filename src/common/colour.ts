// Colour math for heatmaps: weight → unit interval (linear or log), colour scales, lookup tables.
// Shared by host and webview: no vscode/node imports.

export type Rgb = [number, number, number];
export type ScaleName = 'theme' | 'colorblind';

/** Log scale covers weights from LOG_FLOOR to 1: four decades, floor clamps to 0. */
export const LOG_FLOOR = 1e-4;

/** Maps an attention weight to [0, 1] for colouring. */
export function weightToUnit(w: number, log: boolean): number {
  if (!(w > 0)) return 0;
  if (w >= 1) return 1;
  if (!log) return w;
  const u = (Math.log10(Math.max(w, LOG_FLOOR)) - Math.log10(LOG_FLOOR)) / -Math.log10(LOG_FLOOR);
  return u < 0 ? 0 : u;
}

/** Inverse of weightToUnit, for legend tick labels. */
export function unitToWeight(u: number, log: boolean): number {
  if (!log) return u;
  return u <= 0 ? 0 : Math.pow(10, Math.log10(LOG_FLOOR) * (1 - u));
}

/**
 * A colour-blind-safe ramp: dark blue through neutral grey to yellow, lightness rising steadily,
 * so it reads the same with red-green colour blindness and in greyscale.
 */
export const COLORBLIND_STOPS: Rgb[] = [
  [16, 25, 90],
  [58, 74, 142],
  [125, 130, 144],
  [192, 169, 90],
  [247, 222, 58],
];

/** Parses the CSS colour forms VS Code themes use (#rgb, #rgba, #rrggbb, #rrggbbaa, rgb(), rgba()). Alpha is dropped. */
export function parseCssColour(text: string): Rgb | null {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const h = m[1];
    if (h.length === 3 || h.length === 4) return [0, 1, 2].map((i) => parseInt(h[i] + h[i], 16)) as Rgb;
    if (h.length === 6 || h.length === 8) return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
    return null;
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return [1, 2, 3].map((i) => Math.min(255, Math.round(Number(m![i])))) as Rgb;
  return null;
}

/** Linear interpolation through evenly spaced stops, t in [0, 1]. */
export function interpolateStops(stops: Rgb[], t: number): Rgb {
  if (stops.length === 1) return stops[0];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i], b = stops[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as Rgb;
}

/** 256 colours, index = round(unit * 255). */
export function buildPalette(stops: Rgb[]): Rgb[] {
  return Array.from({ length: 256 }, (_, i) => interpolateStops(stops, i / 255));
}

/** Palette as opaque pixels in the byte order of ImageData viewed as a little-endian Uint32Array. */
export function paletteToPixels(palette: Rgb[]): Uint32Array {
  const out = new Uint32Array(256);
  palette.forEach(([r, g, b], i) => { out[i] = (0xff << 24) | (b << 16) | (g << 8) | r; });
  return out;
}

/** Quantisation of weights for the fast weight → palette index table. */
export const WEIGHT_STEPS = 65536;

/** Table from quantised weight (round(w * (WEIGHT_STEPS - 1))) to palette index, so drawing needs no log per cell. */
export function weightIndexTable(log: boolean): Uint8Array {
  const t = new Uint8Array(WEIGHT_STEPS);
  for (let q = 0; q < WEIGHT_STEPS; q++) t[q] = Math.round(weightToUnit(q / (WEIGHT_STEPS - 1), log) * 255);
  return t;
}

/** Palette index of one weight, consistent with weightIndexTable. */
export function weightIndex(w: number, table: Uint8Array): number {
  const q = w > 0 ? (w >= 1 ? WEIGHT_STEPS - 1 : Math.round(w * (WEIGHT_STEPS - 1))) : 0;
  return table[q];
}

/** Relative luminance (WCAG) of an sRGB colour, 0..1. */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => { const s = c / 255; return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4); };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio between two colours (1..21). */
export function contrast(a: Rgb, b: Rgb): number {
  const la = luminance(a), lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
