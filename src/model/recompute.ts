// A dropped layer (attention over the memory budget, see compactAttention.ts) computed again: the
// analysis's token ids through the same session with the same heads off, only the attention
// fetched, and the asked-for layers coded as the analysis kept the others.
import { encodeLayer } from '../common/attentionCodes';
import { throwIfAborted } from './errors';
import type { OnnxSession } from './onnxSession';
import { toFloat32 } from './onnxTensors';
import type { AnalysisResult, HeadRef } from './types';

/**
 * Codes of `layers` ([H, Q, K] each, 3 bytes a value) of the attention of `ids`; `gates` [L, H]
 * (null: every head on) apply to this run only. Only those layers' attention leaves the runtime (the
 * others are intermediates it frees as it goes), so a recompute never holds the whole [L, H, T, T].
 */
export async function recomputeLayerCodes(onnx: OnnxSession, ids: readonly number[], layers: readonly number[], gates: Float32Array | null, signal?: AbortSignal): Promise<Uint8Array[]> {
  throwIfAborted(signal);
  const L = onnx.attentionOutputs.length;
  for (const l of layers) if (!(Number.isInteger(l) && l >= 0 && l < L)) throw new RangeError(`layer ${l} is outside 0..${L - 1}`);
  const names = layers.map((l) => onnx.attentionOutputs[l]!);
  const saved = onnx.headGates;
  onnx.headGates = gates;
  let extra;
  try {
    extra = (await onnx.forward(ids, null, 0, { extra: names }, 1)).extra;
  } finally {
    onnx.headGates = saved;
  }
  throwIfAborted(signal); // the analysis was replaced while this ran
  const T = ids.length;
  return names.map((name) => {
    const data = toFloat32(extra[name]!); // [1, H, T, T] or [H, T, T]
    return encodeLayer(data, data.length / (T * T), T);
  });
}

/** [L, H] gates with `heads` off (0) and every other head on (1). */
export function gatesFor(heads: readonly { layer: number; head: number }[], L: number, H: number): Float32Array {
  const gates = new Float32Array(L * H).fill(1); // [L, H]
  for (const x of heads) gates[x.layer * H + x.head] = 0;
  return gates;
}

type Recompute = (ids: readonly number[], layers: readonly number[], headsOff: readonly HeadRef[], signal: AbortSignal) => Promise<Uint8Array[]>;

/** Gives an analysis with dropped layers its `recompute` (through `run`, the model's queue), cancelled by its release(). */
export function withRecompute(result: AnalysisResult, run: Recompute): void {
  const ids = result.tokens.map((t) => t.id);
  const heads = (result.headsOff ?? []).map((x) => ({ ...x }));
  const released = new AbortController();
  result.recompute = (layers) => run(ids, layers.slice(), heads, released.signal);
  const release = result.release;
  result.release = () => {
    released.abort();
    release();
  };
}
