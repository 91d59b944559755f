// Attention one layer at a time: how every reader (slices, overview, statistics, exports) sees an
// analysis's attention, whether it is kept whole as float32 or compact (3 bytes per value, per
// layer; see attentionCodes.ts). Shared by host and webview code: no vscode/node imports.
import { decodeLayer, layerCodeBytes } from './attentionCodes';
import type { AttentionShape } from './tensor';

export interface AttentionLayers {
  readonly shape: AttentionShape;
  /** Layer `l` as float32 [H, Q, K]: a view of the whole tensor or a decoded copy. Never write into it. */
  layer(l: number): Float32Array;
}

/** What an analysis keeps of one layer: float32 [H, Q, K] (exact), or its values as 3 bytes each (attentionCodes.ts). */
export type StoredLayer = Float32Array | Uint8Array;

/** Layers of a whole [L, H, Q, K] float32 tensor (views, no copies). */
export function denseLayers(attention: Float32Array, shape: AttentionShape): AttentionLayers {
  const per = shape.nHeads * shape.nTokens * shape.nTokens;
  if (attention.length !== shape.nLayers * per) throw new RangeError(`attention holds ${attention.length} numbers, not L·H·T·T = ${shape.nLayers * per}`);
  return { shape, layer: (l) => attention.subarray(l * per, (l + 1) * per) };
}

/**
 * Layers kept one by one; coded layers are decoded on request (the last one decoded is kept). A
 * null entry is a layer dropped over the memory budget: it is recomputed into `layers` (the same
 * array) before it is read (model/layerStore.ts), and reading it before then throws.
 */
export function storedLayers(layers: readonly (StoredLayer | null)[], shape: AttentionShape): AttentionLayers {
  const per = shape.nHeads * shape.nTokens * shape.nTokens;
  const { nHeads: H, nTokens: T } = shape;
  const fits = (x: StoredLayer | null) => x === null || (x instanceof Float32Array ? x.length === per : x.length === layerCodeBytes(H, T, false) || x.length === layerCodeBytes(H, T, true));
  if (layers.length !== shape.nLayers || !layers.every(fits)) throw new RangeError(`stored attention does not match ${shape.nLayers} layers of ${per} numbers`);
  let last: { l: number; data: Float32Array; codes: Uint8Array } | null = null;
  return {
    shape,
    layer(l) {
      if (!(Number.isInteger(l) && l >= 0 && l < shape.nLayers)) throw new RangeError(`layer ${l} is outside 0..${shape.nLayers - 1}`);
      const stored = layers[l];
      if (!stored) throw new RangeError(`layer ${l} is not kept (over the memory budget) and has not been recomputed`);
      if (stored instanceof Float32Array) return stored;
      if (last?.codes === stored) return last.data;
      const data = new Float32Array(per); // fresh: a caller may still read the previous one
      decodeLayer(stored, data, H, T);
      last = { l, data, codes: stored };
      return data;
    },
  };
}

/** Either form as layers (a bare Float32Array is the whole [L, H, Q, K] tensor). */
export function asLayers(attention: Float32Array | AttentionLayers, shape: AttentionShape): AttentionLayers {
  return attention instanceof Float32Array ? denseLayers(attention, shape) : attention;
}

/** One reader per compact analysis, so its last decoded layer serves the next request too. */
const readers = new WeakMap<object, AttentionLayers>();

/** An analysis's attention one layer at a time: its whole float32 tensor, or its stored layers when kept compact. */
export function attentionLayers(result: { attention: Float32Array; stored?: readonly (StoredLayer | null)[]; shape: AttentionShape }): AttentionLayers {
  const stored = result.stored;
  if (!stored) return denseLayers(result.attention, result.shape);
  let reader = readers.get(stored);
  if (!reader) readers.set(stored, (reader = storedLayers(stored, result.shape)));
  return reader;
}
