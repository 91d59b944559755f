// Every layer's attention out of the runtime, one graph output per layer. Once a run has shown the
// layout, the runtime writes each layer's softmax straight into its slice of the caller's buffer
// ([L, H, S, K]), checked once against the copy the runtime also returns; otherwise (fp16, another
// layout, a runtime that refuses the buffers) the layers are copied into one array.
import * as ort from 'onnxruntime-node';
import { AttentionLensError } from './errors';
import { product, sameValues, toFloat32 } from './onnxTensors';

/** Every layer's attention of one run: data [L, H, S, K] (batch 1). */
export interface LayersAttention {
  data: Float32Array;
  nLayers: number;
  nHeads: number;
}

/** One run writing in place: the caller's buffer and each layer's share of it. */
export interface InPlace {
  into: Float32Array;
  perLayer: number;
}

export class AttentionWriter {
  /**
   * Each layer's attention sizes before [S, P+S] (e.g. [1, H]), learned from the first run that
   * fetched attention. Null when the runtime cannot write in place (attention not float32, or it
   * refused the buffers); undefined until learned.
   */
  private lead: number[] | null | undefined;
  /** Whether an in-place run was seen to fill the caller's buffer. */
  private checked = false;

  constructor(private readonly outputs: readonly string[], private readonly configHeads: number | undefined, private readonly label: string) {}

  /** Floats of every layer's attention for S positions over K keys ([L, H, S, K]); from the config's head count until a run has shown it. */
  size(S: number, K: number): number {
    const heads = this.lead ? product(this.lead) : this.configHeads ?? 1;
    return this.outputs.length * heads * S * K;
  }

  /** Adds one pre-allocated output per layer, slices of `into`, to `request`; null when this run cannot write in place. */
  prepare(request: Record<string, ort.Tensor | null>, S: number, K: number, into: Float32Array | undefined): InPlace | null {
    const lead = this.lead;
    if (!lead || !into) return null;
    const perLayer = product(lead) * S * K; // [lead…, S, K]
    const n = this.outputs.length;
    if (into.length < n * perLayer) return null;
    // Before the one check below, the buffer holds NaN, so stale values a runtime left alone cannot pass it.
    if (!this.checked) into.fill(NaN, 0, n * perLayer);
    this.outputs.forEach((name, l) => { request[name] = new ort.Tensor('float32', into.subarray(l * perLayer, (l + 1) * perLayer), [...lead, S, K]); });
    return { into, perLayer };
  }

  /** The runtime refused the buffers: attention comes as new arrays from now on. */
  refused(): void {
    this.lead = null;
  }

  /** The run's attention from its per-layer outputs (the runtime's copies, dropped when it wrote in place). */
  collect(layers: readonly ort.Tensor[], S: number, K: number, inPlace: InPlace | null, into: Float32Array | undefined): LayersAttention {
    const nLayers = this.outputs.length;
    if (inPlace && !this.checked) {
      // Once, make sure the runtime wrote into our buffer.
      const wrote = layers.every((t, l) => sameValues(t.data as Float32Array, inPlace.into.subarray(l * inPlace.perLayer, (l + 1) * inPlace.perLayer)));
      if (!wrote) this.lead = null;
      this.checked = wrote;
    }
    if (inPlace && this.lead) return { data: inPlace.into.subarray(0, nLayers * inPlace.perLayer), nLayers, nHeads: inPlace.perLayer / (S * K) };
    return this.gather(layers, S, K, into);
  }

  /** Copies (converting fp16) each layer's [lead…, S, K] attention into one [L, H, S, K] array, and learns whether the runtime could write it in place next time. */
  private gather(layers: readonly ort.Tensor[], S: number, K: number, into: Float32Array | undefined): LayersAttention {
    const size = layers[0]!.size; // [lead…, S, K], batch 1
    const nHeads = size / (S * K);
    if (!Number.isInteger(nHeads) || layers.some((t) => t.size !== size)) {
      throw new AttentionLensError('unsupported-architecture', `${this.label}: its layers' attention maps have different sizes (${layers.map((t) => t.dims.join('×')).join(', ')}), so they cannot be shown as one [layer, head, query, key] tensor.`);
    }
    if (this.lead === undefined) {
      const lead = layers[0]!.dims.slice(0, -2);
      const sameLayout = layers.every((t) => t.type === 'float32' && t.dims.length === lead.length + 2 && t.dims[lead.length] === S && t.dims[lead.length + 1] === K && lead.every((d, i) => t.dims[i] === d));
      this.lead = sameLayout ? [...lead] : null;
    }
    const data = into && into.length >= layers.length * size ? into.subarray(0, layers.length * size) : new Float32Array(layers.length * size);
    layers.forEach((t, l) => data.set(toFloat32(t), l * size)); // [L, H, S, K]
    return { data, nLayers: layers.length, nHeads };
  }
}
