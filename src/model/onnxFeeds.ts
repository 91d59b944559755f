// The feeds a transformers.js-style export expects for one forward pass: input_ids,
// attention_mask, position_ids, token_type_ids, past key values (empty ones on a first pass),
// use_cache_branch and the top-k size surgery added.
import * as ort from 'onnxruntime-node';
import { FLOAT16, int64, product, type PastCache } from './onnxTensors';
import type { InputMeta } from './surgery';

export interface ModelDims {
  /** Attention heads per layer, from the config (sizes the first analysis's attention buffer). */
  heads?: number;
  /** Key/value heads and head size, used when the graph leaves past dims symbolic. */
  kvHeads: number;
  headDim: number;
  /** Vocabulary size from the config (0 when unknown). */
  vocab: number;
}

export { isPastInput } from './onnxGraph';

/** Name of the past input a present output feeds (`present.0.key` → `past_key_values.0.key`). */
export function pastNameFor(presentName: string, pastInputs: string[]): string | undefined {
  const direct = presentName.replace(/^present/, 'past_key_values');
  if (pastInputs.includes(direct)) return direct;
  const suffix = presentName.replace(/^present[._]?/, '');
  return pastInputs.find((p) => p.endsWith(suffix));
}

/** An empty past for one input: `batch` rows (1 unless scoring windows), the past axis 0, other sizes from the graph or the config. */
export function emptyPast(meta: InputMeta, dims: ModelDims, batch = 1): ort.Tensor {
  const shape = meta.dims.map((d, i) => {
    if (typeof d === 'number') return i === 0 ? batch : d;
    if (i === 0) return batch;
    if (/past|seq|length/i.test(d) || (meta.dims.length === 4 && i === 2)) return 0;
    if (/head/i.test(d) && !/dim|size/i.test(d)) return dims.kvHeads;
    return dims.headDim;
  });
  const n = product(shape);
  return meta.elemType === FLOAT16 ? new ort.Tensor('float16', new Uint16Array(n), shape) : new ort.Tensor('float32', new Float32Array(n), shape);
}

/** What one forward pass is given. */
export interface FeedValues {
  /** The new tokens, S of them, after `pastLength` earlier ones held in `past` (null: none). */
  ids: ArrayLike<number>;
  past: PastCache | null;
  pastLength: number;
  /** The top-k input's name and the k asked for (when surgery added one). */
  kInput?: string;
  topK: number;
  /** Internals graphs: the logit lens's k input (fed the same k), and the [L, H] head-gate input with its values (ones when null). */
  lensKInput?: string;
  gates?: { input: string; values: Float32Array | null; nLayers: number };
  /** Sequences side by side (default 1): `ids` holds batch × S, each row from position pastLength. */
  batch?: number;
}

export function buildFeeds(inputs: readonly InputMeta[], v: FeedValues, dims: ModelDims): Record<string, ort.Tensor> {
  const B = v.batch ?? 1;
  const S = v.ids.length / B;
  const K = v.pastLength + S;
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of inputs) {
    switch (meta.name) {
      case 'input_ids': feeds[meta.name] = int64(v.ids, [B, S]); break;
      case 'attention_mask': feeds[meta.name] = int64(new Array<number>(B * K).fill(1), [B, K]); break;
      case 'position_ids': feeds[meta.name] = int64(Array.from({ length: B * S }, (_, i) => v.pastLength + (i % S)), [B, S]); break;
      case 'token_type_ids': feeds[meta.name] = int64(new Array<number>(B * S).fill(0), [B, S]); break;
      case 'use_cache_branch': feeds[meta.name] = new ort.Tensor('bool', [v.past !== null && v.pastLength > 0], [1]); break;
      case v.gates?.input: {
        const H = dims.heads ?? 1, L = v.gates!.nLayers;
        feeds[meta.name] = new ort.Tensor('float32', v.gates!.values ?? new Float32Array(L * H).fill(1), [L, H]);
        break;
      }
      case v.lensKInput:
      case v.kInput: {
        const k = Math.max(1, dims.vocab > 0 ? Math.min(v.topK, dims.vocab) : v.topK);
        feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
        break;
      }
      default: feeds[meta.name] = v.past?.get(meta.name) ?? emptyPast(meta, dims, B);
    }
  }
  return feeds;
}
