// Paints one [Q, K] attention matrix into an image, one pixel per cell (or per block of cells),
// through the palette's lookup table. Zoom and pan only re-blit the image.
import type { Palette } from './theme';

/**
 * Paints `m` ([T, T]) into `image`. With cells smaller than a pixel (`block` > 1), each image pixel
 * is the max over a block×block group of cells: thin patterns such as a previous-token diagonal
 * stay visible, and no smoothing pass is needed when drawing (smoothing a 1,024² image costs far
 * more than this loop).
 */
export function paintMatrix(image: HTMLCanvasElement, m: Float32Array, T: number, p: Palette, b: number): void {
  const S = Math.ceil(T / b);
  if (image.width !== S || image.height !== S) { image.width = S; image.height = S; }
  const ctx = image.getContext('2d')!;
  const img = ctx.createImageData(S, S);
  const px = new Uint32Array(img.data.buffer);
  const table = p.index, colours = p.pixels, top = table.length - 1;
  let source: Float32Array = m;
  if (b > 1) {
    source = new Float32Array(S * S);
    for (let q = 0; q < T; q++) {
      const row = q * T, out = ((q / b) | 0) * S; // [Q, K] → pooled [S, S]
      for (let k = 0; k < T; k++) {
        const w = m[row + k], o = out + ((k / b) | 0);
        if (w > source[o]) source[o] = w;
      }
    }
  }
  for (let x = 0, n = S * S; x < n; x++) { // row-major, same as the image
    const w = source[x];
    px[x] = colours[table[w > 0 ? (w >= 1 ? top : (w * top + 0.5) | 0) : 0]];
  }
  ctx.putImageData(img, 0, 0);
}
