// One forward pass through the patched ONNX session: builds the feeds a transformers.js-style
// export expects (input_ids, attention_mask, position_ids, token_type_ids, past key values,
// use_cache_branch) and returns logits, attention and the new key/value cache.
import * as ort from 'onnxruntime-node';
import { AttentionLensError } from './errors';
import type { InputMeta, LogitReductions } from './surgery';

const FLOAT16 = 10;

export interface ModelDims {
  /** Key/value heads and head size, used when the graph leaves past dims symbolic. */
  kvHeads: number;
  headDim: number;
  /** Vocabulary size from the config (0 when unknown). */
  vocab: number;
}

/** What surgery produced that the runner needs. */
export interface PatchedGraph {
  inputs: InputMeta[];
  attentionOutput: string;
  nLayers: number;
  reductions: LogitReductions | null;
}

/** Past keys/values by input name (`past_key_values.{i}.key`), each [1, H, P, D]. */
export type PastCache = Map<string, ort.Tensor>;

export interface ForwardOutput {
  /** [S, V] for the S new positions, or null when the graph has no logits (base encoders). */
  logits: Float32Array | null;
  vocab: number;
  /** Every layer's attention, [L, H, S, P+S] (batch 1). */
  attention: ort.Tensor;
  /** New cache, keyed by the past input name it feeds next time. */
  present: PastCache;
  /** log softmax(logits) [S, V], when the runtime computed it. */
  logProbs: Float32Array | null;
  /** Top-k log-probabilities and ids per new position, each [S, k], when the runtime computed them. */
  top: { k: number; values: Float32Array; indices: BigInt64Array } | null;
}

const int64 = (values: ArrayLike<number>, dims: number[]) => {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]!);
  return new ort.Tensor('int64', data, dims);
};

export function isPastInput(name: string): boolean {
  return name.startsWith('past_key_values') || name.startsWith('past.') || name.startsWith('past_');
}

/** Name of the past input a present output feeds (`present.0.key` → `past_key_values.0.key`). */
export function pastNameFor(presentName: string, pastInputs: string[]): string | undefined {
  const direct = presentName.replace(/^present/, 'past_key_values');
  if (pastInputs.includes(direct)) return direct;
  const suffix = presentName.replace(/^present[._]?/, '');
  return pastInputs.find((p) => p.endsWith(suffix));
}

/** An empty past for one input: batch 1, the past axis 0, other sizes from the graph or the config. */
function emptyPast(meta: InputMeta, dims: ModelDims): ort.Tensor {
  const shape = meta.dims.map((d, i) => {
    if (typeof d === 'number') return i === 0 ? 1 : d;
    if (i === 0) return 1;
    if (/past|seq|length/i.test(d) || (meta.dims.length === 4 && i === 2)) return 0;
    if (/head/i.test(d) && !/dim|size/i.test(d)) return dims.kvHeads;
    return dims.headDim;
  });
  const n = shape.reduce((a, b) => a * b, 1);
  return meta.elemType === FLOAT16 ? new ort.Tensor('float16', new Uint16Array(n), shape) : new ort.Tensor('float32', new Float32Array(n), shape);
}

export function toFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
    return out;
  }
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** IEEE 754 half precision bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

export class Runner {
  readonly pastInputs: string[];
  readonly supportsCache: boolean;

  readonly inputs: InputMeta[];
  readonly attentionOutput: string;
  private readonly reductions: LogitReductions | null;

  constructor(
    readonly session: ort.InferenceSession,
    patched: PatchedGraph,
    private readonly dims: ModelDims,
    private readonly label: string,
  ) {
    this.inputs = patched.inputs;
    this.attentionOutput = patched.attentionOutput;
    this.reductions = patched.reductions;
    this.pastInputs = this.inputs.filter((i) => isPastInput(i.name)).map((i) => i.name);
    this.supportsCache = this.pastInputs.length > 0 && session.outputNames.some((n) => n.startsWith('present'));
    const known = /^(input_ids|attention_mask|position_ids|token_type_ids|use_cache_branch)$/;
    const unknown = this.inputs.filter((i) => !known.test(i.name) && !isPastInput(i.name) && i.name !== this.reductions?.kInput);
    if (unknown.length > 0) {
      throw new AttentionLensError(
        'unsupported-architecture',
        `${label} needs inputs Attention Lens cannot provide (${unknown.map((u) => u.name).join(', ')}). ` +
          'Use a text-only decoder or encoder export.',
      );
    }
  }

  /** Runs `ids` (the new tokens) after `past` (pastLength earlier tokens; empty when null); `topK` sizes the runtime top-k. */
  async forward(ids: ArrayLike<number>, past: PastCache | null, pastLength: number, topK = 1): Promise<ForwardOutput> {
    const S = ids.length;
    const feeds: Record<string, ort.Tensor> = {};
    for (const meta of this.inputs) {
      switch (meta.name) {
        case 'input_ids': feeds[meta.name] = int64(ids, [1, S]); break;
        case 'attention_mask': feeds[meta.name] = int64(new Array<number>(pastLength + S).fill(1), [1, pastLength + S]); break;
        case 'position_ids': feeds[meta.name] = int64(Array.from({ length: S }, (_, i) => pastLength + i), [1, S]); break;
        case 'token_type_ids': feeds[meta.name] = int64(new Array<number>(S).fill(0), [1, S]); break;
        case 'use_cache_branch': feeds[meta.name] = new ort.Tensor('bool', [past !== null && pastLength > 0], [1]); break;
        case this.reductions?.kInput: {
          const k = Math.max(1, this.dims.vocab > 0 ? Math.min(topK, this.dims.vocab) : topK);
          feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), [1]);
          break;
        }
        default: feeds[meta.name] = past?.get(meta.name) ?? emptyPast(meta, this.dims);
      }
    }
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds); // all outputs: naming outputs misreports them in this runtime version
    } catch (err) {
      throw new AttentionLensError('runtime-failure', `Running ${this.label} failed: ${(err as Error).message}`);
    }
    const logitsTensor = out.logits ?? null;
    const present: PastCache = new Map();
    for (const name of this.session.outputNames) {
      if (!name.startsWith('present')) continue;
      const pastName = pastNameFor(name, this.pastInputs);
      if (pastName) present.set(pastName, out[name]!);
    }
    const r = this.reductions;
    const values = r ? out[r.topValues] : undefined;
    // Converted on first read: an analysis reads the log-probabilities instead, and converting
    // fp16 logits [S, V] it never reads would cost more than the rest of its extraction.
    let logits: Float32Array | null | undefined;
    return {
      get logits() {
        return (logits ??= logitsTensor ? toFloat32(logitsTensor) : null);
      },
      vocab: logitsTensor ? logitsTensor.dims[logitsTensor.dims.length - 1]! : 0,
      attention: out[this.attentionOutput]!,
      present,
      logProbs: r && out[r.logProbs] ? (out[r.logProbs]!.data as Float32Array) : null,
      top: r && values ? { k: values.dims[values.dims.length - 1]!, values: values.data as Float32Array, indices: out[r.topIndices]!.data as BigInt64Array } : null,
    };
  }
}

/** Keeps the first `keep` positions of every cached tensor ([1, H, P, D] → [1, H, keep, D]). */
export function truncatePast(past: PastCache, keep: number): PastCache {
  const out: PastCache = new Map();
  for (const [name, t] of past) {
    const [B, H, P, D] = t.dims as [number, number, number, number];
    if (t.dims.length !== 4 || keep >= P) { out.set(name, t); continue; }
    const src = t.data as Float32Array | Uint16Array;
    const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(B * H * keep * D);
    for (let bh = 0; bh < B * H; bh++) dst.set(src.subarray(bh * P * D, bh * P * D + keep * D), bh * keep * D); // [B·H, P, D]
    out.set(name, new ort.Tensor(t.type as 'float32', dst as Float32Array, [B, H, keep, D]));
  }
  return out;
}
