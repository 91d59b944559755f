// Cuts what one view draws out of the whole attention tensor, so the host never ships [L, H, Q, K].
// Shared by host and webview (the webview benchmark uses it too): no vscode/node imports.
import type { AttentionRequestOptions, AttentionSelector, OverviewEncoding } from './protocol';
import type { AttentionShape } from './tensor';
import { asLayers, type AttentionLayers } from './attentionLayers';
import { dropSinkInto, dropSinkRow, meanOverHeads, poolToBytes, thumbnailSize } from './downsample';
import { packHeadLines } from './headLines';

/** Checks a selector against the shape; returns a message for a bad one, null for a good one. */
export function selectorProblem(shape: AttentionShape, s: AttentionSelector): string | null {
  if (s.kind === 'row') {
    if (!(Number.isInteger(s.query) && s.query >= 0 && s.query < shape.nTokens)) return `query ${s.query} is outside 0..${shape.nTokens - 1}`;
    return s.matrix && (s.matrix.kind === 'head' || s.matrix.kind === 'layerMean') ? selectorProblem(shape, s.matrix) : 'a row must name a head or a layer mean';
  }
  const okLayer = Number.isInteger(s.layer) && s.layer >= 0 && s.layer < shape.nLayers;
  if (!okLayer) return `layer ${s.layer} is outside 0..${shape.nLayers - 1}`;
  if (s.kind === 'head' && !(Number.isInteger(s.head) && s.head >= 0 && s.head < shape.nHeads)) {
    return `head ${s.head} is outside 0..${shape.nHeads - 1}`;
  }
  return null;
}

/**
 * The attention a selector names: [Q, K], [H, Q, K] (layerHeads), packed lines (layerLines) or [K]
 * (row). Always a fresh copy. `attention` is the whole [L, H, Q, K] tensor or the analysis's layers
 * (each selector reads one).
 */
export function sliceAttention(attention: Float32Array | AttentionLayers, shape: AttentionShape, s: AttentionSelector, options: AttentionRequestOptions): Float32Array {
  const T = shape.nTokens, n = T * T;
  const problem = selectorProblem(shape, s);
  if (problem) throw new RangeError(problem);
  const layers = asLayers(attention, shape);
  switch (s.kind) {
    case 'head': {
      const m = layers.layer(s.layer).subarray(s.head * n, (s.head + 1) * n); // [H, Q, K] → [Q, K]
      return options.dropSink ? dropSinkInto(m, T, new Float32Array(n)) : m.slice();
    }
    case 'layerMean': {
      const mean = meanOverHeads(layers.layer(s.layer), shape.nHeads, T, new Float32Array(n));
      return options.dropSink ? dropSinkInto(mean, T, mean) : mean;
    }
    case 'layerHeads': {
      const out = layers.layer(s.layer).slice(); // [H, Q, K]
      if (options.dropSink) {
        for (let h = 0; h < shape.nHeads; h++) dropSinkInto(out.subarray(h * n, (h + 1) * n), T, out.subarray(h * n, (h + 1) * n));
      }
      return out;
    }
    case 'layerLines': { // one head at a time: never the whole layer at once
      const scratch = new Float32Array(n);
      const layer = layers.layer(s.layer); // [H, Q, K]
      return packHeadLines(shape.nHeads, T, (h) => {
        const m = layer.subarray(h * n, (h + 1) * n); // [Q, K]
        return options.dropSink ? dropSinkInto(m, T, scratch) : m;
      });
    }
    case 'row': {
      const m = s.matrix;
      const heads = m.kind === 'head' ? [m.head] : Array.from({ length: shape.nHeads }, (_, h) => h);
      const row = new Float32Array(T);
      const layer = layers.layer(m.layer);
      for (const h of heads) {
        const start = (h * T + s.query) * T; // [H, Q, K]
        for (let k = 0; k < T; k++) row[k] += layer[start + k]!;
      }
      if (heads.length > 1) for (let k = 0; k < T; k++) row[k] /= heads.length;
      if (options.dropSink) dropSinkRow(row, 0, T, row, 0);
      return row;
    }
  }
}
/** Thumbnails of every head plus each layer mean: [L, H + 1, size, size] bytes (index H = layer mean). */
export function overviewBytes(attention: Float32Array | AttentionLayers, shape: AttentionShape, requestedSize: number, options: AttentionRequestOptions, encoding: OverviewEncoding): { size: number; data: Uint8Array } {
  const overview = new Overview(shape, requestedSize, options, encoding);
  const layers = asLayers(attention, shape);
  for (let l = 0; l < shape.nLayers; l++) overview.addLayer(l, layers.layer(l));
  return { size: overview.size, data: overview.data };
}

/** The overview filled one layer at a time, in any order (a reader that waits for dropped layers adds them as they come). */
export class Overview {
  readonly size: number;
  readonly data: Uint8Array; // [L, H + 1, size, size]
  private readonly scratch: Float32Array;
  private readonly mean: Float32Array;

  constructor(private readonly shape: AttentionShape, requestedSize: number, private readonly options: AttentionRequestOptions, private readonly encoding: OverviewEncoding) {
    const T = shape.nTokens;
    this.size = thumbnailSize(requestedSize, T);
    this.data = new Uint8Array(shape.nLayers * (shape.nHeads + 1) * this.size * this.size);
    this.scratch = new Float32Array(T * T);
    this.mean = new Float32Array(T * T);
  }

  /** Layer `l`'s thumbnails from its attention [H, Q, K]. */
  addLayer(l: number, layer: Float32Array): void {
    const T = this.shape.nTokens, n = T * T, H = this.shape.nHeads, size = this.size;
    const log = this.encoding === 'log';
    for (let h = 0; h < H; h++) {
      let m = layer.subarray(h * n, (h + 1) * n);
      if (this.options.dropSink) m = dropSinkInto(m, T, this.scratch);
      poolToBytes(m, T, size, log, this.data, (l * (H + 1) + h) * size * size); // [L, H + 1, s, s]
    }
    meanOverHeads(layer, H, T, this.mean);
    if (this.options.dropSink) dropSinkInto(this.mean, T, this.mean);
    poolToBytes(this.mean, T, size, log, this.data, (l * (H + 1) + H) * size * size);
  }
}
